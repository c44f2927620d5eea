"""The Ratings pages: drawing a sample, rating its replies (appended, resumable, blind) and
the agreement between raters and with each measure; bad input refused with a clear 400."""

from __future__ import annotations

import random
import re

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from sklearn.metrics import cohen_kappa_score

from chat.services import participant_withdraw
from dashboard import ratings, validation
from dashboard.models import Rating, RatingSample, SessionScore
from dashboard.stats import kappa
from studies.models import Participant, Pilot
from tests.base import DyadTestCase
from tests.dashboard import rating_data

BASE = "/dashboard/studies/pilot/ratings/"


class RatingsTestCase(DyadTestCase):
    def setUp(self):
        super().setUp()
        self.replies = rating_data.build(self)
        self.cleo = get_user_model().objects.create_user("cleo", password="cleo-pass-123")
        self.pilot.collaborators.add(self.cleo)

    def as_user(self, user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    def draw(self, size: int = 10, seed: int = 5) -> RatingSample:
        response = self.as_user(self.rita).post(
            BASE, {"cohort": "people", "size": size, "seed": seed}
        )
        assert response.status_code == 302, response.content.decode()
        return RatingSample.objects.latest("pk")

    def rate(self, user, sample, item, answer, client=None):
        client = client or self.as_user(user)
        return client.post(f"{BASE}{sample.pk}/rate/", {"item": item, "answer": answer})


class DrawTests(RatingsTestCase):
    def test_a_sample_is_the_seeded_draw_from_the_scored_replies_in_a_documented_order(self):
        sample = self.draw(size=10, seed=5)
        assert (sample.seed, sample.size, sample.pool, sample.pilot) == (5, 10, 25, None)
        # docs/data.md: the pool sorted by participant code, session and turn.
        pool = sorted(self.replies, key=lambda m: (m.session.participant.code, 1, m.turn))
        chosen = random.Random(5).sample([m.pk for m in pool], 10)
        assert [i.message_id for i in sample.items.order_by("position")] == chosen
        again = self.draw(size=10, seed=5)
        assert list(again.items.values_list("message_id", flat=True)) == chosen

    def test_an_empty_seed_is_drawn_and_kept(self):
        self.as_user(self.rita).post(BASE, {"cohort": "people", "size": 3, "seed": ""})
        sample = RatingSample.objects.get()
        assert 0 <= sample.seed <= ratings.MAX_SEED and sample.items.count() == 3

    def test_a_pilots_sample_holds_only_its_simulated_participants_replies(self):
        pilot = Pilot.objects.create(study=self.pilot, participants_wanted=1, status="done")
        Participant.objects.filter(pk=self.ben.pk).update(is_simulated=True, pilot=pilot)
        response = self.as_user(self.rita).post(BASE, {"cohort": str(pilot.pk), "size": 5})
        assert response.status_code == 302
        sample = RatingSample.objects.get()
        assert sample.pilot == pilot and sample.pool == 5
        who = set(sample.items.values_list("message__session__participant", flat=True))
        assert who == {self.ben.pk}
        people = ratings.reply_pool(self.pilot, None)
        assert len(people) == 20 and not set(people) & set(sample.items.values_list("message_id"))

    def test_bad_sizes_seeds_and_cohorts_get_a_clear_400_and_draw_nothing(self):
        rita = self.as_user(self.rita)
        for data, says in (
            ({"cohort": "people", "size": 26}, "Choose a size from 1 to 25"),
            ({"cohort": "people", "size": 0}, "greater than or equal to 1"),
            ({"cohort": "people", "size": "9" * 40}, "less than or equal to 1000"),
            ({"cohort": "people", "size": "²"}, "Enter a whole number"),
            ({"cohort": "people", "size": 3, "seed": -1}, "greater than or equal to 0"),
            ({"cohort": "people", "size": 3, "seed": 2**31}, "less than or equal to"),
            ({"cohort": "9999", "size": 3}, "Select a valid choice"),
        ):
            response = rita.post(BASE, data)
            assert response.status_code == 400, data
            assert says in response.content.decode(), data
        assert not RatingSample.objects.exists()


class RateTests(RatingsTestCase):
    def test_answers_are_appended_and_the_newest_counts(self):
        sample = self.draw()
        for answer in ("yes", "no", "cant_tell"):
            assert self.rate(self.rita, sample, 1, answer).status_code == 302
        rows = Rating.objects.filter(item__position=1).order_by("id")
        assert [r.answer for r in rows] == ["yes", "no", "cant_tell"]
        assert [r.answer for r in Rating.objects.newest()] == ["cant_tell"]
        page = self.as_user(self.rita).get(f"{BASE}{sample.pk}/rate/?item=1").content.decode()
        assert "Your answer: <strong>Can&#x27;t tell</strong>" in page

    def test_a_rater_comes_back_where_they_left_off(self):
        sample = self.draw(size=5)
        rita = self.as_user(self.rita)
        for item in (1, 2, 4):
            response = self.rate(self.rita, sample, item, "yes", rita)
        assert response["Location"].endswith("?item=5")  # the next not yet rated
        page = rita.get(f"{BASE}{sample.pk}/rate/")
        assert page.context["item"].position == 3
        assert f"Sample {sample.pk}: reply 3 of 5" in page.content.decode()
        cleo = self.as_user(self.cleo).get(f"{BASE}{sample.pk}/rate/")
        assert cleo.context["item"].position == 1  # each rater their own place
        for item in (3, 5):
            response = self.rate(self.rita, sample, item, "no", rita)
        assert response["Location"].endswith(f"{sample.pk}/rate/")
        done = rita.get(response["Location"]).content.decode()
        assert "You have rated every reply of this sample" in done

    def test_raters_get_labels_in_the_order_they_began_and_never_share_one(self):
        sample = self.draw(size=3)
        self.rate(self.cleo, sample, 2, "yes")
        self.rate(self.rita, sample, 1, "yes")
        self.rate(self.cleo, sample, 1, "no")
        labels = dict(Rating.objects.values_list("rater__username", "rater_label"))
        assert labels == {"cleo": "R1", "rita": "R2"}

    def test_the_page_shows_the_reply_its_conversation_and_its_identity_blind(self):
        sample = self.draw(size=25)
        reply = self.replies[6]  # ben's second reply, hidden condition (Quill), "I'm Bob"
        item = sample.items.get(message=reply)
        response = self.as_user(self.rita).get(f"{BASE}{sample.pk}/rate/?item={item.position}")
        page = response.content.decode()
        assert "I&#x27;m Bob, by the way." in page and "Hello there" in page
        assert "Quill" in page and f"version {reply.identity_version}" in page
        score = SessionScore.objects.get(session=reply.session).replies[1]
        text = re.sub(r"<[^>]*>", " ", page)  # what a person reads
        for hidden in ("hidden", self.ben.code, str(score["prompt_to_line"]), "contradict"):
            assert hidden not in text, hidden
        assert 'aria-keyshortcuts="y"' in page and 'rel="next"' in page

    def test_bad_answers_replies_not_in_the_sample_and_huge_ids_get_a_400_and_change_nothing(self):
        sample = self.draw(size=5)
        other = self.draw(size=5, seed=6)
        rita = self.as_user(self.rita)
        for item, answer, says in (
            (1, "maybe", "Answer yes, no or can"),
            (1, "", "Answer yes, no or can"),
            (1, "YES", "Answer yes, no or can"),
            (6, "yes", "no reply 6 in this sample"),
            (0, "yes", "no reply"),
            ("9" * 40, "yes", "no reply"),
            ("²", "yes", "no reply"),
            ("", "yes", "no reply"),
        ):
            response = self.rate(self.rita, sample, item, answer, rita)
            assert response.status_code == 400, (item, answer)
            assert says in response.content.decode(), (item, answer)
        for query in ("?item=6", "?item=" + "9" * 40, "?item=abc", "?item=-1"):
            response = rita.get(f"{BASE}{sample.pk}/rate/{query}")
            assert response.status_code == 400, query
            assert "There is no reply" in response.content.decode()
        assert not Rating.objects.exists()
        big = 10**30
        for url in (f"{BASE}{big}/", f"{BASE}{big}/rate/", f"{BASE}{other.pk + 1}/rate/"):
            assert rita.get(url).status_code == 404, url
            assert rita.post(url, {"item": 1, "answer": "yes"}).status_code in (404, 405), url
        assert not Rating.objects.exists()

    def test_another_studys_sample_is_not_found(self):
        from studies.models import Study

        other = Study.objects.create(title="O", slug="other", consent_text="c", debrief_text="d")
        other.owners.add(self.rita)
        sample = self.draw(size=2)
        rita = self.as_user(self.rita)
        url = f"/dashboard/studies/other/ratings/{sample.pk}/rate/"
        assert rita.get(url).status_code == 404
        assert rita.post(url, {"item": 1, "answer": "yes"}).status_code == 404
        assert not Rating.objects.exists()

    def test_a_participant_who_withdraws_takes_their_replies_out_of_the_sample(self):
        sample = self.draw(size=25)
        self.rate(self.rita, sample, 1, "yes")
        gone = sample.items.get(position=1).message.session.participant
        participant_withdraw(participant_id=gone.pk)  # the study deletes their data
        assert sample.items.count() == 20
        assert ratings.agreement(sample)["total"] == 20
        assert not Rating.objects.exists()


class AgreementTests(RatingsTestCase):
    def rate_all(self, sample, answers: dict) -> None:
        for user, given in answers.items():
            client = self.as_user(user)
            for item, answer in enumerate(given, start=1):
                assert self.rate(user, sample, item, answer, client).status_code == 302

    def test_kappa_between_raters_sets_cant_tell_aside_and_matches_scikit_learn(self):
        sample = self.draw(size=10)
        rita = ["yes", "yes", "no", "no", "yes", "cant_tell", "yes", "no", "yes", "yes"]
        cleo = ["yes", "no", "no", "no", "yes", "yes", "yes", "yes", "cant_tell", "yes"]
        self.rate_all(sample, {self.rita: rita, self.cleo: cleo})
        self.rate(self.rita, sample, 2, "no")  # changed her mind: the newest counts
        rita[1] = "no"
        kept = [(a, b) for a, b in zip(rita, cleo, strict=True) if "cant_tell" not in (a, b)]
        response = self.as_user(self.cleo).get(f"{BASE}{sample.pk}/")
        pair = response.context["between"][0]
        assert (pair["first"], pair["second"]) == ("R1", "R2")
        result = pair["agreement"]
        assert (result.both, result.unsure, result.kappa.n) == (10, 2, 8)
        assert result.kappa.kappa == cohen_kappa_score(*zip(*kept, strict=True))
        row = re.search(r"R1 and R2</th>(.*?)</tr>", response.content.decode(), re.S).group(1)
        assert f"{result.kappa.kappa:.3f}" in row and f"{result.kappa.low:.3f}" in row
        assert "<td>10</td><td>2</td><td>8</td><td>0.875</td>" in row

    def test_each_rater_against_each_measure(self):
        sample = self.draw(size=25)
        flagged = {m.pk for m in self.replies if "Bob" in m.text or "Carl" in m.text}
        items = list(sample.items.order_by("position"))
        # rita says "no" exactly where a name is contradicted; cleo says "yes" throughout.
        rita = ["no" if i.message_id in flagged else "yes" for i in items]
        self.rate_all(sample, {self.rita: rita, self.cleo: ["yes"] * 25})
        context = self.as_user(self.rita).get(f"{BASE}{sample.pk}/").context
        by = {m["rule"].key: m for m in context["measures"]}
        persona = by["contradicts_persona"]
        assert (persona["called"], persona["flagged"]) == (25, 4)
        r1, r2 = (r["agreement"].kappa for r in persona["raters"])
        assert (r1.kappa, r1.agreement) == (1.0, 1.0)
        assert (r2.kappa, r2.agreement) == (0.0, 21 / 25)
        line = by["contradicts_line"]["raters"][0]["agreement"].kappa
        assert line.n == 25 and line.kappa == cohen_kappa_score(
            rita, ["no" if i.message_id in flagged else "yes" for i in items]
        )
        scores = {r["message_id"]: r for s in SessionScore.objects.all() for r in s.replies}
        low = [
            "no"
            if scores[i.message_id]["prompt_to_line"] < validation.PROMPT_TO_LINE_BELOW
            else "yes"
            for i in items
        ]
        ptl = by["prompt_to_line"]["raters"][0]["agreement"].kappa
        assert ptl.kappa == kappa(list(zip(rita, low, strict=True))).kappa
        assert by["judge_prompt_to_line"]["called"] == 0  # nobody judged: no call, no kappa
        assert by["judge_prompt_to_line"]["raters"][0]["agreement"].kappa.n == 0

    def test_the_judge_calls_a_reply_inconsistent_at_3_or_lower_where_it_judged(self):
        sample = self.draw(size=25)
        for score in SessionScore.objects.all():
            for n, reply in enumerate(score.replies):
                if n < 4:
                    reply["judge_prompt_to_line"] = [2, 3, 4, 7][n]
            score.save()
        made = ratings.calls(sample)["judge_prompt_to_line"]
        assert len(made) == 20 and sorted(made.values()).count("no") == 10
        judge = next(r for r in ratings.RULES if r.key == "judge_prompt_to_line")
        assert judge.flag({"judge_prompt_to_line": 3}) is True
        assert judge.flag({"judge_prompt_to_line": 4}) is False
        assert judge.flag({"judge_prompt_to_line": None}) is None

    def test_the_page_costs_the_same_queries_however_many_raters_and_replies(self):
        def cost(size: int, raters) -> int:
            sample = self.draw(size=size, seed=size)
            self.rate_all(sample, {r: ["yes", "no"] * (size // 2) for r in raters})
            client = self.as_user(self.rita)
            with CaptureQueriesContext(connection) as queries:
                assert client.get(f"{BASE}{sample.pk}/").status_code == 200
            return len(queries)

        assert cost(4, [self.rita]) == cost(20, [self.rita, self.cleo])
