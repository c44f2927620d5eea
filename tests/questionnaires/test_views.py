from __future__ import annotations

import re

from questionnaires import pmq
from questionnaires.models import Administration, Response
from tests.base import DyadTestCase

URL = "/s/pilot/session/1/pmq/pre/"


def answers_for(administration: Administration, raw: int = 2) -> dict[str, str]:
    return {code: str(raw) for code in administration.item_order}


class PMQPageTests(DyadTestCase):
    def setUp(self):
        super().setUp()
        self.client = self.browser_of(self.ana)

    def test_each_item_is_a_fieldset_naming_both_poles_with_seven_labelled_radios(self):
        page = self.client.get(URL).content.decode()
        assert page.count("<fieldset") == 18
        assert "about to talk with" in page
        administration = Administration.objects.get(participant=self.ana)
        first = administration.item_order[0]
        item = next(i for i in pmq.ITEMS if i.code == first)
        left, right = (
            (item.positive, item.negative)
            if administration.positive_left[first]
            else (item.negative, item.positive)
        )
        assert f"Item 1 of 18: {left} or {right}" in page
        assert len(re.findall(rf'name="{first}"', page)) == 7
        assert f"1 of 7, {left}" in page and f"7 of 7, {right}" in page
        assert "<table" not in page

    def test_order_and_pole_sides_are_recorded_and_sides_kept_for_the_participant(self):
        self.client.get(URL)
        pre = Administration.objects.get(participant=self.ana)
        assert sorted(pre.item_order) == sorted(i.code for i in pmq.ITEMS)
        assert set(pre.positive_left) == set(pre.item_order)
        self.client.post(URL, answers_for(pre))
        from chat.services import session_finish, session_open

        session = session_open(participant=self.ana, number=1)
        session.participant_turns = 5
        session.save()
        session_finish(session_id=session.pk)
        self.client.get("/s/pilot/session/1/pmq/post/")
        post = Administration.objects.get(participant=self.ana, timepoint="post")
        assert post.positive_left == pre.positive_left
        assert "just talked with" in post.instrument_version

    def test_submitting_stores_raw_positions_recoded_scores_and_factor_means(self):
        self.client.get(URL)
        administration = Administration.objects.get(participant=self.ana)
        response = self.client.post(URL, answers_for(administration, raw=1))
        assert response["Location"] == "/s/pilot/"
        administration.refresh_from_db()
        responses = Response.objects.filter(administration=administration)
        assert responses.count() == 18
        for r in responses:
            assert r.raw == 1
            assert r.score == (7 if r.positive_on_left else 1)
            assert r.display_position == administration.item_order.index(r.item.code) + 1
        ccd = [r.score for r in responses if r.item.factor == "CCD"]
        assert abs(administration.scores["CCD"] - sum(ccd) / 9) < 1e-12  # exact, not rounded

    def test_a_missing_answer_shows_errors_keeps_choices_and_saves_nothing(self):
        self.client.get(URL)
        administration = Administration.objects.get(participant=self.ana)
        data = answers_for(administration, raw=5)
        missing = administration.item_order[3]
        del data[missing]
        response = self.client.post(URL, data)
        assert response.status_code == 400
        page = response.content.decode()
        assert "Please answer 1 more item" in page
        assert f'href="#{missing}-1"' in page
        assert page.count("checked") == 17
        assert not Response.objects.exists()
        administration.refresh_from_db()
        assert administration.submitted_at is None

    def test_out_of_range_and_duplicate_answers_are_refused(self):
        self.client.get(URL)
        administration = Administration.objects.get(participant=self.ana)
        codes = administration.item_order
        data = answers_for(administration)
        data[codes[0]] = "9"
        body = "&".join(f"{k}={v}" for k, v in data.items()) + f"&{codes[1]}=3"
        response = self.client.post(URL, body, content_type="application/x-www-form-urlencoded")
        assert response.status_code == 400
        assert not Response.objects.exists()

    def test_odd_digits_are_refused_with_a_clear_error_not_a_crash_or_a_stored_4(self):
        self.client.get(URL)
        administration = Administration.objects.get(participant=self.ana)
        for odd in ("²", "9" * 5000, "４"):
            data = answers_for(administration)
            data[administration.item_order[0]] = odd
            response = self.client.post(URL, data)
            assert response.status_code == 400 and b"whole number from 1 to 7" in response.content
        assert not Response.objects.exists()

    def test_a_second_submit_does_not_overwrite_the_first(self):
        self.client.get(URL)
        administration = Administration.objects.get(participant=self.ana)
        self.client.post(URL, answers_for(administration, raw=1))
        self.client.post(URL, answers_for(administration, raw=7))
        assert set(Response.objects.values_list("raw", flat=True)) == {1}
