from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from chat.agent.cards import CardError
from dashboard import services
from studies.models import Condition


class Command(BaseCommand):
    help = (
        "Export a condition's seed persona as a Character Card V2 (JSON), or import one into it. "
        "Example: persona_card demo visible --export mira.json"
    )

    def add_arguments(self, parser):
        parser.add_argument("study")
        parser.add_argument("condition")
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--export", metavar="FILE", help="write the card here ('-': stdout)")
        action.add_argument("--import", dest="import_", metavar="FILE", help="read a card")

    def handle(self, *args, study, condition, export, import_, **options):
        found = Condition.objects.filter(study__slug=study, name=condition).first()
        if found is None:
            raise CommandError(f"No condition '{condition}' in a study '{study}'.")
        if export:
            text = services.condition_card_export(condition=found)
            if export == "-":
                self.stdout.write(text)
            else:
                Path(export).write_text(text, encoding="utf-8")
                self.stdout.write(f"Wrote {export}")
            return
        try:
            raw = Path(import_).read_bytes()
            persona = services.condition_card_import(condition=found, raw=raw)
        except OSError as error:
            raise CommandError(f"Cannot read {import_}: {error.strerror}") from None
        except CardError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Seed persona of {found} is now {persona['name']}, {persona['role']}.")
