"""Drift: prompt-to-line (does a reply fit the identity it was given?), line-to-line (do the
agent's replies fit each other?) and Q&A (does it answer questions about itself as its
identity says?). Pure; offline and deterministic (docs/data.md, where their limits are).

- prompt-to-line: cosine similarity of word TF-IDF vectors (scikit-learn, fitted on the
  session's own texts) between a reply and the identity it was bound to, 0-1;
- line-to-line: cosine similarity of character 2-4-gram TF-IDF vectors between a reply and
  the agent's previous one, 0-1 (a stylistic measure: wording and register);
- exact checks: a reply that gives the agent another name than the persona's, or another
  age than its backstory's, contradicts it; one that gives another name than an earlier
  reply did under the same persona name contradicts that line;
- Q&A: names checked exactly (1 or 0); texts and lists by the share of their words (or
  items) the answer holds, 0-1.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from chat.agent.probes import Probe, expected

from . import text as tx

_NAME = r"(?P<name>[^\W\d_][\w'-]*)"
NAME_CLAIMS = (
    re.compile(rf"\bI(?:'m|’m| am)\s+{_NAME}(?=\s*(?:[,.!?;:]|$|\s+(?:here|and)\b))"),
    re.compile(rf"(?i:\bmy name is|\bmy name's|\bcall me|\bich heiße|\bmein name ist)\s+{_NAME}"),
    re.compile(rf"(?:^|[.!?]\s+){_NAME} here\b"),
    re.compile(rf"\b(?i:ich bin)\s+{_NAME}(?=\s*(?:[,.!?;:]|$))"),
)
_NOT_NAMES = "sorry happy glad not so just really sure afraid fine good okay ok"
NOT_NAMES = frozenset(_NOT_NAMES.split())  # "I'm Sorry" at the start of a line is no name
AGE_CLAIM = re.compile(r"(?i)\b(?:I'm|I am|ich bin)\s+(\d{1,3})\b")
AGE_STATED = re.compile(r"(?i)\b(\d{1,3})[- ](?:years?[- ]old|jahre alt|jährig)|\baged (\d{1,3})\b")


class Line(NamedTuple):
    message_id: int
    turn: int
    text: str
    identity_version: int | None
    state: dict  # the identity that version held
    revisions_seen: int | None = None  # the last ledger row the agent had seen


class LineScore(NamedTuple):
    message_id: int
    turn: int
    identity_version: int | None
    prompt_to_line: float | None
    line_to_line: float | None  # None for the session's first reply
    claimed_name: str
    contradicts_persona: str  # "" or what it contradicts, e.g. "name: Bob (persona: Mira)"
    contradicts_line: str  # "" or e.g. "name: Bob (turn 4: Mira)"


class ProbeScore(NamedTuple):
    key: str
    expected: str
    qa: float | None  # None: the identity holds nothing to check the answer against
    claimed_name: str
    contradicts_persona: str


def identity_text(state: dict) -> str:
    persona = state.get("persona", {})
    partner = state.get("partner", {})
    parts = [persona.get(k) for k in ("name", "role", "backstory", "register")]
    parts += list(persona.get("values") or [])
    parts += [partner.get(k) for k in ("name", "about", "style")]
    parts += list(partner.get("interests") or [])
    # By statement id: the order PostgreSQL keeps a JSON object's keys in is not the order
    # they were added in, and the exports must reproduce the text exactly.
    common = state.get("common_ground", {})
    parts += [common[k] for k in sorted(common)]
    return " ".join(str(p) for p in parts if p)


QUOTED = re.compile(r'"[^"]*"|“[^”]*”|„[^“”]*[“”]|«[^»]*»|「[^」]*」')


def claimed_name(text: str) -> str:
    """The name a reply gives the agent ("I'm Mira", "my name is Mira", "Mira here"), or "".
    Quoted passages are left out: they are someone else's words."""
    text = QUOTED.sub(" ", text)
    for pattern in NAME_CLAIMS:
        for match in pattern.finditer(text):
            name = match.group("name")
            if name.casefold() not in NOT_NAMES and (name[0].isupper() or not name.isascii()):
                return name
    return ""


def _stated_age(state: dict) -> int | None:
    persona = state.get("persona", {})
    match = AGE_STATED.search(f"{persona.get('role', '')} {persona.get('backstory', '')}")
    return int(match.group(1) or match.group(2)) if match else None


def _name_fits(name: str, persona_name: str) -> bool:
    return tx.fold(name) in tx.words(persona_name) or tx.fold(name) == tx.fold(persona_name)


def persona_contradiction(text: str, state: dict) -> str:
    persona_name = str(state.get("persona", {}).get("name", ""))
    name = claimed_name(text)
    if name and persona_name and not _name_fits(name, persona_name):
        return f"name: {name} (persona: {persona_name})"
    age, claim = _stated_age(state), AGE_CLAIM.search(QUOTED.sub(" ", text))
    if age is not None and claim and int(claim.group(1)) != age:
        return f"age: {claim.group(1)} (persona: {age})"
    return ""


def _cosines(docs: list[str], pairs: list[tuple[int, int]], **vectorizer) -> list[float | None]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    if not pairs:
        return []
    try:
        matrix = TfidfVectorizer(**vectorizer).fit_transform(docs)
    except ValueError:  # nothing but stop words or punctuation: no vocabulary at all
        return [None] * len(pairs)
    out = []
    for a, b in pairs:
        if not docs[a].strip() or not docs[b].strip():
            out.append(None)
        else:
            out.append(round(float(cosine_similarity(matrix[a], matrix[b])[0, 0]), 4))
    return out


def lines(replies: Sequence[Line]) -> list[LineScore]:
    """Scores for the agent's replies of one session, in turn order."""
    texts = [r.text for r in replies]
    identities = [identity_text(r.state) for r in replies]
    n = len(replies)
    lexical = _cosines(
        texts + identities,
        [(i, n + i) for i in range(n)],
        analyzer="word",
        token_pattern=r"(?u)\b\w+\b",
        sublinear_tf=True,
    )
    style = _cosines(
        texts, [(i - 1, i) for i in range(1, n)], analyzer="char_wb", ngram_range=(2, 4)
    )
    scores, names = [], []  # names: (turn, claimed name, persona name) of earlier replies
    for i, reply in enumerate(replies):
        name = claimed_name(reply.text)
        persona_name = str(reply.state.get("persona", {}).get("name", ""))
        earlier = next(((t, n_) for t, n_, p in reversed(names) if p == persona_name), None)
        against_line = ""
        if name and earlier and tx.fold(earlier[1]) != tx.fold(name):
            against_line = f"name: {name} (turn {earlier[0]}: {earlier[1]})"
        if name:
            names.append((reply.turn, name, persona_name))
        scores.append(
            LineScore(
                reply.message_id,
                reply.turn,
                reply.identity_version,
                lexical[i],
                style[i - 1] if i else None,
                name,
                persona_contradiction(reply.text, reply.state),
                against_line,
            )
        )
    return scores


def probe(probe: Probe, answer: str, state: dict) -> ProbeScore:
    want = expected(probe, state)
    items = tx.as_items(want)
    name = claimed_name(answer)
    contradiction = persona_contradiction(answer, state) if probe.key == "name" else ""
    if not items:
        qa = None
    elif probe.kind == "name":
        qa = 0.0 if contradiction else float(tx.mentions(answer, items[0]))
    elif probe.kind == "list":
        qa = sum(tx.mentions(answer, item) for item in items) / len(items)
    else:
        qa = tx.recall(items[0], answer)
    shown = "; ".join(items)
    return ProbeScore(probe.key, shown, None if qa is None else round(qa, 4), name, contradiction)
