"""The wizard's panel in the live view: who is the wizard, assigning one, and a refused
reply explained."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.test import Client

from chat.services import session_open
from studies.models import Condition
from tests.base import DyadTestCase


class WizardPanelTests(DyadTestCase):
    def setUp(self):
        super().setUp()
        Condition.objects.filter(pk=self.editable.pk).update(agent_backend="wizard")
        self.pilot.collaborators.add(self.omar)
        self.session = session_open(participant=self.ana, number=1)
        self.rita_client = Client()
        self.rita_client.force_login(self.rita)
        self.base = f"/dashboard/studies/pilot/sessions/{self.session.pk}/live/"

    def test_the_panel_shows_who_is_the_wizard_and_a_colleague_can_be_assigned(self):
        page = self.rita_client.get(self.base).text
        assert "No wizard yet: the first researcher to answer" in page
        assert "No message is waiting for a reply." in page
        response = self.rita_client.post(self.base + "wizard/take/", {"wizard": self.omar.pk})
        assert response.status_code == 302
        self.session.refresh_from_db()
        assert self.session.wizard == self.omar
        page = self.rita_client.get(self.base + "wizard/").text
        assert "This session's wizard: <strong>omar</strong>" in page
        assert "Take over as the wizard" in page  # rita is not the wizard now

    def test_only_the_studys_researchers_can_be_assigned_and_a_bad_reply_is_explained(self):
        stranger = get_user_model().objects.create_user("sam", password="sam-pass-123")
        for chosen in (stranger.pk, "x", 99999):
            response = self.rita_client.post(self.base + "wizard/take/", {"wizard": chosen})
            assert response.status_code == 400, chosen
            assert "Choose one of this study&#x27;s researchers." in response.text
        self.session.refresh_from_db()
        assert self.session.wizard is None
        refused = self.rita_client.post(self.base + "wizard/send/", {"text": "Hello"})
        assert refused.status_code == 400
        assert "No message is waiting for a reply" in refused.text

    def test_a_refused_note_keeps_the_wizards_panel_on_the_page(self):
        response = self.rita_client.post(
            f"/dashboard/studies/pilot/sessions/{self.session.pk}/note/", {"text": "  "}
        )
        assert response.status_code == 400
        assert "Wizard of Oz: you write the agent" in response.text
        assert '<option value="' + str(self.omar.pk) + '"' in response.text  # who to assign
