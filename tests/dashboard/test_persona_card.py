"""The persona_card command: seed personas out of and into conditions as Character Cards."""

from __future__ import annotations

import json
import shutil
import tempfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from studies.models import Condition, Study
from tests.base import DyadTestCase
from tests.chat.agent.test_cards import FOREIGN


class PersonaCardCommandTests(DyadTestCase):
    def test_export_then_import_into_a_condition_nobody_has_entered(self):
        out = StringIO()
        call_command("persona_card", "pilot", "editable", "--export", "-", stdout=out)
        assert json.loads(out.getvalue())["data"]["name"] == "Mira"
        draft = Study.objects.create(title="Draft", slug="draft", consent_text="-")
        fresh = Condition.objects.create(study=draft, name="fresh")
        path = self.make_file(json.dumps(FOREIGN))
        call_command("persona_card", "draft", "fresh", "--import", path, stdout=StringIO())
        fresh.refresh_from_db()
        assert fresh.seed_persona["name"] == "Ada"

    def test_import_is_refused_once_a_running_condition_has_participants(self):
        path = self.make_file(json.dumps(FOREIGN))
        with pytest.raises(CommandError, match="design is frozen"):
            call_command("persona_card", "pilot", "editable", "--import", path)
        self.editable.refresh_from_db()
        assert self.editable.seed_persona["name"] == "Mira"

    def test_unknown_condition_and_bad_file_get_clear_errors(self):
        with pytest.raises(CommandError, match="No condition 'nope'"):
            call_command("persona_card", "pilot", "nope", "--export", "-")
        with pytest.raises(CommandError, match="Cannot read"):
            call_command("persona_card", "pilot", "editable", "--import", "/no/such/file.json")

    def test_a_condition_with_an_invalid_seed_persona_does_not_validate(self):
        self.editable.seed_persona = {"name": "X", "shoe_size": 9}
        with pytest.raises(ValidationError, match="Unknown persona fields: shoe_size"):
            self.editable.full_clean()

    def make_file(self, text: str) -> str:
        folder = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, folder)
        path = Path(folder) / "card.json"
        path.write_text(text, encoding="utf-8")
        return str(path)
