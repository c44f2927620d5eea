from __future__ import annotations

from django.test import Client

from chat.services import participant_withdraw
from studies.models import Participant, Study
from tests.base import DyadTestCase


class EntryTests(DyadTestCase):
    def test_a_new_visitor_becomes_one_participant_and_goes_to_consent(self):
        client = Client()
        response = client.get("/s/pilot/")
        assert response.status_code == 302
        assert response["Location"] == "/s/pilot/consent/"
        client.get("/s/pilot/")
        assert self.pilot.participants.count() == 3  # ana, ben and this one, once

    def test_the_same_prolific_id_resumes_the_same_participant_in_any_browser(self):
        url = "/s/pilot/?PROLIFIC_PID=PID-42&STUDY_ID=S1&SESSION_ID=X1"
        Client().get(url)
        Client().get(url)
        found = Participant.objects.filter(external_id="PID-42")
        assert found.count() == 1
        assert (found[0].external_study_id, found[0].external_session_id) == ("S1", "X1")

    def test_a_nul_in_a_recruitment_id_is_dropped_not_a_server_error(self):
        response = Client().get("/s/pilot/?PROLIFIC_PID=%00PID-7%00&STUDY_ID=S%00&SESSION_ID=%00")
        assert response.status_code == 302
        found = Participant.objects.get(external_id="PID-7")
        assert (found.external_study_id, found.external_session_id) == ("S", "")

    def test_ana_resumes_where_she_left_off(self):
        response = Client().get("/s/pilot/?PROLIFIC_PID=ANA-PID")
        assert response["Location"] == "/s/pilot/session/1/pmq/pre/"

    def test_a_withdrawn_participant_opening_the_link_again_sees_it_and_is_not_enrolled(self):
        participant_withdraw(participant_id=self.ana.pk)
        receipt = Participant.objects.get(pk=self.ana.pk).withdrawal_receipt
        response = Client().get("/s/pilot/?PROLIFIC_PID=ANA-PID", follow=True)
        assert response.redirect_chain[-1][0] == "/s/pilot/withdrawn/"
        assert "You have withdrawn from the study" in response.text and receipt in response.text
        assert self.pilot.participants.count() == 2  # ana (withdrawn) and ben, nobody new
        assert not Participant.objects.filter(external_id="ANA-PID").exists()

    def test_a_withdrawn_participant_is_told_so_in_the_studys_language(self):
        study = self.published_study("deutsch", {"offen": {}}, language="de")
        Client().get("/s/deutsch/?PROLIFIC_PID=PID-DE")
        participant_withdraw(participant_id=study.participants.get().pk)
        response = Client().get("/s/deutsch/?PROLIFIC_PID=PID-DE", follow=True)
        assert "Du hast deine Teilnahme an der Studie zurückgezogen" in response.text
        assert study.participants.count() == 1

    def test_unknown_slug_gets_a_clear_not_found_page(self):
        response = Client().get("/s/no-such-study/")
        assert response.status_code == 404
        assert b"We could not find this study" in response.content

    def test_draft_and_closed_studies_turn_new_people_away_politely(self):
        for status, text in (("draft", b"has not started yet"), ("closed", b"is closed")):
            Study.objects.filter(pk=self.pilot.pk).update(status=status)
            response = Client().get("/s/pilot/?PROLIFIC_PID=NEW")
            assert response.status_code == 200
            assert text in response.content
        assert not Participant.objects.filter(external_id="NEW").exists()

    def test_a_closed_study_still_lets_its_own_participants_finish(self):
        Study.objects.filter(pk=self.pilot.pk).update(status="closed")
        response = self.browser_of(self.ana).get("/s/pilot/")
        assert response["Location"] == "/s/pilot/session/1/pmq/pre/"

    def test_steps_cannot_be_skipped_by_typing_a_url(self):
        client = Client()
        client.get("/s/pilot/")
        response = client.get("/s/pilot/session/1/chat/")
        assert response["Location"] == "/s/pilot/consent/"
        response = client.get("/s/pilot/debrief/")
        assert response["Location"] == "/s/pilot/consent/"


class ConsentTests(DyadTestCase):
    def test_consent_text_is_rendered_from_markdown_without_scripts(self):
        self.pilot.consent_text = "Hello **there** <script>alert(1)</script>"
        self.pilot.save()
        client = Client()
        client.get("/s/pilot/")
        page = client.get("/s/pilot/consent/").content.decode()
        assert "<strong>there</strong>" in page
        assert "<script>alert(1)" not in page

    def test_agreeing_assigns_a_condition_and_moves_on(self):
        client = Client()
        client.get("/s/pilot/?PROLIFIC_PID=P1")
        response = client.post("/s/pilot/consent/", {"decision": "agree"}, follow=True)
        person = Participant.objects.get(external_id="P1")
        assert person.condition is not None and person.consented_at is not None
        assert response.redirect_chain[-1][0] == "/s/pilot/session/1/pmq/pre/"

    def test_declining_is_recorded_and_nothing_else_is_kept(self):
        client = Client()
        client.get("/s/pilot/?PROLIFIC_PID=P2&STUDY_ID=S&SESSION_ID=X")
        person = Participant.objects.get(external_id="P2")
        response = client.post("/s/pilot/consent/", {"decision": "decline"}, follow=True)
        assert b"You chose not to take part" in response.content
        person.refresh_from_db()
        assert person.declined_at is not None
        assert (person.external_id, person.external_study_id, person.external_session_id) == (
            None,
            "",
            "",
        )
        assert person.condition is None
        assert client.get("/s/pilot/")["Location"] == "/s/pilot/declined/"

    def test_a_consent_post_without_a_decision_changes_nothing(self):
        client = Client()
        client.get("/s/pilot/?PROLIFIC_PID=P3")
        response = client.post("/s/pilot/consent/", {})
        assert response.status_code == 400
        assert b"Please choose whether you agree" in response.content
        person = Participant.objects.get(external_id="P3")
        assert person.consented_at is None and person.declined_at is None


class SessionGapTests(DyadTestCase):
    def test_a_returning_participant_waits_for_the_gap_then_gets_the_next_session(self):
        from datetime import timedelta

        from django.utils import timezone

        from chat.models import ChatSession
        from questionnaires.models import Administration

        self.pilot.sessions_per_participant = 2
        self.pilot.min_gap_hours = 24
        self.pilot.pmq_before = self.pilot.pmq_after = False
        self.pilot.save()
        ended = timezone.now() - timedelta(hours=2)
        ChatSession.objects.create(
            participant=self.ana, number=1, status="finished", ended_at=ended
        )
        client = self.browser_of(self.ana)
        response = client.get("/s/pilot/", follow=True)
        assert response.redirect_chain[-1][0] == "/s/pilot/wait/"
        assert b"Session 2 opens on" in response.content
        assert client.get("/s/pilot/session/2/chat/")["Location"] == "/s/pilot/wait/"
        ChatSession.objects.filter(participant=self.ana).update(
            ended_at=ended - timedelta(hours=23)
        )
        assert client.get("/s/pilot/")["Location"] == "/s/pilot/session/2/chat/"
        assert not Administration.objects.exists()
