"""The debrief page: the completion code, and the way back to Prolific once all is saved."""

from __future__ import annotations

from chat.models import ChatSession
from chat.services import session_finish, session_open
from questionnaires.services import administration_open, administration_submit
from tests.base import DyadTestCase


class DebriefTests(DyadTestCase):
    def finish_everything(self, participant):
        for timepoint in ("pre", "post"):
            a = administration_open(participant=participant, session_number=1, timepoint=timepoint)
            administration_submit(
                administration_id=a.pk, submitted={c: ["4"] for c in a.item_order}
            )
            if timepoint == "pre":
                session = session_open(participant=participant, number=1)
                ChatSession.objects.filter(pk=session.pk).update(participant_turns=3)
                session_finish(session_id=session.pk)

    def test_debrief_shows_the_completion_code_and_marks_completion(self):
        self.finish_everything(self.ana)
        client = self.browser_of(self.ana)
        response = client.get("/s/pilot/", follow=True)
        assert response.redirect_chain[-1][0] == "/s/pilot/debrief/"
        assert b"PILOT-OK" in response.content
        self.ana.refresh_from_db()
        assert self.ana.completed_at is not None

    def test_prolific_return_only_once_everything_is_saved(self):
        self.pilot.prolific_completion_url = "https://app.prolific.com/submissions/complete?cc=X"
        self.pilot.save()
        client = self.browser_of(self.ana)
        assert client.get("/s/pilot/complete/")["Location"] == "/s/pilot/session/1/pmq/pre/"
        self.finish_everything(self.ana)
        page = client.get("/s/pilot/debrief/").content.decode()
        assert "Return to Prolific" in page
        response = client.get("/s/pilot/complete/")
        assert response["Location"] == self.pilot.prolific_completion_url
