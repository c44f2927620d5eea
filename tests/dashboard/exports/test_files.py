"""Exports read back as an analyst would: pandas, the Frictionless validator, a spreadsheet's
eye for formulas. Data from tests/studies/export_data.py."""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from frictionless import Package

from chat import services as chat_services
from chat.models import ChatSession, Message, Revision, SessionEvent
from dashboard import selectors as dashboard_selectors
from dashboard.exports import files
from questionnaires.models import Administration, Response
from questionnaires.services import administration_open, administration_submit
from studies.models import Participant, Preregistration
from tests.base import DyadTestCase
from tests.dashboard import export_data

TYPES_OK = {
    "integer": pd.api.types.is_integer_dtype,
    "number": pd.api.types.is_float_dtype,
    "boolean": pd.api.types.is_bool_dtype,
}
# Only pilots fill it: tests/dashboard/test_drift_validation.py reads it back.
PILOTS_ONLY = {"drift_validation.csv"}


def export_dir(study) -> Path:
    directory = Path(tempfile.mkdtemp(prefix="dyad-export-"))
    files.export_to(study.pk, directory)
    return directory


class ExportTestCase(DyadTestCase):
    def setUp(self):
        super().setUp()
        export_data.build(self)
        self.dir = export_dir(self.pilot)
        self.package = json.loads((self.dir / "datapackage.json").read_text())
        self.schemas = {r["path"]: r["schema"] for r in self.package["resources"] if "schema" in r}

    def read(self, name: str) -> pd.DataFrame:
        return pd.read_csv(self.dir / name)

    def people(self):
        return Participant.objects.filter(study=self.pilot, is_preview=False, withdrawn_at=None)


class ReadBackTests(ExportTestCase):
    def test_every_file_loads_in_pandas_with_the_types_the_datapackage_declares(self):
        for path, schema in self.schemas.items():
            frame = self.read(path)
            assert list(frame.columns) == [f["name"] for f in schema["fields"]], path
            assert len(frame) > 0 or path in PILOTS_ONLY, path
            for field in schema["fields"]:
                column = frame[field["name"]]
                where = f"{path}:{field['name']}"
                if column.isna().all():
                    continue  # an empty column has no type to check
                if field["type"] in TYPES_OK and not column.isna().any():
                    assert TYPES_OK[field["type"]](column), (where, column.dtype)
                elif field["type"] in ("integer", "number"):
                    assert pd.api.types.is_numeric_dtype(column), (where, column.dtype)
                elif field["type"] == "boolean":  # with empty cells: true/false read as bools
                    assert column.dropna().map(type).eq(bool).all(), where
                elif field["type"] == "datetime":
                    values = column.dropna()
                    assert values.str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z").all()
                    pd.to_datetime(values, utc=True, format="ISO8601")
                else:
                    assert pd.api.types.is_string_dtype(column), (where, column.dtype)

    def test_row_counts_match_the_database(self):
        people = self.people()
        sessions = ChatSession.objects.filter(participant__in=people)
        submitted = Administration.objects.filter(participant__in=people).exclude(submitted_at=None)
        expected = {
            "participants.csv": people.count(),
            "sessions.csv": sessions.count(),
            "messages.csv": Message.objects.filter(session__in=sessions).count(),
            "revisions.csv": Revision.objects.filter(identity__participant__in=people).count(),
            "identity_snapshots.csv": sessions.count() + sessions.filter(status="finished").count(),
            "pmq_items.csv": Response.objects.filter(administration__in=submitted).count(),
            "pmq_scores.csv": submitted.count(),
            "pmq_change.csv": submitted.filter(timepoint="post").count(),
            "session_events.csv": SessionEvent.objects.filter(session__in=sessions).count(),
            "co_construction.csv": sessions.filter(status="finished").count(),
            "agent_consistency.csv": Message.objects.filter(
                session__in=sessions.filter(status="finished"), sender="agent"
            )
            .exclude(reply_to=None)
            .count()
            + 7 * sessions.filter(status="finished").count(),  # the Q&A probes
            "agent_inventory.csv": 20 * sessions.filter(status="finished").count(),
            "agent_traits.csv": 5 * sessions.filter(status="finished").count(),
        }
        assert expected["session_events.csv"] == 2  # ana's; not the withdrawn's or a preview's
        assert expected["participants.csv"] == 3  # ana, ben, dora who declined
        assert expected["pmq_change.csv"] == 2
        for name, count in expected.items():
            assert len(self.read(name)) == count, name

    def test_the_datapackage_validates_against_the_files(self):
        report = Package(str(self.dir / "datapackage.json")).validate()
        assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "note"])
        assert {r["path"] for r in self.package["resources"]} == {
            p.name for p in self.dir.iterdir()
        } - {"datapackage.json"}

    def test_design_json_holds_every_published_version_as_its_hash_says(self):
        from studies.design import content_hash

        designs = json.loads((self.dir / "design.json").read_text())
        versions = designs["versions"]
        assert [v["number"] for v in versions] == list(
            self.pilot.versions.values_list("number", flat=True)
        )
        for version in versions:  # the hash participants.csv names is the design's own
            assert content_hash(version["design"]) == version["design_hash"]
        hashes = set(self.read("participants.csv").design_hash.dropna())
        assert hashes <= {v["design_hash"] for v in versions}
        told = versions[-1]["design"]["conditions"][0]
        assert {"partner_framing", "reply_pacing", "pacing_wpm", "reveal_text"} <= set(told)

    def test_the_pmq_columns_carry_the_items_poles_scale_and_scoring_rule(self):
        item = next(f for f in self.schemas["pmq_items.csv"]["fields"] if f["name"] == "item")
        competent = next(i for i in item["pmq"]["items"] if i["code"] == "ccd_competent")
        assert competent == {
            "code": "ccd_competent",
            "factor": "CCD",
            "positivePole": "Competent",
            "negativePole": "Incompetent",
        }
        score = next(f for f in self.schemas["pmq_scores.csv"]["fields"] if f["name"] == "hlc")
        assert (
            "8 - raw" in score["pmq"]["scoring"]
            and "7 = the positive pole" in score["pmq"]["scoring"]
        )
        assert "speech interfaces" in self.package["pmq"]["note"]
        codebook = self.read("codebook.csv")
        row = codebook[(codebook.column == "item") & (codebook.value == "cf_spontaneous")].iloc[0]
        assert (row.factor, row.positive_pole, row.negative_pole) == (
            "CF",
            "Spontaneous",
            "Predetermined",
        )
        described = codebook[codebook.value.isna()]
        for path, schema in self.schemas.items():
            names = described[described.file == path].column.tolist()
            assert names == [f["name"] for f in schema["fields"]], path

    def test_each_item_row_records_its_raw_position_side_and_recoded_score(self):
        items = self.read("pmq_items.csv")
        for row in items.itertuples():
            assert row.score == (8 - row.raw if row.positive_on_left else row.raw)
            positive, negative = _poles(row.item)
            sides = (positive, negative) if row.positive_on_left else (negative, positive)
            assert (row.left_pole, row.right_pole) == sides
        one = items[(items.participant == self.ana.code) & (items.session == 1)]
        pre = one[one.timepoint == "pre"].sort_values("display_position")
        assert (
            pre.item.tolist()
            == Administration.objects.get(
                participant=self.ana, session_number=1, timepoint="pre"
            ).item_order
        )


def _poles(code: str) -> tuple[str, str]:
    from questionnaires.pmq import ITEMS

    item = next(i for i in ITEMS if i.code == code)
    return item.positive, item.negative


class ContentTests(ExportTestCase):
    def test_messages_keep_their_text_order_identity_version_and_provenance(self):
        messages = self.read("messages.csv")
        ana = messages[(messages.participant == self.ana.code) & (messages.session == 1)]
        assert ana.turn.tolist() == list(range(1, len(ana) + 1))
        assert export_data.AWKWARD in ana.text.tolist()
        agent = ana[ana.sender == "agent"]
        assert agent.identity_version.notna().all() and agent.revisions_seen.notna().all()
        replies = agent[agent.turn > 1]  # turn 1 is the greeting, from Dyad's template
        assert (replies.backend == "scripted").all() and (replies.finish_reason == "stop").all()
        assert (replies.reply_to_turn == replies.turn - 1).all()
        answered = [json.loads(cell) for cell in replies.answers_turns]
        assert answered == [[turn] for turn in replies.reply_to_turn]
        mine = ana[ana.sender == "participant"]
        assert mine.backend.isna().all() and mine.retries.isna().all()
        # the participant's last message came after the accepted name and the edited register
        assert mine.identity_version.iloc[-1] == 3
        typed = mine[mine.text == export_data.AWKWARD].iloc[0]
        assert (typed.typing_ms, typed.pastes, typed.pasted_chars) == (5120, 1, 12)
        assert typed.pasted_share == round(12 / len(export_data.AWKWARD), 4)
        assert mine[mine.text != export_data.AWKWARD].typing_ms.isna().all()
        assert agent[["typing_ms", "pastes", "pasted_share"]].isna().all().all()

    def test_attention_checks_are_listed_and_each_participants_misses_counted(self):
        checks = self.read("attention_checks.csv")
        ana = checks[checks.participant == self.ana.code]
        missed = ana[(ana.session == 1) & (ana.timepoint == "pre")].iloc[0]
        assert (missed.display_position, missed.asked, missed.answer) == (5, 3, 4)
        assert not missed.passed
        assert checks[checks.timepoint == "post"].passed.all()  # the last row, heeded
        assert (checks[checks.timepoint == "post"].display_position == 19).all()
        people = self.read("participants.csv").set_index("participant")
        assert people.loc[self.ana.code, "checks_failed"] == 1
        assert people.loc[self.ben.code, "checks_failed"] == 0
        assert pd.isna(people.loc[self.dora.code, "checks_failed"])  # declined: met none

    def test_time_away_is_listed_in_order_within_each_session(self):
        events = self.read("session_events.csv")
        assert events[["participant", "session", "event", "kind", "seconds"]].values.tolist() == [
            [self.ana.code, 1, 1, "hidden", 61.5],
            [self.ana.code, 1, 2, "idle", 30.0],
        ]

    def test_snapshots_show_the_identity_at_the_start_and_end_of_each_session(self):
        snaps = self.read("identity_snapshots.csv").set_index(["participant", "session", "moment"])
        start = snaps.loc[(self.ana.code, 1, "start")]
        end = snaps.loc[(self.ana.code, 1, "end")]
        assert (start.persona_name, end.persona_name) == ("Mira", "Nova")
        assert end.persona_register == "'-dry, +witty"  # a text cell, neutralised
        assert json.loads(end.persona_values) == ["curiosity"]
        assert end.persona_traits_openness == 6
        assert (self.ana.code, 2, "end") not in snaps.index  # still active
        assert snaps.loc[(self.ana.code, 2, "start")].version == end.version

    def test_the_measures_files_agree_with_the_ledger_and_the_transcript(self):
        sessions = self.read("co_construction.csv").set_index(["participant", "session"])
        ana = sessions.loc[(self.ana.code, 1)]
        # The agent proposed a name (accepted) and a partner name (expired); she edited one.
        assert (ana.proposals_agent, ana.proposals_agent_accepted) == (2, 1)
        assert (ana.proposals_agent_expired, ana.revisions_participant) == (1, 1)
        assert ana.persona_edit_distance_name == 3 and ana.replies == 4
        assert json.loads(ana.common_ground_by_turn) == [[0, 0]]  # nothing established
        assert (self.ana.code, 2) not in sessions.index  # still running: not scored yet
        uptake = self.read("uptake.csv")
        name = uptake[(uptake.participant == self.ana.code) & (uptake.target == "persona.name")]
        assert (name.author.item(), name.decided_by.item()) == ("agent", "participant")
        assert name.taken_up.item() and name.replies_to_uptake.item() == 1
        assert name.revision.item() in self.read("revisions.csv").revision.tolist()
        rows = self.read("agent_consistency.csv")
        mine = rows[(rows.participant == self.ana.code) & (rows.session == 1)]
        assert mine.item.tolist() == list(range(1, len(mine) + 1))
        probes = mine[mine.kind == "probe"].set_index("probe")
        assert probes.loc["name"].question == "What is your name?"
        assert probes.loc["name"].qa == 1.0 and "Nova" in probes.loc["name"].text
        replies = mine[mine.kind == "reply"]
        assert (
            replies.turn.tolist() == sorted(replies.turn) and replies.prompt_to_line.notna().all()
        )

    def test_the_ledger_is_whole_with_every_proposals_outcome(self):
        revisions = self.read("revisions.csv")
        mine = revisions[revisions.participant == self.ana.code]
        proposed = mine[mine.status == "proposed"].set_index("target")
        assert proposed.loc["persona.name"].outcome == "accepted"
        assert proposed.loc["partner.name"].outcome == "expired"
        accepted = mine[mine.status == "accepted"].iloc[0]
        assert accepted.resolves == proposed.loc["persona.name"].revision
        seed = mine[mine.target == "*"].iloc[0]
        assert (seed.author, seed.version, json.loads(seed.after)["persona"]["name"]) == (
            "system",
            1,
            "Mira",
        )

    def test_participants_show_progress_design_and_never_recruitment_ids(self):
        people = self.read("participants.csv").set_index("participant")
        assert people.loc[self.ana.code].progress == "in_progress"
        assert people.loc[self.ben.code].progress == "completed"
        assert people.loc[self.dora.code].progress == "declined"
        assert pd.isna(people.loc[self.dora.code].condition)
        assert people.loc[self.ana.code].sessions_finished == 1


def shown_equal(exported: float, exact: float) -> bool:
    """Exported scores are rounded once, to 4 decimals; the dashboard keeps them exact until
    it shows them."""
    return abs(exported - exact) <= 0.00005 + 1e-9


class PmqAgreesWithDashboardTests(ExportTestCase):
    def test_scores_and_change_scores_equal_the_dashboards(self):
        scores = self.read("pmq_scores.csv")
        change = self.read("pmq_change.csv")
        cells = dashboard_selectors.pmq_results(self.pilot)
        assert cells
        for cell in cells:
            column = cell.factor.lower()
            mine = scores[
                (scores.condition == cell.condition) & (scores.session == cell.session_number)
            ]
            for timepoint, summary in (("pre", cell.pre), ("post", cell.post)):
                values = mine[mine.timepoint == timepoint][column]
                assert len(values) == summary.n
                if summary.n:
                    assert shown_equal(values.mean(), summary.mean)
            paired = change[
                (change.condition == cell.condition) & (change.session == cell.session_number)
            ]
            assert len(paired) == cell.change.n
            if cell.change.n:
                assert shown_equal(paired[f"{column}_change"].mean(), cell.change.mean)

    def test_each_participants_scores_are_the_stored_ones(self):
        scores = self.read("pmq_scores.csv").set_index(["participant", "session", "timepoint"])
        for a in Administration.objects.filter(participant__in=self.people()).exclude(
            submitted_at=None
        ):
            row = scores.loc[(a.participant.code, a.session_number, a.timepoint)]
            assert [row.ccd, row.hlc, row.cf, row.overall] == [
                round(a.scores[k], 4) for k in ("CCD", "HLC", "CF", "overall")
            ]


class SafetyTests(ExportTestCase):
    def all_bytes(self) -> bytes:
        return b"".join(p.read_bytes() for p in self.dir.iterdir())

    def test_cells_a_spreadsheet_would_run_are_neutralised(self):
        raw = (self.dir / "messages.csv").read_text(encoding="utf-8")
        assert "'" + export_data.FORMULA.replace('"', '""') in raw
        for path, schema in self.schemas.items():
            frame = self.read(path)
            for field in schema["fields"]:
                if field["type"] == "string":
                    text = frame[field["name"]].dropna().astype(str)
                    assert not text.str.match(r"[=+\-@\t\r]").any(), (path, field["name"])
        change = self.read("pmq_change.csv")
        assert pd.api.types.is_float_dtype(change.ccd_change)  # numbers stay numbers

    def test_files_are_utf8_rfc4180_with_crlf(self):
        raw = (self.dir / "messages.csv").read_bytes()
        assert raw.count(b"\r\n") >= len(self.read("messages.csv")) + 1
        assert '"She said ""hi"",\nthen left — café ☕ 😀"'.encode() in raw
        assert not raw.startswith(b"\xef\xbb\xbf")

    def test_withdrawn_participants_previews_and_recruitment_ids_never_appear(self):
        everything = self.all_bytes()
        for secret in (
            b"CARL-SECRET",
            b"PREVIEW-SECRET",
            b"ANA-PID",
            b"SUM(A1",
            self.carl.code.encode(),
            self.preview.code.encode(),
        ):
            assert secret not in everything, secret
        assert Message.objects.filter(text="CARL-SECRET").exists()  # kept, as the study says


class RecruitmentTests(ExportTestCase):
    def test_the_restricted_file_maps_codes_to_ids_with_formulas_neutralised(self):
        content = b"".join(files.file_download(self.pilot.pk, "recruitment.csv"))
        frame = pd.read_csv(io.BytesIO(content)).set_index("participant")
        assert frame.loc[self.ana.code].external_id == "ANA-PID"
        assert frame.loc[self.dora.code].external_id == "'@SUM(A1:A9)"
        assert self.carl.code not in frame.index and self.preview.code not in frame.index


class ZipTests(ExportTestCase):
    def test_the_zip_holds_every_file_byte_for_byte(self):
        archive = zipfile.ZipFile(io.BytesIO(b"".join(files.zip_download(self.pilot.pk))))
        assert archive.testzip() is None
        assert archive.namelist() == list(files.FILE_NAMES)
        for name in files.FILE_NAMES:
            if name != "datapackage.json":  # carries its creation time
                assert archive.read(name) == (self.dir / name).read_bytes(), name
                alone = b"".join(files.file_download(self.pilot.pk, name))
                assert alone == archive.read(name), name


class CommandTests(ExportTestCase):
    def test_it_writes_the_files_the_zip_or_the_recruitment_file(self):
        out = Path(tempfile.mkdtemp()) / "new" / "dir"
        call_command("export", "pilot", out=str(out), stdout=io.StringIO())
        assert sorted(p.name for p in out.iterdir()) == sorted(files.FILE_NAMES)
        call_command(
            "export", "pilot", out=str(out), zip=True, recruitment=True, stdout=io.StringIO()
        )
        zips = list(out.glob("dyad-pilot-*.zip"))
        assert len(zips) == 1 and (out / "recruitment.csv").exists()
        assert not list(out.glob("*.part"))

    def test_an_output_path_that_is_a_file_is_a_clear_error_and_changes_nothing(self):
        taken = Path(tempfile.mkdtemp()) / "notes.txt"
        taken.write_text("mine")
        with pytest.raises(CommandError, match=f"Cannot write to {taken}"):
            call_command("export", "pilot", out=str(taken))
        assert taken.read_text() == "mine"
        assert [p.name for p in taken.parent.iterdir()] == ["notes.txt"]

    def test_an_unknown_study_is_a_clear_error_and_writes_nothing(self):
        out = Path(tempfile.mkdtemp()) / "x"
        with pytest.raises(CommandError, match="No study with the slug 'nope'. Studies: pilot."):
            call_command("export", "nope", out=str(out))
        assert not out.exists()


class DeletedWithdrawalTests(DyadTestCase):
    def test_a_participant_whose_data_was_deleted_is_in_no_export_file(self):
        export_data.sitting(self.ana, 1, ["ANA-WORDS", "more"])
        chat_services.participant_withdraw(participant_id=self.ana.pk)  # pilot deletes
        directory = export_dir(self.pilot)
        everything = b"".join(p.read_bytes() for p in directory.iterdir())
        assert self.ana.code.encode() not in everything and b"ANA-WORDS" not in everything
        assert pd.read_csv(directory / "participants.csv").participant.tolist() == [self.ben.code]


def answer_scores(participant, timepoint: str, ccd: list[int]) -> None:
    """A PMQ whose recoded CCD item scores are ``ccd`` (every other item scores 4)."""
    shown = administration_open(participant=participant, session_number=1, timepoint=timepoint)
    ccd_codes = [i.code for i in shown.instrument.items.all() if i.factor == "CCD"]
    wanted = dict(zip(ccd_codes, ccd, strict=True))
    raws = {}
    for code in shown.item_order:
        score = wanted.get(code, 4)
        raws[code] = [str(8 - score if shown.positive_left[code] else score)]
    administration_submit(administration_id=shown.pk, submitted=raws)


class ExactChangeTests(DyadTestCase):
    def test_change_scores_come_from_exact_means_rounded_once(self):
        # CCD 40/9 = 4.44444 before and 43/9 = 4.77778 after: the change is 3/9 = 0.33333.
        # Subtracting means rounded first (4.7778 - 4.4444) would give 0.3334.
        answer_scores(self.ana, "pre", [5, 5, 5, 5, 4, 4, 4, 4, 4])
        answer_scores(self.ana, "post", [5, 5, 5, 5, 5, 5, 5, 4, 4])
        change = pd.read_csv(export_dir(self.pilot) / "pmq_change.csv")
        assert change.ccd_change.tolist() == [0.3333]
        cell = next(c for c in dashboard_selectors.pmq_results(self.pilot) if c.factor == "CCD")
        assert f"{cell.change.mean:.4f}" == "0.3333"
        page = Client()
        page.force_login(self.rita)
        assert "0.333" in page.get("/dashboard/studies/pilot/pmq/").text


class RateLimitColumnTests(ExportTestCase):
    def test_each_participants_limit_in_force_and_times_they_reached_it_are_exported(self):
        Participant.objects.filter(pk=self.ana.pk).update(design_hash=self.pilot.design_hash)
        for limit in ("messages", "messages", "frames"):
            chat_services.limit_hit_record(participant_id=self.ana.pk, limit=limit)
        # Raised since ana entered: she was held to her design version's limit, ben (who has
        # no version recorded) to the study's as it stands.
        type(self.pilot).objects.filter(pk=self.pilot.pk).update(messages_per_minute=30)
        self.dir = export_dir(self.pilot)
        people = self.read("participants.csv").set_index("participant")
        columns = ["messages_per_minute", "message_limit_hits", "frame_limit_hits"]
        assert people.loc[self.ana.code, columns].tolist() == [12, 2, 1]
        assert people.loc[self.ben.code, columns].tolist() == [30, 0, 0]
        codebook = self.read("codebook.csv")
        assert set(columns) <= set(codebook[codebook.file == "participants.csv"].column)


class AuditTests(ExportTestCase):
    """What a reviewer needs to audit the export: the pilot and design version of every row,
    the locked plan with its hash, who it excludes, and an export of one part of the study."""

    def lock_plan(self, **rules):
        from studies.services.designing import plan_lock

        Preregistration.objects.create(
            study=self.pilot,
            hypotheses="H1: editing raises HLC.",
            primary_outcome="pmq_change:HLC",
            condition_a="hidden",
            condition_b="editable",
            planned_n=40,
            **rules,
        )
        return plan_lock(study=self.pilot, user=self.rita)

    def test_every_file_names_each_rows_pilot_and_design_version(self):
        digest = self.pilot.design_hash  # as entering the published study stamps it
        Participant.objects.filter(study=self.pilot).update(design_hash=digest)
        ChatSession.objects.update(design_hash=digest)
        self.dir = export_dir(self.pilot)
        for path, schema in self.schemas.items():
            if path == "codebook.csv":
                continue
            names = [f["name"] for f in schema["fields"]]
            leading = {"participant", "condition", "is_simulated", "pilot", "design_version"}
            assert leading <= set(names), path
            frame = self.read(path)
            assert frame["design_version"].eq(1).all(), path
            assert frame["pilot"].isna().all(), path  # people only in this study
        change = self.read("pmq_change.csv")
        assert set(change["instrument_language"]) == {"en"}

    def test_without_a_locked_plan_nobody_is_marked_excluded_or_kept(self):
        frame = self.read("participants.csv")
        assert frame["excluded"].isna().all() and frame["exclusion_reasons"].isna().all()
        assert not (self.dir / "preregistration.md").exists()

    def test_the_locked_plan_travels_with_the_export_and_marks_who_it_excludes(self):
        plan = self.lock_plan(exclude_checks_failed=1, exclude_fewer_messages=2)
        directory = export_dir(self.pilot)
        package = json.loads((directory / "datapackage.json").read_text())
        assert package["dyad"]["preregistration"]["planHash"] == plan.plan_hash
        written = json.loads((directory / "preregistration.json").read_text())
        assert written["plan"] == plan.plan and written["plan_hash"] == plan.plan_hash
        text = (directory / "preregistration.md").read_text()
        assert plan.plan_hash in text and "## 6. Outliers and exclusions" in text
        codebook = pd.read_csv(directory / "codebook.csv", keep_default_na=False)
        described = codebook[codebook["file"] == "preregistration.json"]["description"]
        assert plan.plan_hash in described.iloc[0]
        report = Package(str(directory / "datapackage.json")).validate()
        assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "note"])
        frame = pd.read_csv(directory / "participants.csv").set_index("participant")
        people = self.read("participants.csv").set_index("participant")
        for code, row in frame.iterrows():  # recomputed from the export's own columns
            failed = people.loc[code, "checks_failed"]
            sessions = pd.read_csv(directory / "sessions.csv")
            first = sessions[(sessions.participant == code) & (sessions.session == 1)]
            turns = first["participant_turns"].iloc[0] if len(first) else 0
            expected = [r for r, hit in (
                ("checks_failed>=1", pd.notna(failed) and failed >= 1),
                ("messages<2", turns < 2),
            ) if hit]  # fmt: skip
            assert row["excluded"] == bool(expected), code
            reasons = row["exclusion_reasons"]
            assert (reasons.split(";") if isinstance(reasons, str) else []) == expected, code

    def test_an_export_of_people_only_or_of_one_pilot_holds_their_rows_alone(self):
        from studies.models import Pilot

        pilot = Pilot.objects.create(study=self.pilot, participants_wanted=1, base_url="x")
        Participant.objects.filter(pk=self.ben.pk).update(is_simulated=True, pilot=pilot)
        for choice, expected in (("people", False), (str(pilot.pk), True)):
            archive = zipfile.ZipFile(
                io.BytesIO(b"".join(files.zip_download(self.pilot.pk, choice)))
            )
            for name in archive.namelist():
                if name.endswith(".csv") and name != "codebook.csv":
                    frame = pd.read_csv(archive.open(name))
                    assert frame["is_simulated"].eq(expected).all(), (choice, name)
            frame = pd.read_csv(archive.open("participants.csv"))
            assert (self.ben.code in set(frame["participant"])) == expected
            if expected:
                assert frame["pilot"].eq(pilot.pk).all()
        client = Client()
        client.force_login(self.rita)
        refused = client.get("/dashboard/studies/pilot/export.zip?pilot=999")
        assert refused.status_code == 400 and "No pilot" in refused.content.decode()
        missing = client.get("/dashboard/studies/pilot/export/preregistration.md")
        assert missing.status_code == 404
