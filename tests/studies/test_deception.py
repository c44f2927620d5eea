"""A deceptive condition, from the participant's side: the framing on the consent page, the
reveal after the last questionnaire, and the choice again whether their data may be used.
Declining withdraws them (their data deleted or kept out, per the study) and still gives the
completion code; agreeing keeps their data and goes on to the debrief."""

from __future__ import annotations

from chat.models import ChatSession, Message
from chat.services import session_finish, session_open
from studies.models import Condition, Participant, Study
from studies.services.designing import DesignError, study_publish
from tests.base import PERSONA, DyadTestCase

REVEAL = "**You talked with a computer program**, not with another participant."


class DeceptionTests(DyadTestCase):
    def setUp(self):
        super().setUp()
        self.study = self.published_study(
            "framed",
            {
                "told-person": {
                    "partner_framing": "person",
                    "partner_name": "fixed",
                    "partner_label": "Partner",
                    "deceptive": True,
                    "reveal_text": REVEAL,
                }
            },
            completion_code="FRAMED-OK",
            withdrawn_code="FRAMED-GONE",
        )

    def enter(self):
        """A person opens the link; returns their browser and the participant."""
        client = self.client_class()
        response = client.get("/s/framed/?PROLIFIC_PID=pid-" + str(Participant.objects.count()))
        participant = Participant.objects.order_by("-pk").first()
        return client, participant, response

    def through_the_chat(self, client, participant):
        client.post("/s/framed/consent/", {"decision": "agree"})
        session = session_open(participant=participant, number=1)
        Message.objects.create(session=session, turn=2, sender="participant", text="hi")
        ChatSession.objects.filter(pk=session.pk).update(participant_turns=1, last_turn=2)
        session_finish(session_id=session.pk)

    def test_the_consent_page_says_who_the_partner_is_before_anyone_agrees(self):
        client, participant, _ = self.enter()
        assert participant.condition.name == "told-person"  # assigned on entry, to frame it
        page = client.get("/s/framed/consent/").content.decode()
        assert "Who you will talk with" in page
        assert "you will chat with another participant" in page

    def test_the_reveal_comes_after_the_last_questionnaire_and_agreeing_keeps_the_data(self):
        client, participant, _ = self.enter()
        self.through_the_chat(client, participant)
        response = client.get("/s/framed/", follow=True)
        assert response.redirect_chain[-1][0] == "/s/framed/reveal/"
        page = response.content.decode()
        assert "<strong>You talked with a computer program</strong>" in page
        assert "FRAMED-OK" not in page  # the code comes once they have chosen
        assert client.get("/s/framed/debrief/")["Location"] == "/s/framed/reveal/"
        response = client.post("/s/framed/reveal/", {"decision": "use"}, follow=True)
        assert response.redirect_chain[-1][0] == "/s/framed/debrief/"
        assert "FRAMED-OK" in response.content.decode()
        participant.refresh_from_db()
        assert participant.reconsent == "given" and participant.reconsented_at
        assert participant.completed_at and participant.withdrawn_at is None
        assert participant.chat_sessions.get().messages.filter(text="hi").exists()

    def test_declining_withdraws_them_with_the_completion_code(self):
        client, participant, _ = self.enter()
        self.through_the_chat(client, participant)
        response = client.post("/s/framed/reveal/", {"decision": "withdraw"}, follow=True)
        assert response.redirect_chain[-1][0] == "/s/framed/withdrawn/"
        page = response.content.decode()
        assert "FRAMED-OK" in page and "FRAMED-GONE" not in page
        assert "Your data has been deleted." in page
        participant.refresh_from_db()
        assert participant.reconsent == "declined" and participant.withdrawn_at
        assert participant.completed_at is not None
        assert not ChatSession.objects.filter(participant=participant).exists()
        # Opening the link again shows the withdrawal, never the reveal or a new enrolment.
        again = client.get("/s/framed/", follow=True)
        assert again.redirect_chain[-1][0] == "/s/framed/withdrawn/"

    def test_withdrawing_from_the_footer_at_the_reveal_is_declining(self):
        client, participant, _ = self.enter()
        self.through_the_chat(client, participant)
        response = client.post("/s/framed/withdraw/", follow=True)
        assert "FRAMED-OK" in response.content.decode()
        participant.refresh_from_db()
        assert participant.reconsent == "declined" and participant.withdrawn_at

    def test_no_choice_is_a_clear_error_and_changes_nothing(self):
        client, participant, _ = self.enter()
        self.through_the_chat(client, participant)
        response = client.post("/s/framed/reveal/", {"decision": "maybe"})
        assert response.status_code == 400
        assert "Please choose whether your data may be used." in response.content.decode()
        participant.refresh_from_db()
        assert participant.reconsent == "" and participant.withdrawn_at is None

    def test_the_reveal_cannot_be_reached_early_or_answered_twice(self):
        client, participant, _ = self.enter()
        client.post("/s/framed/consent/", {"decision": "agree"})
        early = client.post("/s/framed/reveal/", {"decision": "withdraw"})
        assert early.status_code == 302 and "/reveal/" not in early["Location"]
        participant.refresh_from_db()
        assert participant.withdrawn_at is None and participant.reconsent == ""

    def test_other_conditions_go_straight_to_the_debrief(self):
        self.finish_ana()
        response = self.browser_of(self.ana).get("/s/pilot/", follow=True)
        assert response.redirect_chain[-1][0] == "/s/pilot/debrief/"

    def finish_ana(self):
        from questionnaires.services import administration_open, administration_submit

        for timepoint in ("pre", "post"):
            shown = administration_open(participant=self.ana, session_number=1, timepoint=timepoint)
            administration_submit(
                administration_id=shown.pk, submitted={c: ["4"] for c in shown.item_order}
            )
            if timepoint == "pre":
                session = session_open(participant=self.ana, number=1)
                ChatSession.objects.filter(pk=session.pk).update(participant_turns=3)
                session_finish(session_id=session.pk)

    def test_a_study_with_a_deceptive_condition_and_no_reveal_is_not_published(self):
        study = Study.objects.create(title="U", slug="unrevealed", consent_text="-")
        Condition.objects.create(study=study, name="lie", seed_persona=PERSONA, deceptive=True)
        with self.assertRaisesMessage(DesignError, "needs the reveal"):
            study_publish(study=study)
        study.refresh_from_db()
        assert not study.is_frozen() and study.status == "draft"
