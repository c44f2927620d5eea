"""What the researcher's pages share in their tests: the cast's session, the pages and
controls every permission test walks."""

from __future__ import annotations

import re

from django.test import Client

from chat.services import session_open
from questionnaires.services import administration_open, administration_submit
from tests.base import DyadTestCase


def answer(participant, timepoint: str, raw: str) -> None:
    a = administration_open(participant=participant, session_number=1, timepoint=timepoint)
    administration_submit(administration_id=a.pk, submitted={c: [raw] for c in a.item_order})


def page_of(response) -> tuple[int, str]:
    """Status and body, with the per-response CSRF token masked."""
    body = re.sub(
        r'(X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+', r"\1…", response.text
    )
    return response.status_code, body


class DashboardTestCase(DyadTestCase):
    def setUp(self):
        super().setUp()
        self.session = session_open(participant=self.ana, number=1)
        self.urls = [
            "/dashboard/studies/pilot/",
            "/dashboard/studies/pilot/pmq/",
            f"/dashboard/studies/pilot/sessions/{self.session.pk}/",
            f"/dashboard/studies/pilot/sessions/{self.session.pk}/live/",
            "/dashboard/studies/pilot/analytics/",
        ]
        base = f"/dashboard/studies/pilot/sessions/{self.session.pk}"
        self.controls = [
            (f"{base}/note/", {"text": "hello"}),
            (f"{base}/pause/", {"paused": "1"}),
            ("/dashboard/studies/pilot/analytics/", {"judge_model": "gpt-x"}),
            ("/dashboard/studies/pilot/analytics/score/", {}),
        ]

    def as_user(self, user) -> Client:
        client = Client()
        client.force_login(user)
        return client
