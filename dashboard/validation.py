"""How well each drift measure finds the drift a pilot planted (``chat.agent.planting``):
each measure's decision rule (when a reply or Q&A answer counts as flagged), and its
sensitivity and specificity against the planted truth with exact 95% intervals. Pure: no
Django. docs/data.md ("Validating the drift measures") states the rules and the numbers.

The measures never see the planted truth: this module reads what they scored and what was
planted, side by side, after the fact.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

from .stats import Proportion, proportion

# Fixed before the validation runs (docs/data.md): a reply that shares almost no wording
# with its identity, or whose wording is far from the agent's previous reply.
PROMPT_TO_LINE_BELOW = 0.02
LINE_TO_LINE_BELOW = 0.10
JUDGE_AT_MOST = 3  # the rubric's "partly inconsistent" or worse


class Rule(NamedTuple):
    key: str  # the measure's column in agent_consistency.csv; its flag is flag_<key>
    label: str
    kind: str  # what it scores: "reply" or "probe"
    rule: str  # the decision rule, in words
    flag: Callable[[dict], bool | None]  # from a scored reply or probe; None: not scored


def _given(key: str) -> Callable[[dict], bool | None]:
    return lambda scored: bool(scored.get(key))


def _below(key: str, threshold: float) -> Callable[[dict], bool | None]:
    return lambda scored: None if scored.get(key) is None else scored[key] < threshold


def _at_most(key: str, threshold: int) -> Callable[[dict], bool | None]:
    return lambda scored: None if scored.get(key) is None else scored[key] <= threshold


RULES = (
    Rule(
        "contradicts_persona",
        "Contradicts the persona (exact check)",
        "reply",
        "it gives the agent another name or age than the persona's",
        _given("contradicts_persona"),
    ),
    Rule(
        "contradicts_line",
        "Contradicts an earlier reply (exact check)",
        "reply",
        "it gives the agent another name than an earlier reply did",
        _given("contradicts_line"),
    ),
    Rule(
        "prompt_to_line",
        "Prompt-to-line similarity",
        "reply",
        f"it shares almost no wording with its identity: similarity below {PROMPT_TO_LINE_BELOW}",
        _below("prompt_to_line", PROMPT_TO_LINE_BELOW),
    ),
    Rule(
        "line_to_line",
        "Line-to-line similarity",
        "reply",
        f"its wording is far from the previous reply's: similarity below {LINE_TO_LINE_BELOW}",
        _below("line_to_line", LINE_TO_LINE_BELOW),
    ),
    Rule(
        "qa",
        "Q&A consistency",
        "probe",
        "the answer misses part of what the identity holds: Q&A below 1",
        _below("qa", 1),
    ),
    Rule(
        "judge_prompt_to_line",
        "Judge: prompt-to-line",
        "reply",
        f"the judge scores it {JUDGE_AT_MOST} or lower (1-7), where judged",
        _at_most("judge_prompt_to_line", JUDGE_AT_MOST),
    ),
    Rule(
        "judge_line_to_line",
        "Judge: line-to-line",
        "reply",
        f"the judge scores it {JUDGE_AT_MOST} or lower (1-7), where judged",
        _at_most("judge_line_to_line", JUDGE_AT_MOST),
    ),
    Rule(
        "judge_qa",
        "Judge: Q&A",
        "probe",
        f"the judge scores it {JUDGE_AT_MOST} or lower (1-7), where judged",
        _at_most("judge_qa", JUDGE_AT_MOST),
    ),
)
FLAGS = tuple(f"flag_{rule.key}" for rule in RULES)


def flags(scored: dict, kind: str) -> dict[str, bool | None]:
    """Each rule's flag (``flag_<key>``) for one scored reply or probe (a row of a
    ``SessionScore``'s ``replies`` or ``probes``): None where the rule scores the other
    kind, or the measure left it empty (the first reply's line-to-line; no judge)."""
    return {f"flag_{rule.key}": rule.flag(scored) if rule.kind == kind else None for rule in RULES}


class Validation(NamedTuple):
    rule: Rule
    sensitivity: Proportion  # planted items flagged, of the planted items the rule scored
    specificity: Proportion  # clean items not flagged, of the clean items it scored
    false_positives: Proportion  # clean items flagged: 1 - specificity


def validate(rows: Iterable[dict]) -> list[Validation]:
    """Per rule, against the planted truth: ``rows`` hold ``planted`` (bool) and each flag
    (``flags``); an item the rule did not score (flag None) is left out of its counts."""
    rows = list(rows)
    out = []
    for rule, name in zip(RULES, FLAGS, strict=True):
        drifted = [r[name] for r in rows if r["planted"] and r[name] is not None]
        clean = [r[name] for r in rows if not r["planted"] and r[name] is not None]
        flagged = sum(clean)
        out.append(
            Validation(
                rule,
                proportion(sum(drifted), len(drifted)),
                proportion(len(clean) - flagged, len(clean)),
                proportion(flagged, len(clean)),
            )
        )
    return out


class ByTarget(NamedTuple):
    kind: str  # "contradicts" or "forgets"
    target: str  # the identity field, e.g. "persona.name"
    n: int  # items planted so
    detected: Sequence[Proportion]  # per rule (in RULES order): the share it flagged


def by_target(rows: Iterable[dict]) -> list[ByTarget]:
    """The planted items by kind and field, and which share of them each rule flagged:
    what each measure can find and what it cannot."""
    groups: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        if row["planted"]:
            groups.setdefault((row["planted_kind"], row["planted_target"]), []).append(row)
    out = []
    for (kind, target), items in sorted(groups.items()):
        detected = []
        for name in FLAGS:
            scored = [r[name] for r in items if r[name] is not None]
            detected.append(proportion(sum(scored), len(scored)))
        out.append(ByTarget(kind, target, len(items), detected))
    return out
