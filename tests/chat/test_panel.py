"""The identity panel as the participant's browser uses it: htmx and plain forms."""

from __future__ import annotations

from chat.models import Message, Revision
from chat.selectors import identity_view
from chat.services import agent_turn_run, message_post, session_open
from questionnaires.services import administration_open, administration_submit
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
