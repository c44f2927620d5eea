from django.core.management.base import BaseCommand, CommandError

from studies import demo
from studies.services.designing import DesignError


class Command(BaseCommand):
    help = "Create the demo study and researcher account if they are missing (safe to re-run)."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")

    def handle(self, *args, base_url, **options):
        try:
            study, created = demo.ensure_demo()
        except DesignError as error:
            raise CommandError(f"The demo study cannot be published: {error}") from None
        self.stdout.write(("Created" if created else "Found") + f" the demo study '{study.slug}'.")
        condition = study.conditions.first()
        if condition.agent_backend == "openai":
            agent = f"{condition.llm_model} at {condition.llm_endpoint.base_url}"
        else:
            agent = "offline scripted agent (DYAD_LLM_BASE_URL + DYAD_LLM_MODEL: use an LLM)"
        self.stdout.write(f"  Agent:            {agent}")
        self.stdout.write(f"  Participant link: {base_url}/s/{study.slug}/")
        self.stdout.write(f"  Prolific-style:   {base_url}/s/{study.slug}/?PROLIFIC_PID=test123")
        self.stdout.write(f"  Dashboard:        {base_url}/dashboard/")
        self.stdout.write(
            f"  Researcher login: user '{demo.DEMO_USERNAME}', password '{demo.DEMO_PASSWORD}'"
            f" (also the operator's admin: {base_url}/admin/)"
        )
