"""The comprehension question: asked after the instructions and before the first chat, tried
again when wrong, given up after the study's tries with the outcome recorded."""

from __future__ import annotations

import csv
import io

from django.test import Client

from dashboard.exports.files import file_download
from tests.base import DyadTestCase


class ComprehensionTests(DyadTestCase):
    def setUp(self):
        super().setUp()
        self.study = self.published_study(
            "quiz", {"visible": {"panel_visibility": "visible"}},
            instructions_text="You and the agent **share a picture** of who it is.",
            comprehension_question="What do you and the agent share?",
            comprehension_choices="A meal\nA picture of who it is\nA password",
            comprehension_answer=2, comprehension_tries=2,
        )  # fmt: skip
        self.client = Client()
        self.client.get("/s/quiz/")
        self.client.post("/s/quiz/consent/", {"decision": "agree"})
        self.person = self.study.participants.get()

    def test_the_question_comes_after_the_instructions_and_before_the_chat(self):
        page = self.client.get("/s/quiz/", follow=True)
        assert page.redirect_chain[-1][0] == "/s/quiz/instructions/"
        html = page.content.decode()
        assert "<strong>share a picture</strong>" in html
        assert "What do you and the agent share?" in html and "A password" in html
        chat = self.client.get("/s/quiz/session/1/chat/", follow=True)  # cannot skip it
        assert chat.redirect_chain[-1][0] == "/s/quiz/instructions/"

    def test_a_wrong_answer_is_tried_again_and_every_try_is_kept(self):
        wrong = self.client.post("/s/quiz/instructions/", {"choice": "1"})
        assert wrong.status_code == 200
        assert (
            "not quite right" in wrong.content.decode() and "1 try left" in wrong.content.decode()
        )
        right = self.client.post("/s/quiz/instructions/", {"choice": "2"})
        assert right["Location"] == "/s/quiz/"
        assert self.client.get("/s/quiz/", follow=True).redirect_chain[-1][0] == (
            "/s/quiz/session/1/chat/"
        )
        self.person.refresh_from_db()
        assert (self.person.comprehension_answers, self.person.comprehension_passed) == (
            [1, 2], True,
        )  # fmt: skip
        row = self.exported_row()
        assert (row["comprehension_tries"], row["comprehension_passed"]) == ("2", "true")

    def test_out_of_tries_the_participant_goes_on_and_the_failure_is_recorded(self):
        self.client.post("/s/quiz/instructions/", {"choice": "1"})
        last = self.client.post("/s/quiz/instructions/", {"choice": "3"})
        assert last["Location"] == "/s/quiz/"
        self.person.refresh_from_db()
        assert (self.person.comprehension_answers, self.person.comprehension_passed) == (
            [1, 3], False,
        )  # fmt: skip
        again = self.client.post("/s/quiz/instructions/", {"choice": "2"}, follow=True)
        assert again.redirect_chain[-1][0] == "/s/quiz/session/1/chat/"  # asked once only
        self.person.refresh_from_db()
        assert self.person.comprehension_answers == [1, 3]
        assert self.exported_row()["comprehension_passed"] == "false"

    def test_anything_but_one_of_the_answers_is_refused_and_recorded_nowhere(self):
        for bad in ["", "0", "4", "two", "²", "1.0", "9" * 5000, "0" * 5000 + "2", ["1", "2"]]:
            response = self.client.post("/s/quiz/instructions/", {"choice": bad})
            assert response.status_code == 400, bad
            assert "Please choose one of the answers." in response.content.decode()
        self.person.refresh_from_db()
        assert self.person.comprehension_answers == [] and self.person.comprehension_passed is None

    def test_a_study_without_a_question_goes_straight_to_the_chat(self):
        self.published_study("plain", {"visible": {}})
        client = Client()
        client.get("/s/plain/")
        client.post("/s/plain/consent/", {"decision": "agree"})
        assert client.get("/s/plain/", follow=True).redirect_chain[-1][0] == (
            "/s/plain/session/1/chat/"
        )
        assert self.exported_row("plain")["comprehension_passed"] == ""

    def exported_row(self, slug: str = "quiz") -> dict:
        study = self.study if slug == "quiz" else self.study.__class__.objects.get(slug=slug)
        text = b"".join(file_download(study.pk, "participants.csv")).decode("utf-8")
        return next(csv.DictReader(io.StringIO(text)))


class DesignTests(DyadTestCase):
    def test_a_question_needs_two_answers_and_a_right_one(self):
        rita = Client()
        rita.force_login(self.rita)
        data = {
            "title": "Quiz", "slug": "quiz2", "consent_text": "ok", "debrief_text": "bye",
            "sessions_per_participant": 1, "min_gap_hours": 0, "min_participant_turns": 2,
            "withdrawal": "delete", "comprehension_question": "What?",
            "comprehension_choices": "Only one", "comprehension_answer": 1,
        }  # fmt: skip
        response = rita.post("/dashboard/studies/new/", data)
        assert "Give at least two answers, one per line." in response.content.decode()
        data |= {"comprehension_choices": "One\nTwo", "comprehension_answer": 3}
        response = rita.post("/dashboard/studies/new/", data)
        assert "Give the number of the right line, 1 to 2." in response.content.decode()
        assert not self.rita.studies.filter(slug="quiz2").exists()
