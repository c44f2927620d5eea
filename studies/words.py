"""Translation for pure modules, which may not import Django. Pure: no Django imports.

``_(text)`` translates now, into the language active for this request or task, and
``gettext_noop(text)`` only marks text to be translated later (``makemessages`` finds both).
Until Django installs its ``gettext`` (``StudiesConfig.ready``), and in pure tests, text
stays as written: English.
"""

from __future__ import annotations

from collections.abc import Callable

_translate: Callable[[str], str] = str


def _(text: str) -> str:
    return _translate(text)


def gettext_noop(text: str) -> str:
    return text


def install(translate: Callable[[str], str]) -> None:
    global _translate
    _translate = translate
