"""What `make run` relies on: settings from the environment and an idempotent demo."""

from __future__ import annotations

import os
import subprocess
import sys

from django.contrib.auth import get_user_model
from django.test import TestCase

from studies import demo
from studies.models import Study


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


class DemoTests(TestCase):
    def test_the_demo_study_and_researcher_are_created_once(self):
        study, created = demo.ensure_demo()
        assert created
        again, created_again = demo.ensure_demo()
        assert not created_again and again.pk == study.pk
        assert Study.objects.filter(slug="demo").count() == 1
        assert study.status == "active" and study.sessions_per_participant == 1
        assert study.pmq_before and study.pmq_after
        assert set(study.conditions.values_list("name", flat=True)) == {"co-construct", "hidden"}
        for condition in study.conditions.all():
            condition.full_clean()
        user = get_user_model().objects.get(username=demo.DEMO_USERNAME)
        assert user.check_password(demo.DEMO_PASSWORD)
        assert study.owners.filter(pk=user.pk).exists()
