"""Back to Prolific with the code that says how it ended: finished, out of time, declined or
withdrawn, each with the study's code for it."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from django.test import Client

from chat.models import ChatSession
from chat.services import session_open
from studies.prolific import return_address, with_code
from tests.base import DyadTestCase

PROLIFIC = "https://app.prolific.com/submissions/complete?cc=DONE1"


def code_in(address: str) -> list[str]:
    return parse_qs(urlsplit(address).query)["cc"]


def test_a_code_replaces_the_one_in_the_address_and_keeps_the_rest():
    assert with_code(PROLIFIC, "NOCONSENT") == (
        "https://app.prolific.com/submissions/complete?cc=NOCONSENT"
    )
    assert code_in(with_code("https://example.org/back?x=1&cc=A&cc=B", "Z")) == ["Z"]
    assert "x=1" in with_code("https://example.org/back?x=1", "Z")
    assert code_in(with_code("https://example.org/back", "Ä 1&2")) == ["Ä 1&2"]


def test_only_outcomes_with_a_code_go_back():
    assert return_address(PROLIFIC, "DONE1", "completed") == PROLIFIC
    assert code_in(return_address(PROLIFIC, "NOCONSENT", "declined")) == ["NOCONSENT"]
    assert return_address(PROLIFIC, "", "withdrawn") == ""
    assert return_address("", "NOCONSENT", "declined") == ""


class ProlificReturnTests(DyadTestCase):
    def setUp(self):
        super().setUp()
        self.study = self.published_study(
            "timed",
            {"only": {"panel_visibility": "visible"}},
            completion_code="DONE1",
            timed_out_code="LATE",
            declined_code="NOCONSENT",
            withdrawn_code="LEFT",
            prolific_completion_url=PROLIFIC,
            time_limit_minutes=5,
            min_participant_turns=3,
        )

    def enter(self) -> Client:
        client = Client()
        response = client.get("/s/timed/?PROLIFIC_PID=5f0c0ffee0c0ffee0c0ffee0", follow=True)
        assert response.redirect_chain[-1][0] == "/s/timed/consent/"
        return client

    def chat_until_finished(self, client: Client, *, turns: int) -> None:
        client.post("/s/timed/consent/", {"decision": "agree"})
        participant = self.study.participants.get()
        session = session_open(participant=participant, number=1)
        ended = session.started_at  # the chat ended when the time limit said so
        ChatSession.objects.filter(pk=session.pk).update(
            participant_turns=turns, status="finished", ended_at=ended
        )

    def test_declining_shows_the_no_consent_code_and_goes_back_with_it(self):
        client = self.enter()
        page = client.post("/s/timed/consent/", {"decision": "decline"}, follow=True)
        html = page.content.decode()
        assert page.redirect_chain[-1][0] == "/s/timed/declined/"
        assert "NOCONSENT" in html and "Return to Prolific" in html
        assert "cc=NOCONSENT" in html and "You can close this page now" not in html

    def test_without_a_code_for_it_a_participant_who_declines_just_closes_the_page(self):
        self.study.declined_code = ""
        self.study.save()
        page = self.enter().post("/s/timed/consent/", {"decision": "decline"}, follow=True)
        html = page.content.decode()
        assert "You can close this page now" in html and "Return to Prolific" not in html

    def test_withdrawing_goes_back_with_the_withdrawal_code(self):
        client = self.enter()
        client.post("/s/timed/consent/", {"decision": "agree"})
        page = client.post("/s/timed/withdraw/", follow=True)
        html = page.content.decode()
        assert page.redirect_chain[-1][0] == "/s/timed/withdrawn/"
        assert "cc=LEFT" in html and 'id="prolific-code">LEFT<' in html

    def test_a_chat_that_ran_out_of_time_short_of_the_messages_gets_the_time_out_code(self):
        client = self.enter()
        self.chat_until_finished(client, turns=1)
        page = client.get("/s/timed/", follow=True)
        assert page.redirect_chain[-1][0] == "/s/timed/debrief/"
        assert 'id="completion-code">LATE<' in page.content.decode()
        back = client.get("/s/timed/complete/")["Location"]
        assert code_in(back) == ["LATE"]

    def test_a_participant_who_sent_enough_messages_gets_the_completion_code(self):
        client = self.enter()
        self.chat_until_finished(client, turns=3)
        page = client.get("/s/timed/", follow=True)
        assert 'id="completion-code">DONE1<' in page.content.decode()
        assert client.get("/s/timed/complete/")["Location"] == PROLIFIC
