"""How the measures read text: words, mentions of a value, content words. Pure.

Deliberately simple and documented as coarse (docs/data.md): case-folded, whitespace
collapsed; a short value (a name, a register) is mentioned where it appears as a whole word
(as a substring in scripts written without spaces, such as Japanese); a longer one where at
least half of its content words (or, without spaces, its character pairs) appear.
"""

from __future__ import annotations

import re
import unicodedata

WORD = re.compile(r"\w+")
SHORT_WORDS = 3  # values of up to this many words are matched whole
RECALL_NEEDED = 0.5
# Words too common to show that a value was taken up (English and German).
_STOP = """a an and are as at be but by for from has have i if in is it its me my of on or our
so that the their them they this to too was we were what when who will with you your
der die das und ein eine ich du wir ist nicht mit von zu den dem des auf für sie es"""
STOPWORDS = frozenset(_STOP.split())


def fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", str(text)).casefold().split())


def words(text: str) -> list[str]:
    return WORD.findall(fold(text))


def _spaced(text: str) -> bool:
    """Whether a text is written with spaces between words (most scripts) or without
    (Chinese, Japanese, Thai): then word boundaries mean nothing."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return True
    unspaced = sum(1 for c in letters if _unspaced_script(c))
    return unspaced * 2 < len(letters)


def _unspaced_script(char: str) -> bool:
    name = unicodedata.name(char, "")
    return name.startswith(("CJK", "HIRAGANA", "KATAKANA", "THAI", "LAO", "KHMER", "MYANMAR"))


def content_words(text: str) -> list[str]:
    return [w for w in words(text) if w not in STOPWORDS and (len(w) > 2 or not w.isascii())]


def _pairs(text: str) -> set[str]:
    squeezed = "".join(c for c in fold(text) if c.isalnum())
    return {squeezed[i : i + 2] for i in range(len(squeezed) - 1)} or {squeezed}


def recall(value: str, text: str) -> float | None:
    """Share of the value's content words found in the text (character pairs for scripts
    without spaces); None when the value has nothing to look for."""
    if not fold(value):
        return None
    if not _spaced(value):
        wanted = _pairs(value)
        return len(wanted & _pairs(text)) / len(wanted)
    wanted = set(content_words(value)) or set(words(value))
    if not wanted:
        return None
    return len(wanted & set(words(text))) / len(wanted)


def mentions(text: str, value: str) -> bool:
    """Whether ``text`` mentions ``value`` (see the module's docstring)."""
    needle, hay = fold(value), fold(text)
    if not needle:
        return False
    if len(needle.split()) <= SHORT_WORDS:
        if not _spaced(needle):
            return needle in hay
        return re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", hay) is not None
    found = recall(value, text)
    return found is not None and found >= RECALL_NEEDED


def as_items(value) -> list[str]:
    """A field's value as the texts to look for: a list's items, or the one text."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value if str(v).strip()]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return []  # a 1-7 scale: not something a reply says in words
    return [str(value)] if str(value).strip() else []
