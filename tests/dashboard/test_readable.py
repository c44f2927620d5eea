"""Identities as the participant's panel shows them, with changes marked, and the diff
between two versions, on the session review and the live view."""

from __future__ import annotations

from django.test import Client

from chat.identity import seed_state
from chat.services import identity_edit, session_open
from dashboard.readable import differences, readable
from tests.base import PERSONA, DyadTestCase

BACKSTORY = "Mira grew up in a harbour town where the ferries ran late; " * 6


def test_changed_fields_and_statements_are_marked_with_what_they_were():
    before = seed_state(PERSONA)
    after = seed_state({**PERSONA, "name": "Nova"})
    before["common_ground"] = {"a": "we joke", "b": "first names"}
    after["common_ground"] = {"b": "first names only", "c": "short answers"}
    shown = readable(after, before)
    name = shown["sections"][0]["fields"][0]
    assert (name["label"], name["shown"], name["changed"], name["before"]) == (
        "Name", "Nova", True, "Mira"
    )  # fmt: skip
    assert not shown["sections"][0]["fields"][1]["changed"]  # the role stayed
    statuses = {e["text"]: e["status"] for e in shown["common_ground"]}
    assert statuses == {
        "first names only": "changed",
        "short answers": "added",
        "we joke": "removed",
    }
    assert shown["changed"] == 4
    assert readable(after)["changed"] == 0  # nothing to compare with: nothing marked


def test_differences_list_only_what_differs():
    a, b = seed_state(PERSONA), seed_state({**PERSONA, "values": ["care", "humour"]})
    b["common_ground"] = {"x": "we plan trips"}
    assert differences(a, b) == [
        {"label": "Values", "before": "curiosity", "after": "care, humour"},
        {"label": "Statement", "before": "", "after": "we plan trips"},
    ]
    assert differences(a, a) == []


class ReadableIdentityPageTests(DyadTestCase):
    def setUp(self):
        super().setUp()
        self.client = Client()
        self.client.force_login(self.rita)
        self.session = session_open(participant=self.ana, number=1)
        identity_edit(session_id=self.session.pk, target="persona.backstory", value=BACKSTORY)
        identity_edit(session_id=self.session.pk, target="persona.name", value="Nova")
        self.review = f"/dashboard/studies/pilot/sessions/{self.session.pk}/"

    def test_the_review_shows_the_whole_identity_with_the_last_change_marked(self):
        page = self.client.get(self.review).text
        shown = page.split('id="identity-heading"')[1]
        assert "Marked: what changed since version 2." in shown
        assert '<dt>Name</dt><dd>Nova <span class="badge">changed</span>' in shown
        assert "was: Mira" in shown and BACKSTORY.strip() in shown  # never cut off
        assert "<summary>As JSON</summary>" in shown
        earlier = self.client.get(self.review + "?version=2").text.split('id="identity-heading"')[1]
        assert "<dt>Name</dt><dd>Mira</dd>" in earlier  # version 2 changed the backstory only
        assert '<span class="was">was: Mira grew up by the sea.</span>' in earlier

    def test_two_versions_compare_field_by_field_and_odd_choices_are_explained(self):
        page = self.client.get(self.review, {"from": 1, "to": 3}).text
        table = page.split("From version 1 to version 3")[1].split("</table>")[0]
        assert "<del>Mira</del>" in table and "<ins>Nova</ins>" in table
        assert "<del>Mira grew up by the sea.</del>" in table
        same = self.client.get(self.review, {"from": 2, "to": 2}).text
        assert "The two versions are the same." in same
        odd = self.client.get(self.review, {"from": 1, "to": 99})
        assert odd.status_code == 200 and "Choose two versions from 1 to 3." in odd.text

    def test_the_live_view_shows_the_identity_readably_too(self):
        live = self.client.get(self.review + "live/identity/").text
        assert '<dt>Name</dt><dd>Nova <span class="badge">changed</span>' in live
        assert 'id="identity-section"' in live
