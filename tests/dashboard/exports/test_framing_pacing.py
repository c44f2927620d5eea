"""What an export says of partner framing, reply pacing and deception: each participant's
condition's settings and their re-consent in participants.csv, and each reply's times in
messages.csv, which an analyst can hold against the pacing rule in docs/data.md."""

from __future__ import annotations

import json
import random
import re

import pandas as pd
from django.utils import timezone
from frictionless import Package

from chat.services import reconsent_decline, session_open
from dashboard.exports.cells import iso_utc
from studies.models import Participant
from studies.services.enrolment import reconsent_record
from tests.base import DyadTestCase
from tests.dashboard import export_data
from tests.dashboard.exports.test_files import export_dir

# No reading time, five words a second, each typing time up to 25% shorter or longer, and
# at most 3 s: the offline agent's reply to a greeting (about ten words) waits 1.5 s to 2.8 s,
# long enough that the jitter's seeded draw shows, short enough for a test.
HUMAN = {"pacing_read_seconds": 0.0, "pacing_wpm": 300, "pacing_jitter": 25}
TOLD_A_PERSON = {
    "partner_framing": "person",
    "partner_name": "fixed",
    "partner_label": "Sam",
    "reply_pacing": "human",
    "pacing_max_seconds": 3.0,
    **HUMAN,
    "deceptive": True,
    "reveal_text": "You talked with a computer program.",
}
FRAMING = ["partner_framing", "partner_name_shown", "reply_pacing", "deceptive"]
TIMES = ["generated_at", "typing_started_at", "shown_at"]
FORMULA = re.compile(r"^'(?=[=+\-@\t\r])")  # data.md: the apostrophe, taken off


class FramingPacingExportTests(DyadTestCase):
    def setUp(self):
        super().setUp()
        self.study = self.published_study(
            "framed", {"told-person": TOLD_A_PERSON, "told-ai": {"partner_framing": "ai"}}
        )
        person, ai = (self.study.conditions.get(name=n) for n in ("told-person", "told-ai"))
        self.eve = self.enrolled(person)
        self.session = session_open(participant=self.eve, number=1)
        export_data.say(self.session, "Hello! Who are you, and what do you like doing?")
        reconsent_record(participant_id=self.eve.pk, given=True)
        self.fay = self.enrolled(ai)  # not deceived: never asked again
        self.gus = self.enrolled(person)
        reconsent_decline(participant_id=self.gus.pk)  # withdrawn: in no file
        self.dir = export_dir(self.study)

    def enrolled(self, condition) -> Participant:
        return Participant.objects.create(
            study=self.study,
            condition=condition,
            consented_at=timezone.now(),
            design_hash=self.study.design_hash,
        )

    def read(self, name: str) -> pd.DataFrame:
        return pd.read_csv(self.dir / name)

    def test_participants_carry_their_conditions_framing_pacing_deception_and_reconsent(self):
        people = self.read("participants.csv").set_index("participant")
        eve, fay = people.loc[self.eve.code], people.loc[self.fay.code]
        assert eve[FRAMING].tolist() == ["person", "fixed", "human", True]
        assert fay[FRAMING].tolist() == ["ai", "identity", "stream", False]
        self.eve.refresh_from_db()
        assert eve.reconsent is True  # read as a Python bool: the column has empty cells
        assert eve.reconsented_at == iso_utc(self.eve.reconsented_at)
        assert pd.isna(fay.reconsent) and pd.isna(fay.reconsented_at)
        assert self.gus.code not in people.index  # declining after the reveal withdrew him

    def test_a_human_paced_reply_was_shown_when_the_documented_rule_says(self):
        messages = self.read("messages.csv")
        mine = messages[messages.participant == self.eve.code].set_index("turn")
        reply = mine.loc[3]
        asked = mine.loc[reply.reply_to_turn]
        assert asked.sender == "participant"
        assert mine.loc[[1, 2], TIMES].isna().all().all()  # the greeting; her message
        generated, typing, shown = (pd.Timestamp(reply[c]) for c in TIMES)
        received = pd.Timestamp(asked.created_at)
        # No reading time: "typing" went as soon as the turn began after her message.
        assert pd.Timedelta(0) <= typing - received < pd.Timedelta(seconds=1)
        # data.md, "Reply pacing", from the export alone: the settings in design.json, the
        # reply's words and the seeded draw, keyed by what messages.csv names.
        sessions = self.read("sessions.csv").set_index(["participant", "session"])
        version = sessions.loc[(asked.participant, asked.session), "design_version"]
        designs = json.loads((self.dir / "design.json").read_text())["versions"]
        design = next(v["design"] for v in designs if v["number"] == version)
        condition = (
            self.read("participants.csv")
            .set_index("participant")
            .loc[asked.participant, "condition"]
        )
        pace = next(c for c in design["conditions"] if c["name"] == condition)
        words = len(FORMULA.sub("", reply.text).split())
        key = f"{asked.participant}:{asked.session}:{int(reply.reply_to_turn)}"
        u = random.Random(key).random()
        jitter = pace["pacing_jitter"] / 100
        seconds = words / pace["pacing_wpm"] * 60 * (1 + jitter * (2 * u - 1))
        due = received + pd.Timedelta(
            seconds=pace["pacing_read_seconds"] + min(pace["pacing_max_seconds"], seconds)
        )
        expected = max(due, generated)
        assert pd.Timedelta(0) <= shown - expected < pd.Timedelta(seconds=0.1)  # a wake-up late
        # Without the draw (the export alone): the wait lies within the jitter's bounds, as
        # the offline agent is quicker than any pace.
        waited = (shown - received).total_seconds()
        typed = words / 300 * 60
        low, high = min(3.0, 0.75 * typed), min(3.0, 1.25 * typed)
        if generated - received < pd.Timedelta(seconds=low):
            assert low <= waited < high + 0.5
        assert pd.Timestamp(reply.created_at) >= shown  # stored as it was shown

    def test_the_codebook_and_datapackage_describe_the_new_columns_and_validate(self):
        codebook = pd.read_csv(self.dir / "codebook.csv", keep_default_na=False)
        people = codebook[codebook.file == "participants.csv"]
        for column in [*FRAMING, "reconsent", "reconsented_at"]:
            assert column in people.column.tolist(), column
        allowed = people[people.value != ""]
        values = {c: set(allowed[allowed.column == c].value) for c in FRAMING}
        assert values["partner_framing"] == {"ai", "person", "unstated"}
        assert values["partner_name_shown"] == {"identity", "fixed", "none"}
        assert values["reply_pacing"] == {"stream", "human", "delay"}
        messages = codebook[(codebook.file == "messages.csv") & (codebook.value == "")]
        described = dict(zip(messages.column, messages.description, strict=True))
        assert all(column in described for column in TIMES)
        assert "how long the participant waited" in described["shown_at"]
        package = json.loads((self.dir / "datapackage.json").read_text())
        fields = {
            (r["path"], f["name"]): f["type"]
            for r in package["resources"]
            if "schema" in r  # design.json (and a plan's files) are not tables
            for f in r["schema"]["fields"]
        }
        assert fields["participants.csv", "deceptive"] == "boolean"
        assert fields["participants.csv", "reconsent"] == "boolean"
        assert fields["messages.csv", "shown_at"] == "datetime"
        report = Package(str(self.dir / "datapackage.json")).validate()
        assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "note"])
