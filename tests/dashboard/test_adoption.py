"""Does the agent adopt the personality it is given? The analytics page's set-against-measured
traits (dashboard.adoption), from the offline agent's inventories."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from chat.services import identity_edit, session_finish, session_open
from dashboard.adoption import set_vs_measured
from dashboard.scoring import study_score
from tests.base import DyadTestCase
from tests.dashboard.export_data import say


class AdoptionTests(DyadTestCase):
    def setUp(self):
        super().setUp()
        self.pilot.sessions_per_participant = 2
        self.pilot.save()
        # Mira's extraversion is 6 in ana's first session; she sets it to 1 in her second.
        for number in (1, 2):
            session = session_open(participant=self.ana, number=number)
            say(session, "hello")
            if number == 2:
                identity_edit(session_id=session.pk, target="persona.traits.extraversion", value=1)
            say(session, "bye")
            session_finish(session_id=session.pk)
        ben = session_open(participant=self.ben, number=1)
        say(ben, "hello")
        say(ben, "bye")
        session_finish(session_id=ben.pk)
        study_score(study_id=self.pilot.pk)

    def test_set_and_measured_traits_per_condition_and_a_changed_trait_followed(self):
        with CaptureQueriesContext(connection) as queries:
            shown = set_vs_measured(self.pilot)
        assert len(queries) == 1 and shown["sessions"] == 3
        rows = {(t["condition"], t["trait"]): t for t in shown["traits"]}
        e = rows[("editable", "extraversion")]
        # The offline agent answers level 4 of 5 for a 6 (5.5 on 1-7), level 1 for a 1.
        assert (e["set"].mean, e["measured"].mean, e["difference"].mean) == (3.5, 3.25, -0.25)
        assert e["measured"].n == 2 and not e["set_constant"]
        assert rows[("hidden", "openness")]["set_constant"]  # one session: nothing to correlate
        editable, hidden = shown["conditions"]
        assert editable["r"].n == 10 and editable["r"].r == pytest.approx(0.99, abs=0.01)
        changes = editable["changes"]
        assert (changes["n"], changes["set"].mean, changes["measured"].mean) == (1, -5, -4.5)
        assert changes["followed"] == 1 and hidden["changes"]["n"] == 0

    def test_the_analytics_page_shows_them_labelled_exploratory(self):
        client = Client()
        client.force_login(self.rita)
        page = client.get("/dashboard/studies/pilot/analytics/").text
        section = page.split('id="inventory"')[1].split("</section>")[0]
        assert "The agent's own personality (exploratory)" in section
        assert "<svg" in section and 'id="c-inventory"' in section
        assert "3 sessions with the inventory answered" in section
        row = '<th scope="row">extraversion</th><td>2</td><td>8 of 8</td><td>3.500</td><td>3.250 ['
        assert row in section
        assert "1 of 1" in section  # the changed trait followed
