from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dashboard.exports.files import export_to
from studies.models import Study


class Command(BaseCommand):
    help = (
        "Write a study's export (the same files as the dashboard's ZIP) into a directory. "
        "Example: export demo --out exports/"
    )

    def add_arguments(self, parser):
        parser.add_argument("study", help="the study's slug")
        parser.add_argument("--out", required=True, metavar="DIR", help="created if missing")
        parser.add_argument("--zip", action="store_true", help="write one ZIP instead")
        parser.add_argument(
            "--recruitment",
            action="store_true",
            help="also write the RESTRICTED recruitment.csv (codes -> recruitment ids)",
        )

    def handle(self, *args, study, out, zip, recruitment, **options):
        found = Study.objects.filter(slug=study).first()
        if found is None:
            known = ", ".join(Study.objects.order_by("slug").values_list("slug", flat=True))
            raise CommandError(f"No study with the slug '{study}'. Studies: {known or 'none'}.")
        directory = Path(out)
        try:
            directory.mkdir(parents=True, exist_ok=True)
            written = export_to(found.pk, directory, as_zip=zip, recruitment=recruitment)
        except OSError as error:
            raise CommandError(f"Cannot write to {out}: {error.strerror}") from None
        for path in written:
            self.stdout.write(f"Wrote {path}")
