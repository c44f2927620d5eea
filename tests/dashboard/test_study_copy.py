"""New studies from templates and from copies of a researcher's own studies: the design
only, never the data."""

from __future__ import annotations

import re

from django.test import Client

from chat.services import session_open
from studies.models import Study
from tests.base import DyadTestCase


def without_tokens(html: str) -> str:
    """The page with its CSRF tokens (new on every response) blanked."""
    return re.sub(r'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+', r"\1", html)


class StudyCopyTests(DyadTestCase):
    def setUp(self):
        super().setUp()
        self.rita_client = Client()
        self.rita_client.force_login(self.rita)
        self.pilot.attention_checks = "1 pre 5 3"
        self.pilot.save()
        session_open(participant=self.ana, number=1)  # data the copy must not take

    def copy(self, source: str, slug: str = "again", client=None):
        return (client or self.rita_client).post(
            "/dashboard/studies/new/copy/", {"source": source, "title": "Again", "slug": slug}
        )

    def test_a_copy_takes_the_design_and_nothing_else(self):
        response = self.copy("study:pilot")
        assert response.status_code == 302 and response["Location"] == "/dashboard/studies/again/"
        copy = Study.objects.get(slug="again")
        assert (copy.title, copy.status, copy.attention_checks) == ("Again", "draft", "1 pre 5 3")
        assert copy.consent_text == self.pilot.consent_text and not copy.design_hash
        assert list(copy.owners.all()) == [self.rita]
        assert sorted(c.name for c in copy.conditions.all()) == ["editable", "hidden"]
        hidden = copy.conditions.get(name="hidden")
        assert (hidden.seed_persona["name"], hidden.agent_writes) == ("Quill", "silent")
        assert not copy.participants.exists() and not copy.versions.exists()
        assert self.pilot.conditions.count() == 2  # the original is untouched

    def test_templates_make_the_demo_a_memory_study_and_a_wizard_of_oz_pilot(self):
        assert self.copy("starter:demo", "d").status_code == 302
        demo = Study.objects.get(slug="d")
        assert {c.name: c.panel_visibility for c in demo.conditions.all()} == {
            "co-construct": "editable", "hidden": "hidden"
        }  # fmt: skip
        assert self.copy("starter:memory", "m").status_code == 302
        memory = Study.objects.get(slug="m")
        assert memory.sessions_per_participant == 3
        assert {c.name: c.memory for c in memory.conditions.all()} == {
            "remembers": "carry", "forgets": "reset"
        }  # fmt: skip
        assert self.copy("starter:wizard", "oz").status_code == 302
        wizard = Study.objects.get(slug="oz").conditions.get()
        assert (wizard.agent_backend, wizard.wizard_drafts) == ("wizard", True)

    def test_a_taken_slug_or_another_researchers_study_is_refused_and_nothing_is_made(self):
        taken = self.copy("study:pilot", slug="pilot")
        assert taken.status_code == 400 and "already uses this address" in taken.text
        omar = Client()
        omar.force_login(self.omar)
        theirs = self.copy("study:pilot", slug="stolen", client=omar)
        assert theirs.status_code == 400 and "Choose one of the starting points" in theirs.text
        bad = self.copy("starter:nope", slug="x")
        assert bad.status_code == 400
        assert Study.objects.count() == 1

    def test_another_researchers_slug_is_answered_as_one_that_does_not_exist(self):
        omar = Client()
        omar.force_login(self.omar)
        theirs = self.copy("study:pilot", slug="mine", client=omar)
        nowhere = self.copy("study:no-such-study", slug="mine", client=omar)
        assert theirs.status_code == nowhere.status_code == 400
        assert without_tokens(theirs.text) == without_tokens(nowhere.text)
        assert Study.objects.count() == 1

    def test_the_new_study_page_offers_both_and_the_study_page_links_to_a_copy(self):
        page = self.rita_client.get("/dashboard/studies/new/?from=study:pilot").text
        assert '<option value="study:pilot" selected>A copy of Pilot (pilot)</option>' in page
        assert (
            "Template: The demo" in page and 'id="copy-title"' in page and 'id="id_title"' in page
        )
        detail = self.rita_client.get("/dashboard/studies/pilot/").text
        assert "/dashboard/studies/new/?from=study:pilot#copy-heading" in detail
