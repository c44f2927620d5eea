"""A study's own PMQ translation: complete or refused; shown as given; recorded as the
instrument's language in the data (the validated English PMQ is "en")."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.test import Client

from dashboard.exports.files import file_download
from dashboard.simulate.page import read
from questionnaires.models import Administration
from questionnaires.pmq import ITEMS
from questionnaires.translation import POLES, parse
from tests.base import DyadTestCase

STEMS = "pre: Denk an den Agenten, mit dem du gleich sprichst.\npost: Denk an den Agenten danach."
WHOLE = STEMS + "\n" + "\n".join(f"{pole} = {pole.upper()}-DE" for pole in POLES)


def test_a_whole_translation_reads_and_every_gap_is_named():
    translation = parse(WHOLE)
    assert translation.poles["Competent"] == "COMPETENT-DE" and len(translation.poles) == 36
    assert translation.stems["post"] == "Denk an den Agenten danach."
    assert parse("  \n") is None
    gappy = STEMS.split("\n")[0] + "\nCompetent = Kompetent\nCompetent = Fähig\nClever = Klug\nWarm"
    with pytest.raises(ValueError) as wrong:
        parse(gappy)
    message = str(wrong.value)
    for expected in ["'Competent' is translated twice", "'Clever' is not one of the PMQ's poles",
                     "line 5", "Incompetent", "no 'post:' stem"]:  # fmt: skip
        assert expected in message


class TranslatedPmqTests(DyadTestCase):
    def test_the_translation_is_shown_and_recorded_as_the_instruments_language(self):
        study = self.published_study(
            "uebersetzt", {"offen": {}}, language="de", pmq_before=True, pmq_language="de",
            pmq_translation=WHOLE,
        )  # fmt: skip
        client = Client()
        client.get("/s/uebersetzt/")
        client.post("/s/uebersetzt/consent/", {"decision": "agree"})
        page = client.get("/s/uebersetzt/", follow=True).content.decode()
        assert "Denk an den Agenten, mit dem du gleich sprichst." in page
        shown = re.sub(r'data-left="[^"]*"', "", page)  # for pilots, not shown: below
        assert "COMPETENT-DE" in shown and "Human-like" not in shown
        administration = Administration.objects.get(participant__study=study)
        assert administration.instrument_language == "de"
        client.post("/s/uebersetzt/session/1/pmq/pre/",
                    dict.fromkeys(administration.item_order, "4"))  # fmt: skip
        rows = self.exported(study, "pmq_items.csv")
        assert len(rows) == 18 and {r["instrument_language"] for r in rows} == {"de"}
        assert rows[0]["left_pole"] in POLES  # the English poles, for analysis
        assert self.exported(study, "pmq_scores.csv")[0]["instrument_language"] == "de"

    def test_a_simulated_participant_reads_which_pole_is_which_in_a_translated_pmq(self):
        self.published_study("sim", {"offen": {}}, pmq_before=True, pmq_language="de",
                             pmq_translation=WHOLE)  # fmt: skip
        client = Client()
        client.get("/s/sim/")
        client.post("/s/sim/consent/", {"decision": "agree"})
        page = read("http://testserver/s/sim/", client.get("/s/sim/", follow=True).content.decode())
        # Pilots model answers by the English poles (which side is positive), whatever is shown.
        administration = Administration.objects.get(participant__study__slug="sim")
        for code, left in page.items.items():
            item = next(i for i in ITEMS if i.code == code)
            positive_left = administration.positive_left[code]
            assert left == (item.positive if positive_left else item.negative)

    def test_without_a_translation_the_pmq_is_the_validated_english_one(self):
        self.client = self.browser_of(self.ana)
        self.client.get("/s/pilot/session/1/pmq/pre/")
        assert Administration.objects.get(participant=self.ana).instrument_language == "en"

    def test_an_incomplete_translation_is_explained_and_saves_nothing(self):
        rita = Client()
        rita.force_login(self.rita)
        data = {
            "title": "Halb", "slug": "halb", "consent_text": "ok", "debrief_text": "bye",
            "sessions_per_participant": 1, "min_gap_hours": 0, "min_participant_turns": 2,
            "withdrawal": "delete", "pmq_language": "de",
            "pmq_translation": STEMS + "\nCompetent = Kompetent",
        }  # fmt: skip
        response = rita.post("/dashboard/studies/new/", data)
        assert "poles without a translation: Incompetent" in response.content.decode()
        response = rita.post("/dashboard/studies/new/", {**data, "pmq_translation": ""})
        assert "A PMQ language needs its translation." in response.content.decode()
        for code, problem in [("en", "en names the validated English PMQ"),
                              ("<b>", "Give your translation&#x27;s language code"),
                              ("de de", "Give your translation&#x27;s language code")]:  # fmt: skip
            response = rita.post(
                "/dashboard/studies/new/", {**data, "pmq_translation": WHOLE, "pmq_language": code}
            )
            assert problem in response.content.decode(), code
        assert not self.rita.studies.filter(slug="halb").exists()

    def exported(self, study, name: str) -> list[dict]:
        text = b"".join(file_download(study.pk, name)).decode("utf-8")
        return list(csv.DictReader(io.StringIO(text)))
