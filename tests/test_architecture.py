"""docs/architecture.md stays true: every file, module, class, function and setting it names
in backticks exists, and a function named right after its file is defined in that file."""

from __future__ import annotations

import ast
import importlib
import re
from functools import cache
from itertools import product
from pathlib import Path

from django.apps import apps
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
APPS = ("config", "studies", "questionnaires", "chat", "dashboard")
CITED = re.compile(r"`([^`\n]+)`")
IN_FILE = re.compile(r"`([\w/{},.]+\.py)`\s+`(\w+)")
IDENTIFIER = re.compile(r"^([A-Za-z_]\w*)(\(.*\))?$")
DOTTED = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$")


class Source:
    """What the apps' Python defines: names per file, attributes per class, string literals."""

    def __init__(self) -> None:
        self.files: dict[str, set[str]] = {}
        self.classes: dict[str, set[str]] = {}
        self.strings: set[str] = set()
        for app in APPS:
            for path in (ROOT / app).rglob("*.py"):
                if "migrations" not in path.parts:
                    self._read(path)
        self.names = set().union(*self.files.values()) | {Path(f).stem for f in self.files}

    def _read(self, path: Path) -> None:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = self.files.setdefault(str(path.relative_to(ROOT)), set())
        for node in tree.body:
            names |= _defined(node)
            if isinstance(node, ast.ClassDef):
                attrs = set().union(set(), *(_defined(n) for n in node.body))
                self.classes.setdefault(node.name, set()).update(attrs)
                names |= attrs
        self.strings |= {
            n.value
            for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str)
        }

    def module_files(self, name: str) -> list[str]:
        return [f for f in self.files if Path(f).stem == name or Path(f).parent.name == name]


def _defined(node: ast.stmt) -> set[str]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {node.name}
    if isinstance(node, ast.Assign | ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return set()


@cache
def source() -> Source:
    return Source()


def expand(path: str) -> list[str]:
    """``a/{b,c}.py`` -> ``a/b.py``, ``a/c.py``."""
    parts = re.split(r"\{([^}]*)\}", path)
    choices = [[p] if i % 2 == 0 else p.split(",") for i, p in enumerate(parts)]
    return ["".join(pick) for pick in product(*choices)]


def problems(text: str) -> list[str]:
    """Every name in ``text`` that the code does not have."""
    code, found = source(), []
    for token in CITED.findall(text):
        if "/" in token or (ROOT / token).exists():
            found += [f"no file {p}" for p in expand(token) if not (ROOT / p).exists()]
        elif "=" in token and IDENTIFIER.match(token.split("=", 1)[0]):
            name = token.split("=", 1)[0]
            if name.isupper() and not hasattr(settings, name):
                found.append(f"no setting {name}")
        elif DOTTED.match(token):
            if not _resolves(token, code):
                found.append(f"nothing called {token}")
        elif match := IDENTIFIER.match(token):
            name = match[1]
            checked = "_" in name or name[0].isupper()
            known = name in code.names or name in code.strings or hasattr(settings, name)
            if checked and not known:
                found.append(f"nothing called {name}")
    for path, name in IN_FILE.findall(text):
        files = expand(path)
        if all(name not in code.files.get(f, ()) for f in files):
            found.append(f"{path} defines no {name}")
    return found


def _resolves(dotted: str, code: Source) -> bool:
    parts = dotted.split(".")
    head, attr = parts[0], parts[1]
    if head in APPS:  # a module of ours, then its attributes; or a model, app.Model
        for cut in range(len(parts) - 1, 0, -1):
            try:
                target = importlib.import_module(".".join(parts[:cut]))
            except ImportError:
                continue
            try:
                for name in parts[cut:]:
                    target = getattr(target, name)
            except AttributeError:
                break
            return True
        return len(parts) == 2 and any(
            m._meta.app_label == head and m.__name__ == attr for m in apps.get_models()
        )
    if head[0].isupper():  # a class: its own attributes, or a model's relations
        models = [m for m in apps.get_models() if m.__name__ == head]
        return attr in code.classes.get(head, ()) or any(hasattr(m, attr) for m in models)
    return any(attr in code.files[f] for f in code.module_files(head))


def test_the_architecture_page_names_only_what_exists():
    assert problems((ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")) == []


def test_a_renamed_file_module_or_function_is_caught():
    doc = (
        "`chat/nowhere.py`, `chat/{turns,gone}.py`, `chat/turns.py` `NoSuchRunner`, "
        "`turns.NoSuchRunner`, `chat.tasks.no_such_task`, `Participant.no_relation`, "
        "`agent_turn_never`, `DYAD_NO_SUCH=1`; but `chat/turns.py` `TurnRunner`, "
        "`Participant.chat_sessions`, `turns.TurnRunner`, `slow_down` and `message` are there."
    )
    assert problems(doc) == [
        "no file chat/nowhere.py",
        "no file chat/gone.py",
        "nothing called NoSuchRunner",
        "nothing called turns.NoSuchRunner",
        "nothing called chat.tasks.no_such_task",
        "nothing called Participant.no_relation",
        "nothing called agent_turn_never",
        "no setting DYAD_NO_SUCH",
        "chat/turns.py defines no NoSuchRunner",
    ]
