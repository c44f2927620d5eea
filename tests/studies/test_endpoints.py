"""Researchers choose among the operator's endpoints: nothing a researcher types decides
which host the server calls or which of its environment variables it sends."""

from __future__ import annotations

import io
import json
import logging
import os
import zipfile
from unittest import mock

from django.contrib.auth import get_user_model
from django.test import Client

from chat.models import AgentTurn
from chat.services import agent_turn_run, message_post, session_open
from dashboard.exports import files
from studies.design import CONDITION_FIELDS
from studies.models import Condition, Endpoint, Participant, Study
from tests.base import DyadTestCase
from tests.fake_openai import FakeLLMMixin, FakeOpenAI

KEY = "sk-lab-0123456789abcdef"
SECRETS = {"LAB_KEY": KEY, "TOP_SECRET": "hunter2-top-secret", "HOME": "/root"}


class EndpointTests(FakeLLMMixin, DyadTestCase):
    def setUp(self):
        super().setUp()
        self.evil = FakeOpenAI().start()  # the host a hostile researcher would like called
        self.addCleanup(self.evil.stop)
        environment = mock.patch.dict(os.environ, SECRETS)
        environment.start()
        self.addCleanup(environment.stop)
        self.lab = Endpoint.objects.create(
            name="lab", base_url=self.fake.base_url, api_key_env="LAB_KEY"
        )
        get_user_model().objects.filter(pk=self.rita.pk).update(is_staff=True)
        self.rita_client = Client()
        self.rita_client.force_login(self.rita)

    def hostile(self) -> dict:
        """Every design field, plus the names that once chose a URL or a key variable,
        set to what a hostile researcher would send."""
        evil_url = self.evil.base_url
        return {
            "name": "hostile",
            "weight": 1,
            "panel_visibility": "visible",
            "participant_writes": "direct",
            "agent_writes": "off",
            "memory": "carry",
            "agent_backend": "openai",
            "llm_endpoint": self.lab.pk,
            "llm_model": f"m {evil_url} $TOP_SECRET",
            "llm_temperature": 0.5,
            "llm_max_tokens": 50,
            "llm_timeout_seconds": 5,
            "wizard_timeout_seconds": 90,
            "llm_system_prompt": "{identity} {TOP_SECRET} $TOP_SECRET ${HOME} %(TOP_SECRET)s",
            "llm_base_url": evil_url,
            "llm_api_key_env": "TOP_SECRET",
            "base_url": evil_url,
            "api_key_env": "TOP_SECRET",
            "persona_name": "Eve",
            "persona_role": "a test",
            "persona_register": "casual",
            **{f"trait_{t}": 4 for t in ("openness", "conscientiousness", "extraversion")},
            **{f"trait_{t}": 4 for t in ("agreeableness", "neuroticism")},
        }

    def turn_on(self, condition: Condition) -> None:
        person = Participant.objects.create(study=condition.study, condition=condition)
        session = session_open(participant=person, number=1)
        with mock.patch("chat.services.messages.agent_turn_start"):
            posted = message_post(session_id=session.pk, client_id="h1", text="hello")
        agent_turn_run(message_id=posted.message.pk)

    def test_no_researcher_action_sends_another_variable_or_calls_an_unlisted_host(self):
        draft = Study.objects.create(title="H", slug="hostile", consent_text="-")
        draft.owners.add(self.rita)
        base = "/dashboard/studies/hostile/conditions"
        attempts = [
            (f"{base}/new/", self.hostile()),
            (
                f"{base}/new/",
                {**self.hostile(), "name": "by-url", "llm_endpoint": self.evil.base_url},
            ),
            (f"{base}/new/", {**self.hostile(), "name": "by-name", "llm_endpoint": "TOP_SECRET"}),
            (f"{base}/hostile/", {**self.hostile(), "llm_endpoint": 999}),
            (
                "/admin/studies/endpoint/add/",
                {"name": "evil", "base_url": self.evil.base_url, "api_key_env": "TOP_SECRET"},
            ),
            (
                f"/admin/studies/endpoint/{self.lab.pk}/change/",
                {"name": "lab", "base_url": self.evil.base_url, "api_key_env": "TOP_SECRET"},
            ),
            (f"/admin/studies/study/{draft.pk}/change/", {"title": "H"}),
        ]
        for url, data in attempts:
            self.rita_client.post(url, data)
        assert list(Endpoint.objects.values_list("name", "base_url", "api_key_env")) == [
            ("lab", self.fake.base_url, "LAB_KEY")
        ]
        chosen = Condition.objects.filter(study=draft, agent_backend="openai")
        assert chosen.exists() and all(c.llm_endpoint_id == self.lab.pk for c in chosen)
        for condition in chosen:
            self.turn_on(condition)
        assert self.evil.requests == []  # the unlisted host was never called
        assert self.fake.requests
        for request in self.fake.requests:
            assert request["authorization"] == f"Bearer {KEY}"
            sent = json.dumps(request["body"])
            assert "hunter2" not in sent and "/root" not in sent

    def test_only_superusers_reach_the_admin_and_its_endpoints(self):
        for path in ("/admin/", "/admin/studies/endpoint/", "/admin/studies/condition/"):
            response = self.rita_client.get(path)  # rita is staff, not a superuser
            assert response.status_code == 302 and "/admin/login/" in response["Location"]
        root = get_user_model().objects.create_superuser("root", "", "root-pass-123")
        operator = Client()
        operator.force_login(root)
        page = operator.get("/admin/studies/endpoint/").content.decode()
        assert "LAB_KEY" in page and KEY not in page  # the variable's name, never its value

    def test_a_key_echoed_in_an_endpoint_error_is_hidden_from_records_pages_and_logs(self):
        self.use_llm(self.editable, self.fake.base_url)
        Condition.objects.filter(pk=self.editable.pk).update(llm_endpoint=self.lab)
        self.fake.script({"status": 401, "message": f"Incorrect API key provided: {KEY}."})
        session = session_open(participant=self.ana, number=1)
        with (
            mock.patch("chat.services.messages.agent_turn_start"),
            self.assertLogs(level=logging.DEBUG) as logs,
        ):
            posted = message_post(session_id=session.pk, client_id="k1", text="hello")
            logging.getLogger("dyad.test").debug("marker")
            assert agent_turn_run(message_id=posted.message.pk) is None
        error = AgentTurn.objects.get().errors[0]["error"]
        assert "HTTP 401" in error and "[key hidden]" in error
        pages = [
            self.rita_client.get(f"/dashboard/studies/pilot/sessions/{session.pk}/").text,
            self.rita_client.get(f"/dashboard/studies/pilot/conditions/{self.editable.name}/").text,
        ]
        archive = zipfile.ZipFile(io.BytesIO(b"".join(files.zip_download(self.pilot.pk))))
        exported = " ".join(archive.read(name).decode() for name in archive.namelist())
        assert "attempt 1: HTTP 401" in pages[0]  # researchers see what went wrong
        for text in (error, *pages, exported, "\n".join(logs.output)):
            assert KEY not in text and KEY[:10] not in text

    def test_the_design_names_the_endpoint_never_its_address_or_key(self):
        assert "llm_endpoint" in CONDITION_FIELDS
        assert not {"llm_base_url", "llm_api_key_env"} & set(CONDITION_FIELDS)
        self.use_llm(self.editable, self.fake.base_url)
        values = self.editable.design_values(CONDITION_FIELDS)
        assert values["llm_endpoint"] == "fake"
        assert self.fake.base_url not in json.dumps(values)
