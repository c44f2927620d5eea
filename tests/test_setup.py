"""What `make run` relies on: settings from the environment and an idempotent demo."""

from __future__ import annotations

import os
import subprocess
import sys

from django.contrib.auth import get_user_model
from django.test import TestCase

from studies import demo
from studies.models import Endpoint, Study


def settings_error(**env: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stderr


def test_debug_off_refuses_the_development_secret_key():
    assert "DEBUG=False refuses the development key" in settings_error(DEBUG="false")


def test_junk_in_an_environment_variable_fails_loudly():
    assert "DEBUG must be true or false, not 'maybe'" in settings_error(DEBUG="maybe")


def test_a_site_url_that_is_not_an_http_address_fails_loudly():
    bad_urls = ("study.example.org", "ftp://study.example.org", "http://", "http://h:99999",
                "https://x.org/?next=y", "https://user:pw@x.org")  # fmt: skip
    for bad in bad_urls:
        assert "DYAD_SITE_URL must" in settings_error(DYAD_SITE_URL=bad), bad
    assert "DYAD_SITE_URL must" in settings_error(DYAD_PILOT_URL="javascript:x")  # the old name
    assert settings_error(DYAD_SITE_URL="https://study.example.org/") == ""


def test_production_settings_pass_the_deployment_checks():
    """docs/deploy.md's settings: `manage.py check --deploy` finds nothing to warn about."""
    production = {
        "DEBUG": "false",
        "HTTPS": "true",
        "SECRET_KEY": "a-long-random-production-key-" + "x7Qz" * 10,
        "ALLOWED_HOSTS": "dyad.example.org",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env={**os.environ, **production},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
    without_https = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env={**os.environ, **production, "HTTPS": "false"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert "SECURE_SSL_REDIRECT" in without_https.stderr  # the check is real: plain http warns


class DemoTests(TestCase):
    def test_the_demo_study_and_researcher_are_created_once(self):
        study, created = demo.ensure_demo()
        assert created
        again, created_again = demo.ensure_demo()
        assert not created_again and again.pk == study.pk
        assert Study.objects.filter(slug="demo").count() == 1
        assert study.status == "active" and study.sessions_per_participant == 1
        assert study.is_frozen() and study.versions.count() == 1  # published: people may enter
        assert study.pmq_before and study.pmq_after
        assert set(study.conditions.values_list("name", flat=True)) == {"co-construct", "hidden"}
        for condition in study.conditions.all():
            condition.full_clean()
        user = get_user_model().objects.get(username=demo.DEMO_USERNAME)
        assert user.check_password(demo.DEMO_PASSWORD)
        assert study.owners.filter(pk=user.pk).exists()

    def test_the_demo_and_its_template_manipulate_the_panel_and_nothing_else(self):
        from studies.starters import STARTERS

        study, _ = demo.ensure_demo()
        personas = [c.seed_persona for c in study.conditions.all()]
        assert personas[0] == personas[1]  # the same agent: a reader sees only the panel differ
        template = [c["seed_persona"] for c in STARTERS["demo"]["conditions"]]
        assert template[0] == template[1] == personas[0]


class DemoLLMTests(TestCase):
    def test_llm_environment_variables_point_the_demo_at_an_endpoint_and_back(self):
        from unittest import mock

        from django.test import override_settings

        url = "http://127.0.0.1:11434/v1"
        with (
            override_settings(DYAD_LLM_BASE_URL=url, DYAD_LLM_MODEL="llama3.2"),
            mock.patch.dict(os.environ, {"DYAD_LLM_API_KEY": "sk-test"}),
        ):
            study, _ = demo.ensure_demo()
        rows = set(
            study.conditions.values_list(
                "agent_backend",
                "llm_endpoint__base_url",
                "llm_model",
                "llm_endpoint__api_key_env",
            )
        )
        assert rows == {("openai", url, "llama3.2", "DYAD_LLM_API_KEY")}
        stored = str(list(study.conditions.values())) + str(list(Endpoint.objects.values()))
        assert "sk-test" not in stored  # the key is never stored
        versions = study.versions.count()
        demo.ensure_demo()
        assert set(study.conditions.values_list("agent_backend", flat=True)) == {"scripted"}
        assert study.versions.count() == versions + 1  # the switch is a new design version
