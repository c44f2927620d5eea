"""Designing and publishing a study from the dashboard."""

from __future__ import annotations

import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from chat.services import session_open
from studies.models import Condition, Participant, Study
from tests.base import DyadTestCase

STUDY = {
    "title": "Trip planner",
    "slug": "trips",
    "consent_text": "ok",
    "debrief_text": "bye",
    "sessions_per_participant": 1,
    "min_gap_hours": 0,
    "min_participant_turns": 3,
    "pmq_before": "on",
    "pmq_after": "on",
    "withdrawal": "exclude",
}
CONDITION = {
    "name": "open",
    "weight": 1,
    "panel_visibility": "editable",
    "participant_writes": "direct",
    "agent_writes": "propose",
    "memory": "carry",
    "agent_backend": "scripted",
    "llm_temperature": 0.7,
    "llm_max_tokens": 300,
    "llm_timeout_seconds": 60,
    "wizard_timeout_seconds": 90,
    "persona_name": "Ada",
    "persona_role": "a travel planner",
    "persona_register": "casual",
    "persona_values": "curiosity, care",
    "trait_openness": 6,
    "trait_conscientiousness": 5,
    "trait_extraversion": 4,
    "trait_agreeableness": 6,
    "trait_neuroticism": 2,
    "locked": "persona.name",
}


class DesignTests(DyadTestCase):
    def setUp(self):
        super().setUp()
        self.rita_client = Client()
        self.rita_client.force_login(self.rita)

    def create(self) -> Study:
        response = self.rita_client.post("/dashboard/studies/new/", STUDY)
        assert response["Location"] == "/dashboard/studies/trips/"
        return Study.objects.get(slug="trips")

    def add_condition(self, **changes):
        return self.rita_client.post(
            "/dashboard/studies/trips/conditions/new/", {**CONDITION, **changes}
        )

    def test_a_researcher_designs_a_study_with_two_conditions_and_publishes_it(self):
        study = self.create()
        assert study.status == "draft" and study.owners.get() == self.rita
        assert b"has not started yet" in Client().get("/s/trips/").content
        self.add_condition()
        self.add_condition(name="hidden", panel_visibility="hidden", agent_writes="silent")
        open_ = study.conditions.get(name="open")
        assert open_.seed_persona["name"] == "Ada"
        assert open_.seed_persona["values"] == ["curiosity", "care"]
        assert open_.seed_persona["traits"]["openness"] == 6
        assert open_.locked_fields == ["persona.name"]
        response = self.rita_client.post("/dashboard/studies/trips/publish/")
        assert response.status_code == 302
        study.refresh_from_db()
        assert study.status == "active" and len(study.design_hash) == 64
        assert study.versions.get().design["conditions"][0]["name"] == "hidden"
        Client().get("/s/trips/?PROLIFIC_PID=T1")
        person = Participant.objects.get(external_id="T1")
        assert person.design_hash == study.design_hash
        person.condition = open_
        person.save()
        assert session_open(participant=person, number=1).design_hash == study.design_hash

    def test_bad_condition_designs_are_explained_and_save_nothing(self):
        self.create()
        for changes, text in [
            ({"trait_openness": 9}, "less than or equal to 7"),
            ({"panel_visibility": "hidden", "agent_writes": "propose"}, "hidden panel"),
            ({"agent_backend": "openai"}, "needs one of the endpoints"),
            ({"persona_name": ""}, "Name cannot be empty"),
            ({"llm_endpoint": "no-such-endpoint"}, "Select a valid choice"),
        ]:
            response = self.add_condition(**changes)
            assert response.status_code == 400, changes
            assert text in response.content.decode(), (changes, text)
        assert not Condition.objects.filter(study__slug="trips").exists()

    def test_a_character_card_replaces_the_persona_fields(self):
        self.create()
        card = {"spec": "chara_card_v2", "data": {"name": "Bo", "description": "Bo is a poet."}}
        upload = SimpleUploadedFile("bo.json", json.dumps(card).encode(), "application/json")
        self.add_condition(card=upload)
        persona = Condition.objects.get(study__slug="trips").seed_persona
        assert (persona["name"], persona["role"]) == ("Bo", "a poet")

    def test_a_published_design_changes_only_by_confirmed_new_versions(self):
        study = self.create()
        self.add_condition()
        self.rita_client.post("/dashboard/studies/trips/publish/")
        study.refresh_from_db()
        first_hash = study.design_hash
        Client().get("/s/trips/?PROLIFIC_PID=EARLY")
        edits = [
            ("/dashboard/studies/trips/edit/", {**STUDY, "debrief_text": "Thank you!"}),
            ("/dashboard/studies/trips/conditions/open/", {**CONDITION, "weight": 5}),
        ]
        for url, data in edits:
            response = self.rita_client.post(url, data)
            assert response.status_code == 400 and b"creates a new version" in response.content
        study.refresh_from_db()
        assert study.debrief_text == "bye" and study.conditions.get().weight == 1
        assert study.design_hash == first_hash and study.versions.count() == 1
        for url, data in edits:
            response = self.rita_client.post(url, {**data, "confirm_new_version": "1"})
            assert response.status_code == 302
        study.refresh_from_db()
        assert [v.number for v in study.versions.all()] == [1, 2, 3]
        assert study.debrief_text == "Thank you!" and study.conditions.get().weight == 5
        assert study.design_hash == study.versions.last().design_hash != first_hash
        Client().get("/s/trips/?PROLIFIC_PID=LATE")
        hashes = dict(
            Participant.objects.filter(study=study).values_list("external_id", "design_hash")
        )
        assert hashes == {"EARLY": first_hash, "LATE": study.design_hash}
        # Saving without a change to the design makes no new version.
        self.rita_client.post(edits[0][0], {**edits[0][1], "confirm_new_version": "1"})
        assert study.versions.count() == 3

    def test_the_messages_per_minute_limit_is_set_in_the_design_and_defaults_to_12(self):
        study = self.create()
        assert study.messages_per_minute == 12  # left out: the default
        page = self.rita_client.get("/dashboard/studies/trips/edit/")
        assert b'name="messages_per_minute"' in page.content
        for bad in (0, 121, "lots"):
            data = {**STUDY, "messages_per_minute": bad}
            response = self.rita_client.post("/dashboard/studies/trips/edit/", data)
            assert response.status_code == 400
            study.refresh_from_db()
            assert study.messages_per_minute == 12
        data = {**STUDY, "messages_per_minute": 20}
        assert self.rita_client.post("/dashboard/studies/trips/edit/", data).status_code == 302
        self.add_condition()
        self.rita_client.post("/dashboard/studies/trips/publish/")
        study.refresh_from_db()
        assert study.versions.get().design["study"]["messages_per_minute"] == 20

    def test_publishing_needs_a_condition_and_the_owner(self):
        self.create()
        response = self.rita_client.post("/dashboard/studies/trips/publish/")
        assert response.status_code == 400 and b"at least one condition" in response.content
        self.add_condition()
        omar = Client()
        omar.force_login(self.omar)
        assert omar.post("/dashboard/studies/trips/publish/").status_code == 404
        assert omar.get("/dashboard/studies/trips/edit/").status_code == 404
        assert Client().post("/dashboard/studies/trips/publish/").status_code == 302
        assert Study.objects.get(slug="trips").status == "draft"


class PreviewTests(DesignTests):
    def test_a_preview_runs_the_journey_in_a_draft_study_without_counting(self):
        study = self.create()
        self.add_condition()
        self.add_condition(name="hidden", panel_visibility="hidden", agent_writes="silent")
        hidden = study.conditions.get(name="hidden")
        response = self.rita_client.post(
            "/dashboard/studies/trips/preview/", {"condition": hidden.pk}, follow=True
        )
        assert response.redirect_chain[-1][0] == "/s/trips/consent/"
        self.rita_client.post("/s/trips/consent/", {"decision": "agree"})
        preview = Participant.objects.get(study=study)
        assert preview.is_preview and preview.condition == hidden
        page = self.rita_client.get("/dashboard/studies/trips/").content.decode()
        assert "Entered: <strong>0</strong>" in page
        assert '<th scope="row">hidden</th><td>0</td>' in page
        # Real participants are balanced as if previews had never happened: with two
        # previews counted, weight 2 would send the next person to "open"; uncounted, to
        # "hidden" ((0 + 1) / 2 < (0 + 1) / 1).
        self.rita_client.post("/dashboard/studies/trips/preview/", {"condition": hidden.pk})
        self.rita_client.post("/s/trips/consent/", {"decision": "agree"})
        assert study.participants.filter(is_preview=True, consented_at__isnull=False).count() == 2
        Condition.objects.filter(pk=hidden.pk).update(weight=2)
        self.rita_client.post("/dashboard/studies/trips/publish/")
        person_browser = Client()
        person_browser.get("/s/trips/?PROLIFIC_PID=R1")
        person_browser.post("/s/trips/consent/", {"decision": "agree"})
        assert Participant.objects.get(external_id="R1").condition == hidden
        assert study.participants.real().count() == 1

    def test_only_the_studys_researchers_can_preview_its_conditions(self):
        self.create()
        self.add_condition()
        condition = Condition.objects.get(study__slug="trips")
        omar = Client()
        omar.force_login(self.omar)
        assert (
            omar.post("/dashboard/studies/trips/preview/", {"condition": condition.pk}).status_code
            == 404
        )
        other = self.editable  # a condition of another study
        assert (
            self.rita_client.post(
                "/dashboard/studies/trips/preview/", {"condition": other.pk}
            ).status_code
            == 404
        )
        assert not Participant.objects.filter(is_preview=True).exists()


class PreviewExclusionTests(DyadTestCase):
    def test_previews_stay_out_of_the_study_list_and_the_pmq_results(self):
        from questionnaires.services import administration_open, administration_submit
        from studies.services.designing import preview_start

        preview = preview_start(study=self.pilot, condition=self.editable)
        a = administration_open(participant=preview, session_number=1, timepoint="pre")
        administration_submit(administration_id=a.pk, submitted={c: ["5"] for c in a.item_order})
        rita = Client()
        rita.force_login(self.rita)
        listing = rita.get("/dashboard/").content.decode()
        assert "<td>active</td><td>2</td>" in listing  # ana and ben; not the preview
        results = rita.get("/dashboard/studies/pilot/pmq/").content.decode()
        assert "No questionnaires have been submitted yet." in results


class AddressTests(DyadTestCase):
    def test_addresses_typed_without_a_scheme_are_taken_as_https(self):
        from dashboard.forms import StudyForm

        study = StudyForm(data={"prolific_completion_url": "app.prolific.com/submissions/x"})
        study.is_valid()
        assert study.cleaned_data["prolific_completion_url"] == (
            "https://app.prolific.com/submissions/x"
        )
