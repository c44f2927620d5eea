"""The identity panel as the participant's browser uses it: htmx and plain forms."""

from __future__ import annotations

import re
from unittest import mock

from django.test import Client
from django.utils import timezone

from chat.models import Identity, Message, Revision
from chat.selectors import identity_view
from chat.services import agent_turn_run, identity_edit, message_post, session_open
from questionnaires.services import administration_open, administration_submit
from studies import session_keys
from studies.models import Participant
from tests.base import DyadTestCase

HTMX = {"HTTP_HX_REQUEST": "true"}
EDIT = "/s/pilot/session/1/identity/"


class PanelTests(DyadTestCase):
    def setUp(self):
        super().setUp()
        for person in (self.ana, self.ben):
            pre = administration_open(participant=person, session_number=1, timepoint="pre")
            administration_submit(
                administration_id=pre.pk, submitted={c: ["4"] for c in pre.item_order}
            )
        self.client = self.browser_of(self.ana)
        self.page = self.client.get("/s/pilot/session/1/chat/").content.decode()
        self.session = self.ana.chat_sessions.get()

    def counts(self):
        return Revision.objects.count(), Message.objects.count()

    def test_the_panel_has_three_sections_with_labelled_edit_forms(self):
        for heading in ("Who the agent is", "Who you are to the agent", "What we've established"):
            assert heading in self.page
        assert 'for="edit-persona-name"' in self.page and 'id="edit-persona-name"' in self.page
        assert 'hx-post="/s/pilot/session/1/identity/"' in self.page

    def test_an_htmx_edit_returns_the_updated_panel_and_notes_it_in_the_transcript(self):
        response = self.client.post(EDIT, {"target": "persona.name", "value": "Nova"}, **HTMX)
        assert response.status_code == 200
        fragment = response.content.decode()
        assert fragment.lstrip().startswith('<aside id="identity-panel"')
        assert "Nova" in fragment and "Saved." in fragment
        assert "<html" not in fragment
        note = self.session.messages.get(sender="system")
        assert note.text == "You changed the agent's name: Mira → Nova."

    def test_a_plain_form_edit_redirects_back_to_the_chat(self):
        response = self.client.post(EDIT, {"target": "partner.name", "value": "Alex"})
        assert response.status_code == 302
        assert response["Location"] == "/s/pilot/session/1/chat/"
        assert identity_view(self.ana.identity).state["partner"]["name"] == "Alex"

    def test_bad_edits_show_a_clear_error_and_write_nothing(self):
        before = self.counts()
        cases = [
            ({"target": "persona.name", "value": "x" * 61}, "at most 60 characters"),
            ({"target": "persona.mood", "value": "grumpy"}, "no field called"),
            ({"target": "persona.traits.openness", "value": "9"}, "from 1 to 7"),
        ]
        for data, text in cases:
            response = self.client.post(EDIT, data, **HTMX)
            assert response.status_code == 400
            assert text in response.content.decode()
            assert 'role="alert"' in response.content.decode()
        response = self.client.post(EDIT, {"target": "persona.mood", "value": "x"})
        assert response.status_code == 400 and b"That change was not made" in response.content
        assert self.counts() == before

    def test_a_locked_field_has_no_edit_form_and_refuses_edits(self):
        self.editable.locked_fields = ["persona.name"]
        self.editable.save()
        page = self.client.get("/s/pilot/session/1/chat/").content.decode()
        assert "(locked)" in page and 'id="edit-persona-name"' not in page
        before = self.counts()
        response = self.client.post(EDIT, {"target": "persona.name", "value": "Nova"}, **HTMX)
        assert response.status_code == 400 and b"locked" in response.content
        assert self.counts() == before

    def test_a_hidden_panel_is_absent_and_refuses_edits(self):
        ben = self.browser_of(self.ben)
        page = ben.get("/s/pilot/session/1/chat/").content.decode()
        assert "identity-panel" not in page
        before = self.counts()
        response = ben.post(EDIT, {"target": "persona.name", "value": "Nova"})
        assert response.status_code == 400 and b"not available" in response.content
        assert self.counts() == before

    def test_accepting_and_rejecting_the_agents_proposals(self):
        for n, text in enumerate(("Call yourself Nova", "I'm Alex")):
            posted = message_post(session_id=self.session.pk, client_id=f"p{n}", text=text)
            agent_turn_run(message_id=posted.message.pk)
        page = self.client.get("/s/pilot/session/1/chat/").content.decode()
        assert "Mira suggests" in page
        name, partner = Revision.objects.filter(status="proposed").order_by("id")
        url = "/s/pilot/session/1/identity/proposals/{}/"
        response = self.client.post(url.format(name.pk), {"decision": "accept"}, **HTMX)
        assert response.status_code == 200 and b"Accepted." in response.content
        response = self.client.post(url.format(partner.pk), {"decision": "reject"}, **HTMX)
        assert b"Rejected." in response.content and b"suggests" not in response.content
        state = identity_view(self.ana.identity).state
        assert (state["persona"]["name"], state["partner"]["name"]) == ("Nova", "")

    def test_nobody_else_can_decide_a_participants_proposals(self):
        posted = message_post(session_id=self.session.pk, client_id="x", text="Call yourself Nova")
        agent_turn_run(message_id=posted.message.pk)
        proposal = Revision.objects.get(status="proposed")
        ben = self.browser_of(self.ben)
        session_open(participant=self.ben, number=1)
        url = f"/s/pilot/session/1/identity/proposals/{proposal.pk}/"
        response = ben.post(url, {"decision": "accept"})
        assert response.status_code == 400
        assert Revision.objects.filter(resolves=proposal).count() == 0
        response = self.client.post(url, {"decision": "maybe"}, **HTMX)
        assert response.status_code == 400 and b"Choose accept or reject" in response.content


CHAT = "/s/pilot/session/1/chat/"


def panel_of(page: str) -> str:
    return page.split('<aside id="identity-panel"')[1].split("</aside>")[0]


def token_of(panel: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', panel).group(1)


class PanelCacheTests(DyadTestCase):
    """The panel is rendered once per identity revision and kept: what each participant sees
    is still their own panel, as it stands."""

    def setUp(self):
        super().setUp()
        self.cleo = Participant.objects.create(
            study=self.pilot, condition=self.editable, consented_at=timezone.now()
        )
        for person in (self.ana, self.cleo):
            self.answer_pmq(person)
        self.ana_browser, self.cleo_browser = (
            self.strict_browser(self.ana),
            self.strict_browser(self.cleo),
        )

    def strict_browser(self, participant: Participant) -> Client:
        """A browser that is this participant and whose posts are checked for CSRF."""
        client = Client(enforce_csrf_checks=True)
        session = client.session
        session_keys.remember(session, participant.study_id, participant.pk)
        session.save()
        return client

    def panel(self, client: Client) -> str:
        return panel_of(client.get(CHAT).content.decode())

    def test_a_new_identity_version_shows_the_new_panel(self):
        before = self.panel(self.ana_browser)
        with mock.patch("chat.panel.render_to_string") as render:
            assert "Who the agent is" in self.panel(self.ana_browser)
        assert render.call_count == 0  # kept, not rendered again
        session = self.ana.chat_sessions.get()
        identity_edit(session_id=session.pk, target="partner.name", value="Alex")
        after = self.panel(self.ana_browser)
        assert "Alex" in after and "Alex" not in before
        revision = Identity.objects.get(participant=self.ana).last_revision_id
        assert f'data-revision="{revision}"' in after
        fetched = self.ana_browser.get("/s/pilot/session/1/identity/panel/").content.decode()
        assert "Alex" in fetched

    def test_a_waiting_proposal_appears_in_the_kept_panel(self):
        self.panel(self.ana_browser)
        session = self.ana.chat_sessions.get()
        posted = message_post(session_id=session.pk, client_id="p", text="Call yourself Nova")
        agent_turn_run(message_id=posted.message.pk)
        assert "Mira suggests" in self.panel(self.ana_browser)

    def test_two_participants_never_share_a_panel(self):
        self.panel(self.ana_browser)
        self.panel(self.cleo_browser)
        identity_edit(
            session_id=self.ana.chat_sessions.get().pk, target="partner.name", value="Ana"
        )
        ana, cleo = self.panel(self.ana_browser), self.panel(self.cleo_browser)
        assert "Ana" in ana and "Ana" not in cleo
        for person, panel in ((self.ana, ana), (self.cleo, cleo)):
            revision = Identity.objects.get(participant=person).last_revision_id
            assert f'data-revision="{revision}"' in panel

    def test_a_kept_panel_carries_each_browsers_own_csrf_token(self):
        # Ana in a second browser (a Prolific id resumes anywhere) is served the kept panel.
        first, second = self.ana_browser, self.strict_browser(self.ana)
        self.panel(first)
        panel, cleos = self.panel(second), self.panel(self.cleo_browser)
        assert "csrf-token" not in panel
        edit = {"target": "partner.name", "value": "Alex"}
        for token in (token_of(cleos), token_of(self.panel(first))):
            assert second.post(EDIT, edit | {"csrfmiddlewaretoken": token}).status_code == 403
        own = second.post(EDIT, edit | {"csrfmiddlewaretoken": token_of(panel)})
        assert own.status_code == 302
        assert identity_view(self.ana.identity).state["partner"]["name"] == "Alex"

    def test_a_hidden_panel_is_never_rendered(self):
        ben = self.browser_of(self.ben)
        self.answer_pmq(self.ben)
        with mock.patch("chat.panel.render_to_string") as render:
            page = ben.get(CHAT).content.decode()
        assert render.call_count == 0
        assert "identity-panel" not in page and "Good day. My name is Quill" in page
        assert ben.get("/s/pilot/session/1/identity/panel/").status_code == 404

    def test_the_panel_speaks_the_studys_language_when_it_changes(self):
        assert "Who the agent is" in self.panel(self.ana_browser)
        self.pilot.language = "de"
        self.pilot.save()
        assert "Wer der Agent ist" in self.panel(self.ana_browser)
