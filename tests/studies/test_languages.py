"""A study in German: every page participants see speaks German (the PMQ's items stay in
English, the language it was validated in); the dashboard stays in English; the shipped
translation is complete and compiled."""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from chat.models import Message
from chat.services import agent_turn_run, message_post, session_open
from tests.base import DyadTestCase

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "de" / "LC_MESSAGES"


class GermanStudyTests(DyadTestCase):
    def setUp(self):
        super().setUp()
        self.study = self.published_study(
            "deutsch", {"offen": {"panel_visibility": "editable"}}, language="de",
            pmq_before=True, record_typing=True, attention_checks="1 pre 2 3",
        )  # fmt: skip
        self.client = Client()
        self.client.get("/s/deutsch/")

    def page(self, path: str) -> str:
        response = self.client.get(path, follow=True)
        return response.content.decode()

    def test_the_journey_speaks_german_and_the_pmq_items_stay_english(self):
        consent = self.page("/s/deutsch/")
        assert '<html lang="de">' in consent
        assert (
            "Information und Einwilligung" in consent and "Ich stimme der Teilnahme zu" in consent
        )
        assert "Auch wie du schreibst, wird aufgezeichnet" in consent
        assert "Zum Hauptinhalt springen" in consent
        self.client.post("/s/deutsch/consent/", {"decision": "agree"})
        pmq = self.page("/s/deutsch/")
        assert "Vor dem Chat" in pmq and "Alle 19 Fragen sind Pflicht." in pmq
        assert re.search(r"Frage 1 von 19: [A-Z][a-z-]+ oder [A-Z][a-z-]+", pmq)
        assert "Bitte wähle in dieser Zeile die 3." in pmq
        assert "Machine-like" in pmq and "Human-like" in pmq  # the validated English items
        assert "about to talk with" in pmq  # and its English instructions
        missing = self.client.post("/s/deutsch/session/1/pmq/pre/", {}).content.decode()
        assert "Bitte beantworte noch 19 Fragen" in missing
        assert "Bitte wähle einen Punkt auf dieser Skala." in missing

    def test_the_chat_its_panel_and_its_notes_speak_german(self):
        person = self.study.participants.get()
        person.consented_at = person.entered_at
        person.condition = self.study.conditions.get()
        person.save()
        self.study.pmq_before = False
        self.study.save()
        chat = self.page("/s/deutsch/")
        assert "Unser gemeinsames Bild" in chat and "Wer der Agent ist" in chat
        assert "Hintergrundgeschichte" in chat and "Deine Nachricht" in chat
        assert '"connected": "Verbunden."' in chat  # what the page's script will say
        session = session_open(participant=person, number=1)
        edit = "/s/deutsch/session/1/identity/"
        empty = self.client.post(edit, {"target": "persona.name", "value": " "},
                                 HTTP_HX_REQUEST="true")  # fmt: skip
        assert "„Name“ darf nicht leer sein." in empty.content.decode()
        saved = self.client.post(edit, {"target": "persona.name", "value": "Nova"},
                                 HTTP_HX_REQUEST="true")  # fmt: skip
        assert "Gespeichert." in saved.content.decode()
        note = Message.objects.filter(session=session, sender="system").last()
        assert note.text == "Du hast geändert: der Name des Agenten: Mira → Nova."

        # The agent's turn runs without a request (a worker): its notes are German too.
        posted = message_post(session_id=session.pk, client_id="de-1", text="Call yourself Ada")
        agent_turn_run(message_id=posted.message.pk)
        notes = list(Message.objects.filter(session=session, sender="system").order_by("turn"))
        assert notes[-1].text.startswith("Nova hat eine Änderung vorgeschlagen: der Name des")

    def test_the_dashboard_stays_english(self):
        rita = Client()
        rita.force_login(self.rita)
        self.study.owners.add(self.rita)
        page = rita.get("/dashboard/studies/deutsch/").content.decode()
        assert '<html lang="en">' in page and "Enrolment funnel" in page


def entries(po: str) -> list[tuple[str, str]]:
    """(msgid, msgstr) of every entry of a .po file (plural forms joined)."""
    found, current = [], {}
    for block in po.split("\n\n"):
        fields = re.findall(r'^(msgid|msgid_plural|msgstr(?:\[\d\])?) ((?:".*"\n?)+)', block, re.M)
        current = {name: "".join(re.findall(r'"(.*)"', text)) for name, text in fields}
        if current.get("msgid"):
            translated = "".join(v for k, v in current.items() if k.startswith("msgstr"))
            found.append((current["msgid"], translated, "fuzzy" in block.split("msgid")[0]))
    return found


def test_the_german_translation_is_complete():
    found = entries((CATALOGUE / "django.po").read_text(encoding="utf-8"))
    assert len(found) > 150
    assert [msgid for msgid, text, fuzzy in found if not text or fuzzy] == []


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="msgfmt (Debian's gettext) not here")
def test_the_compiled_german_catalogue_is_the_translation(tmp_path):
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", compiled, CATALOGUE / "django.po"], check=True)
    with open(compiled, "rb") as fresh, open(CATALOGUE / "django.mo", "rb") as shipped:
        assert gettext.GNUTranslations(shipped)._catalog == gettext.GNUTranslations(fresh)._catalog
