"""A condition's framing, pacing and deception as the researcher sees and designs them: the
study page, a session's review and live view, the funnel, the condition form and publishing."""

from __future__ import annotations

import base64
import tempfile
from datetime import timedelta
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from chat.models import Message
from chat.services import participant_withdraw, reconsent_decline
from studies.models import Condition, Participant, Study
from studies.services.enrolment import reconsent_record
from tests.base import PERSONA
from tests.dashboard.views.base import DashboardTestCase
from tests.dashboard.views.test_design import CONDITION, STUDY

# A 1x1 PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
FRAMED = {
    "partner_framing": "person",
    "partner_name": "fixed",
    "partner_label": "Alex",
    "reply_pacing": "human",
    "pacing_wpm": 40,
    "pacing_jitter": 25,
    "pacing_read_seconds": 2.0,
    "deceptive": True,
    "reveal_text": "Alex was an AI agent.",
}


class ConditionSummaryTests(DashboardTestCase):
    def test_the_study_page_says_what_each_condition_tells_shows_and_how_it_paces(self):
        Condition.objects.filter(pk=self.editable.pk).update(**FRAMED)
        Condition.objects.filter(pk=self.hidden.pk).update(
            reply_pacing="delay", pacing_delay_seconds=5, pacing_indicator=False
        )
        page = self.as_user(self.rita).get("/dashboard/studies/pilot/").content.decode()
        assert "Framing: told their partner is another participant" in page
        assert "Partner's name: “Alex” (a fixed label), no picture" in page
        assert (
            "human pace: 40 wpm ±25%, 2 s reading delay, at most 60 s typing, typing indicator"
            in page
        )
        assert "Deceptive: revealed in the debrief" in page
        # The other condition: the defaults, and a fixed delay without an indicator.
        assert "Framing: not stated" in page
        assert "the identity's name (Quill at the start)" in page
        assert "Replies: fixed 5 s delay, no typing indicator" in page
        assert page.count("Deceptive") == 1

    def test_a_condition_that_streams_says_so_and_one_without_a_reveal_is_flagged(self):
        Condition.objects.filter(pk=self.hidden.pk).update(
            deceptive=True, framing_text="You will chat with *Sam*, a student."
        )
        page = self.as_user(self.rita).get("/dashboard/studies/pilot/").content.decode()
        assert "Replies: as it streams" in page
        assert "told, in these words: “You will chat with *Sam*, a student.”" in page
        assert "Deceptive, with no reveal yet:" in page

    def test_the_study_page_costs_the_same_queries_with_framing_pacing_and_reveals(self):
        rita = self.as_user(self.rita)
        with CaptureQueriesContext(connection) as plain:
            rita.get("/dashboard/studies/pilot/")
        Condition.objects.filter(pk__in=[self.editable.pk, self.hidden.pk]).update(
            **FRAMED, partner_picture="partners/" + "a" * 64 + ".png", partner_picture_alt="A face"
        )
        reconsent_decline(participant_id=self.ana.pk)
        with CaptureQueriesContext(connection) as framed:
            page = rita.get("/dashboard/studies/pilot/").content.decode()
        assert len(framed) == len(plain)
        assert page.count('alt="A face"') == 2


class SessionFramingTests(DashboardTestCase):
    def reply(self, turn: int, **times: float) -> Message:
        """A participant message (the greeting is turn 1) and the agent's reply to it,
        ``times`` in seconds after the message."""
        sent = timezone.now() - timedelta(minutes=5)
        asked = Message.objects.create(
            session=self.session, turn=turn, sender="participant", text="hi", created_at=sent
        )
        at = {name: sent + timedelta(seconds=s) for name, s in times.items()}
        return Message.objects.create(
            session=self.session,
            turn=turn + 1,
            sender="agent",
            text="hello",
            reply_to=asked,
            created_at=at["shown_at"],
            backend="scripted",
            **at,
        )

    def test_the_review_shows_the_condition_and_when_each_reply_was_ready_typed_and_shown(self):
        Condition.objects.filter(pk=self.editable.pk).update(**FRAMED)
        self.reply(2, generated_at=3.1, typing_started_at=2.0, shown_at=14.2)
        self.reply(4, generated_at=8, shown_at=65)  # held, without an indicator
        Message.objects.create(session=self.session, turn=6, sender="agent", text="older reply")
        reconsent_record(participant_id=self.ana.pk, given=True)
        page = self.as_user(self.rita).get(self.urls[2]).content.decode()
        assert "told their partner is another participant" in page
        assert "human pace: 40 wpm ±25%, 2 s reading delay" in page
        assert "Deceptive: revealed in the debrief" in page
        assert (
            "shown 14.2 s after the message; the model was done after 3.1 s; “typing” from 2.0 s"
            in page
        )
        assert "shown 1 min 5 s after the message; the model was done after 8.0 s; no typing" in (
            page
        )
        assert page.count('class="hint reply-times"') == 2  # none for the reply without times
        assert "After the reveal, the participant agreed to the use of their data (" in page

    def test_a_streamed_reply_began_to_show_before_the_model_was_done(self):
        self.reply(2, generated_at=4.0, typing_started_at=0.1, shown_at=0.9)
        page = self.as_user(self.rita).get(self.urls[2]).content.decode()
        assert "began to show 0.9 s after the message; the model was done after 4.0 s" in page
        assert "After the reveal" not in page  # no re-consent in this condition

    def test_the_review_costs_the_same_queries_for_1_and_20_replies(self):
        rita = self.as_user(self.rita)
        self.reply(2, generated_at=1, typing_started_at=0.5, shown_at=2)
        with CaptureQueriesContext(connection) as few:
            rita.get(self.urls[2])
        for turn in range(4, 42, 2):
            self.reply(turn, generated_at=1, typing_started_at=0.5, shown_at=2)
        with CaptureQueriesContext(connection) as many:
            page = rita.get(self.urls[2]).content.decode()
        assert len(many) == len(few)
        assert page.count('class="hint reply-times"') == 20

    def test_the_live_view_shows_the_condition_and_the_re_consent(self):
        Condition.objects.filter(pk=self.editable.pk).update(**FRAMED, pacing_indicator=False)
        Participant.objects.filter(pk=self.ana.pk).update(
            reconsent="declined", reconsented_at=timezone.now()
        )
        page = self.as_user(self.rita).get(self.urls[3]).content.decode()
        assert "told their partner is another participant" in page
        assert "“Alex” (a fixed label)" in page
        assert "at most 60 s typing, no typing indicator" in page
        assert "After the reveal, the participant declined the use of their data (withdrawn)" in (
            page
        )


class RevealFunnelTests(DashboardTestCase):
    def test_those_who_withdrew_after_the_reveal_are_counted_apart(self):
        Condition.objects.filter(pk=self.editable.pk).update(**FRAMED)
        reconsent_decline(participant_id=self.ana.pk)
        participant_withdraw(participant_id=self.ben.pk)
        page = self.as_user(self.rita).get("/dashboard/studies/pilot/").content.decode()
        assert (
            "withdrawn: <strong>1</strong> · withdrew after the reveal: <strong>1</strong>" in page
        )
        assert '<th scope="col">Withdrawn</th><th scope="col">Withdrew after the reveal</th>' in (
            page
        )
        editable = page[page.index('<th scope="row">editable</th>') :]
        assert editable.split("</tr>")[0].endswith("<td>0</td><td>1</td>")
        hidden = page[page.index('<th scope="row">hidden</th>') :]
        assert hidden.split("</tr>")[0].endswith("<td>1</td><td>0</td>")

    def test_a_study_that_deceives_no_one_has_no_reveal_column(self):
        participant_withdraw(participant_id=self.ben.pk)
        page = self.as_user(self.rita).get("/dashboard/studies/pilot/").content.decode()
        assert "withdrawn: <strong>1</strong></p>" in page
        assert "after the reveal" not in page


class ConditionFormTests(DashboardTestCase):
    def setUp(self):
        super().setUp()
        media = tempfile.TemporaryDirectory()
        self.addCleanup(media.cleanup)
        self.media = Path(media.name)
        settings = override_settings(MEDIA_ROOT=media.name)
        settings.enable()
        self.addCleanup(settings.disable)
        self.client = self.as_user(self.rita)
        assert self.client.post("/dashboard/studies/new/", STUDY).status_code == 302
        self.study = Study.objects.get(slug="trips")

    def save(self, url: str = "/dashboard/studies/trips/conditions/new/", **changes):
        return self.client.post(url, {**CONDITION, **changes})

    def edit(self, **changes):
        return self.save("/dashboard/studies/trips/conditions/open/", **changes)

    def stored(self) -> list[str]:
        return sorted(p.name for p in self.media.rglob("*") if p.is_file())

    def test_a_picture_is_stored_shown_on_the_study_page_and_removed(self):
        upload = SimpleUploadedFile("face.png", PNG, "image/png")
        response = self.save(picture=upload, partner_picture_alt="A drawn face, smiling")
        assert response.status_code == 302
        name = self.study.conditions.get().partner_picture
        assert name.startswith("partners/") and name.endswith(".png")
        assert (self.media / name).read_bytes() == PNG
        address = reverse("studies:partner-picture", args=[name])
        page = self.client.get("/dashboard/studies/trips/").content.decode()
        assert f'<img src="{address}" alt="A drawn face, smiling"' in page
        assert "(alt text: “A drawn face, smiling”)" in page
        served = self.client.get(address)
        assert served.status_code == 200 and served["Content-Type"] == "image/png"
        form = self.client.get("/dashboard/studies/trips/conditions/open/").content.decode()
        assert "The partner's picture now:" in form and f'src="{address}"' in form
        assert 'name="picture_remove"' in form and "Remove the partner&#x27;s picture" in form
        # Saved again without a new picture, it keeps the one it has.
        assert self.edit(partner_picture_alt="A drawn face").status_code == 302
        assert self.study.conditions.get().partner_picture == name
        assert self.edit(picture_remove="on").status_code == 302
        assert self.study.conditions.get().partner_picture == ""
        page = self.client.get("/dashboard/studies/trips/").content.decode()
        assert address not in page and "no picture" in page

    def test_a_picture_that_is_not_an_image_or_too_large_is_refused_and_changes_nothing(self):
        assert self.save().status_code == 302
        for upload, error in [
            (SimpleUploadedFile("notes.png", b"just some text", "image/png"), "must be a PNG"),
            (SimpleUploadedFile("huge.png", PNG + b"\0" * 512 * 1024, "image/png"), "512 KiB"),
        ]:
            response = self.edit(picture=upload, partner_picture_alt="A face", weight=3)
            assert response.status_code == 400, error
            assert error in response.content.decode()
            assert "Please correct the 1 problem below." in response.content.decode()
            condition = self.study.conditions.get()
            assert (condition.partner_picture, condition.weight) == ("", 1)
        assert self.stored() == []

    def test_a_picture_needs_its_alt_text(self):
        upload = SimpleUploadedFile("face.png", PNG, "image/png")
        response = self.save(picture=upload)
        assert response.status_code == 400
        assert "Say what the picture shows, for screen readers." in response.content.decode()
        assert not self.study.conditions.exists()

    def test_a_deceptive_condition_needs_its_reveal(self):
        response = self.save(deceptive="on", partner_framing="person")
        assert response.status_code == 400
        page = response.content.decode()
        assert "A deceptive condition needs the reveal its participants read." in page
        assert not self.study.conditions.exists()
        response = self.save(deceptive="on", partner_framing="person", reveal_text="An AI.")
        assert response.status_code == 302
        assert self.study.conditions.get().deceptive

    def test_a_study_whose_deceptive_condition_has_no_reveal_is_not_published(self):
        Condition.objects.create(
            study=self.study, name="open", seed_persona=PERSONA, deceptive=True
        )
        page = self.client.get("/dashboard/studies/trips/").content.decode()
        assert "Deceptive, with no reveal yet:" in page
        response = self.client.post("/dashboard/studies/trips/publish/")
        assert response.status_code == 400
        assert (
            "Condition open: A deceptive condition needs the reveal its participants read."
            in response.content.decode()
        )
        self.study.refresh_from_db()
        assert self.study.status == "draft" and not self.study.versions.exists()
