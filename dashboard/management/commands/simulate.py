import json
import sys

from django.core.management.base import BaseCommand, CommandError

from dashboard.pilots import PilotError, pilot_create, pilot_run
from dashboard.simulate import profiles as profile_files
from studies.models import Endpoint, Study


class Command(BaseCommand):
    help = (
        "Pilot a study with simulated participants who take the real path a browser takes "
        "(HTTP and WebSocket) against a running server. Example: "
        "simulate demo --participants 50 --concurrency 10 --effect co-construct:hlc:+0.5 "
        "--drift 0.2"
    )

    def add_arguments(self, parser):
        parser.add_argument("study", help="the study's slug")
        parser.add_argument("--participants", type=int, default=10, metavar="N")
        parser.add_argument("--concurrency", type=int, default=5, metavar="C")
        parser.add_argument("--seed", type=int, default=0, help="the same seed, the same pilot")
        parser.add_argument("--profiles", metavar="FILE", help="a JSON list of profiles")
        parser.add_argument(
            "--effect",
            default="",
            help='planted effect "condition:factor:d", e.g. co-construct:hlc:+0.5',
        )
        parser.add_argument(
            "--drift",
            type=float,
            default=0.0,
            metavar="RATE",
            help="planted drift: the share (0-1) of the offline agent's replies and Q&A "
            "answers that contradict or forget its identity on purpose (default 0)",
        )
        parser.add_argument("--endpoint", help="an operator endpoint's name: messages from an LLM")
        parser.add_argument("--model", default="", help="the model, with --endpoint")
        parser.add_argument("--skip-gaps", action="store_true", help="no waiting between sessions")
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="the running server")
        parser.add_argument(
            "--pace", type=float, default=1.0, help="1: people's own pace (default); 0: no waiting"
        )
        parser.add_argument(
            "--rate", type=float, help="messages a minute each, not waiting for replies"
        )
        parser.add_argument("--duration", type=float, help="with --rate: seconds to keep chatting")
        parser.add_argument("--report", metavar="FILE", help="write the JSON report here")

    def handle(self, *args, **o):
        study = Study.objects.filter(slug=o["study"]).first()
        if study is None:
            raise CommandError(f"No study with the slug '{o['study']}'.")
        endpoint = None
        if o["endpoint"]:
            endpoint = Endpoint.objects.filter(name=o["endpoint"]).first()
            if endpoint is None:
                names = ", ".join(Endpoint.objects.values_list("name", flat=True)) or "none"
                raise CommandError(f"No endpoint called '{o['endpoint']}'. Endpoints: {names}.")
        try:
            supplied = profile_files.load(o["profiles"]) if o["profiles"] else None
            pilot = pilot_create(
                study=study,
                participants=o["participants"],
                concurrency=o["concurrency"],
                base_url=o["url"],
                seed=o["seed"],
                effect=o["effect"],
                drift=o["drift"],
                pace=o["pace"],
                skip_gaps=o["skip_gaps"],
                endpoint=endpoint,
                model=o["model"],
                supplied=supplied,
            )
        except (PilotError, OSError, ValueError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Pilot {pilot.pk}: {pilot.participants_wanted} simulated participants")
        pilot = pilot_run(
            pilot_id=pilot.pk, rate=o["rate"], duration=o["duration"], on_progress=self.progress
        )
        sys.stderr.write("\n")
        self.summary(pilot.report)
        self.stdout.write(
            f"Measures (planted drift {pilot.drift:g}): the Analytics page with ?pilot={pilot.pk}, "
            "once its sessions are scored; drift_validation.csv in the export."
        )
        if o["report"]:
            with open(o["report"], "w", encoding="utf-8") as out:
                json.dump({"pilot": pilot.pk, **pilot.report}, out, indent=2)
            self.stdout.write(f"Wrote {o['report']}")

    def progress(self, counts: dict) -> None:
        wanted, done = counts["wanted"], counts["done"]
        bar = "#" * round(30 * done / wanted)
        sys.stderr.write(f"\r[{bar:<30}] {done}/{wanted} done, {counts['completed']} completed")
        sys.stderr.flush()

    def summary(self, r: dict) -> None:
        w = self.stdout.write
        w(f"Completed: {r['completed']} of {r['participants']} in {r['seconds']} s")
        if r["stopped_at"]:
            w(f"Stopped early, by step: {r['stopped_at']}")
        w(f"By condition: {r['by_condition']}")
        w(
            f"Messages: {r['messages']}; lost {r['lost']}, doubled {r['doubled']}, "
            f"unanswered {r['unanswered']}, errors {r['error_count']}"
        )
        for name in ("ack_ms", "first_reply_text_ms", "full_reply_ms"):
            p = r[name]
            w(f"{name}: p50 {p['p50']}, p90 {p['p90']}, p99 {p['p99']}, max {p['max']}")
        for error in r["errors"][:10]:
            w(f"  {error}")
