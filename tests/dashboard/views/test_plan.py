"""The pre-registration page: a plan written, locked with the design in force, frozen; design
changes after the lock recorded as deviations; participants held until the lock; and the
results page leading with the planned contrast."""

from __future__ import annotations

from django.test import Client

from dashboard.exports import files
from dashboard.stats import contrast
from questionnaires.models import Administration
from studies.models import Condition, Deviation, Participant, Preregistration, Study
from studies.preregistration import plan_hash
from studies.services import designing
from tests.base import PERSONA, DyadTestCase

PLAN = {
    "hypotheses": "Editing the panel makes the agent seem more human-like.",
    "primary_outcome": "pmq_change:HLC",
    "outcome_session": 1,
    "condition_a": "hidden",
    "condition_b": "editable",
    "direction": "greater",
    "alpha": 0.05,
    "power": 0.8,
    "effect_size": 0.5,
    "sd": 1,
    "planned_n": 64,
    "exclude_checks_failed": "",
    "exclude_fewer_messages": "",
    "exclude_simulated": "on",
    "analysis_notes": "",
}


class PlanTestCase(DyadTestCase):
    def setUp(self):
        super().setUp()
        self.rita_client = Client()
        self.rita_client.force_login(self.rita)

    def write(self, slug: str = "pilot", **fields):
        return self.rita_client.post(f"/dashboard/studies/{slug}/plan/", {**PLAN, **fields})

    def lock(self, slug: str = "pilot"):
        return self.rita_client.post(f"/dashboard/studies/{slug}/plan/lock/")

    def page(self, path: str) -> str:
        return self.rita_client.get(f"/dashboard/studies/pilot/{path}").content.decode()


class PlanPageTests(PlanTestCase):
    def test_a_plan_is_written_with_its_power_calculation_locked_and_then_frozen(self):
        assert self.write().status_code == 302
        assert "51 participants per condition" in self.page("plan/")  # d = 0.5, one-sided
        self.write(direction="two-sided")
        assert "64 participants per condition" in self.page("plan/")
        assert self.lock().status_code == 302
        plan = Preregistration.objects.get()
        assert plan.locked_by == self.rita and plan.plan["hypotheses"] == PLAN["hypotheses"]
        assert plan.plan_hash == plan_hash(plan.plan) and len(plan.plan_hash) == 64
        assert (plan.design_version, plan.design_hash) == (1, self.pilot.design_hash)
        locked = self.page("plan/")
        assert plan.plan_hash in locked and self.pilot.design_hash in locked
        changed = self.write(hypotheses="Something else entirely.")
        assert changed.status_code == 400 and "cannot change" in changed.content.decode()
        assert self.lock().status_code == 400
        plan.refresh_from_db()
        assert plan.plan["hypotheses"] == PLAN["hypotheses"] == plan.hypotheses

    def test_a_plan_must_name_two_conditions_of_the_study_and_a_session_it_has(self):
        response = self.write(condition_b="hidden", outcome_session=3)
        text = response.content.decode()
        assert response.status_code == 400 and not Preregistration.objects.exists()
        assert "other than condition A" in text and "1 session(s)" in text

    def test_a_draft_study_cannot_lock_its_plan_until_published(self):
        draft = Study.objects.create(title="D", slug="draft", consent_text="c", debrief_text="d")
        draft.owners.add(self.rita)
        for name in ("hidden", "editable"):
            Condition.objects.create(study=draft, name=name, seed_persona=PERSONA)
        assert self.write("draft").status_code == 302
        refused = self.lock("draft")
        assert refused.status_code == 400 and "Publish the study first" in refused.content.decode()
        assert not Preregistration.objects.get(study=draft).is_locked()

    def test_a_design_change_after_the_lock_needs_a_reason_and_is_kept_as_a_deviation(self):
        self.write()
        self.lock()
        edit = {"confirm_new_version": "1"}
        data = {f: getattr(self.pilot, f) or "" for f in ("consent_text", "debrief_text")}
        data |= {"title": "Pilot, renamed", "slug": "pilot", "sessions_per_participant": 1}
        data |= {"min_participant_turns": 2, "min_gap_hours": 0, "withdrawal": "delete"}
        data |= {"pmq_before": "on", "pmq_after": "on", "completion_code": "PILOT-OK"}
        refused = self.rita_client.post("/dashboard/studies/pilot/edit/", data | edit)
        assert refused.status_code == 400 and "deviation" in refused.content.decode()
        assert Study.objects.get(slug="pilot").title == "Pilot" and not Deviation.objects.exists()
        why = "The title had a typo."
        saved = self.rita_client.post(
            "/dashboard/studies/pilot/edit/", data | edit | {"deviation_why": why}
        )
        assert saved.status_code == 302, saved.content.decode()[:3000]
        deviation = Deviation.objects.get()
        assert (deviation.design_version, deviation.why) == (2, why)
        assert deviation.changed == ["study.title"] and deviation.created_by == self.rita
        for path in ("pmq/", "plan/"):
            assert "Deviations from the locked plan" in self.page(path) and why in self.page(path)

    def test_real_participants_wait_for_the_lock_when_the_plan_holds_them(self):
        self.write(hold_participants="on")
        waiting = Client().get("/s/pilot/?PROLIFIC_PID=5f0c0c0c0c0c0c0c0c0c0c0c")
        assert "has not started yet" in waiting.content.decode()
        assert not Participant.objects.filter(external_id__startswith="5f0c").exists()
        self.lock()
        entered = Client().get("/s/pilot/?PROLIFIC_PID=5f0c0c0c0c0c0c0c0c0c0c0c")
        assert entered.status_code == 302
        assert Participant.objects.filter(external_id__startswith="5f0c").exists()


class PlannedAnalysisTests(PlanTestCase):
    def test_the_results_page_leads_with_the_planned_contrast_after_the_exclusions(self):
        raws = {"editable": ["4", "5", "6", "7", "6"], "hidden": ["4", "3", "4", "5", "2"]}
        failed = None
        for condition in (self.editable, self.hidden):
            for n, raw in enumerate(raws[condition.name]):
                person = Participant.objects.create(
                    study=self.pilot, condition=condition, external_id=f"{condition.name}{n}"
                )
                self.answer_pmq(person, "pre", raw="4")
                self.answer_pmq(person, "post", raw=raw)
                # Each item's side is drawn at random: fix the HLC scores the page reads.
                for given in Administration.objects.filter(participant=person):
                    hlc = 4.0 if given.timepoint == "pre" else float(raw)
                    given.scores = {**given.scores, "HLC": hlc}
                    given.save(update_fields=["scores"])
                if condition.name == "editable" and n == 3:
                    failed = person
        Participant.objects.filter(pk=failed.pk).update(comprehension_passed=False)
        self.write(exclude_comprehension_failed="on")
        response = self.rita_client.get("/dashboard/studies/pilot/pmq/")
        planned = response.context["planned"]

        def hlc_changes(name: str) -> list[float]:
            kept = Participant.objects.filter(condition__name=name).exclude(pk=failed.pk)
            change = []
            for person in kept.order_by("pk"):
                submitted = Administration.objects.filter(
                    participant=person, submitted_at__isnull=False
                )
                pmq = {a.timepoint: a.scores["HLC"] for a in submitted}
                if "pre" in pmq and "post" in pmq:
                    change.append(pmq["post"] - pmq["pre"])
            return change

        expected = contrast(hlc_changes("hidden"), hlc_changes("editable"))
        assert planned["a"]["n_before"] == 5 and planned["b"]["n_before"] == 5
        assert planned["b"]["excluded"] == {"comprehension_failed": 1}
        assert planned["contrast"] == expected and abs(expected.difference - 1.65) < 1e-9
        assert expected.t > 0 and abs(planned["p"] - expected.p / 2) < 1e-12  # one-sided
        text = response.content.decode()
        assert text.index("Planned analysis") < text.index("Exploratory")
        assert "comprehension_failed: 1" in text and "draft plan, not locked" in text


class PlanSafetyTests(PlanTestCase):
    """What the first outside try of the feature found."""

    def condition_data(self, name: str) -> dict:
        """The condition form as the page fills it, renamed, with a reason to change it."""
        form = self.rita_client.get("/dashboard/studies/pilot/conditions/hidden/").context["form"]
        data = {}
        for field in form:
            value = field.value()
            if isinstance(value, bool):
                if value:
                    data[field.name] = "on"
            elif value is not None:
                data[field.name] = value
        return data | {"name": name, "confirm_new_version": "1", "deviation_why": "Clearer."}

    def test_a_condition_the_locked_plan_compares_cannot_be_renamed(self):
        self.write()
        self.lock()
        response = self.rita_client.post(
            "/dashboard/studies/pilot/conditions/hidden/", self.condition_data("control")
        )
        assert response.status_code == 400, response.content.decode()[:2000]
        assert "compares this condition by its name" in response.content.decode()
        assert set(self.pilot.conditions.values_list("name", flat=True)) == {"editable", "hidden"}
        assert not Deviation.objects.exists()

    def test_a_design_sent_back_unchanged_with_crlf_line_ends_is_no_change(self):
        self.write()
        self.lock()
        data = {f: getattr(self.pilot, f) or "" for f in ("consent_text", "debrief_text")}
        data = {k: v.replace("\n", "\r\n") for k, v in data.items()}  # as a browser sends
        data |= {"title": "Pilot", "slug": "pilot", "sessions_per_participant": 1}
        data |= {"min_participant_turns": 2, "min_gap_hours": 0, "withdrawal": "delete"}
        data |= {"pmq_before": "on", "pmq_after": "on", "completion_code": "PILOT-OK"}
        data |= {"confirm_new_version": "1", "deviation_why": "Nothing, really."}
        self.pilot.consent_text = "Line one.\nLine two."  # a version with two lines
        self.pilot.save()
        designing.design_version_record(study=self.pilot, user=self.rita, why="Two lines.")
        versions, deviations = self.pilot.versions.count(), Deviation.objects.count()
        data["consent_text"] = "Line one.\r\nLine two."
        response = self.rita_client.post("/dashboard/studies/pilot/edit/", data)
        assert response.status_code == 302
        assert Study.objects.get(slug="pilot").consent_text == "Line one.\nLine two."
        assert self.pilot.versions.count() == versions  # nothing changed: no new version
        assert Deviation.objects.count() == deviations

    def test_the_expected_difference_must_agree_with_the_direction_and_limits_say_their_bounds(
        self,
    ):
        response = self.write(effect_size=-0.5, planned_n=-5, exclude_checks_failed=-1)
        text = response.content.decode()
        assert response.status_code == 400 and not Preregistration.objects.exists()
        assert "disagree" in text and "greater than or equal to 2" in text
        assert "greater than or equal to 1" in text

    def test_the_locked_plan_downloads_as_markdown_and_deviations_say_who(self):
        self.write()
        self.lock()
        plan = Preregistration.objects.get()
        download = self.rita_client.get("/dashboard/studies/pilot/export/preregistration.md")
        assert download.status_code == 200
        assert download["Content-Type"].startswith("text/markdown")
        body = b"".join(files.file_download(self.pilot.pk, "preregistration.md"))  # what streams
        assert plan.plan_hash in body.decode()

    def test_the_exploratory_table_shows_the_planned_pair_as_the_plan_does(self):
        for condition, raw in ((self.editable, "6"), (self.hidden, "3")):
            for n in range(3):
                person = Participant.objects.create(
                    study=self.pilot, condition=condition, external_id=f"{condition.name}{n}"
                )
                self.answer_pmq(person, "pre", raw="4")
                self.answer_pmq(person, "post", raw=str(int(raw) + n % 2))
        self.write()
        response = self.rita_client.get("/dashboard/studies/pilot/pmq/")
        planned = response.context["planned"]["contrast"]
        hlc = next(
            r for r in response.context["contrasts"] if r["factor"] == "HLC" and r["session"] == 1
        )
        assert (hlc["a"], hlc["b"]) == ("hidden", "editable")
        assert hlc["contrast"].difference == planned.difference
