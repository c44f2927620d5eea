"""The drift measures against planted drift (dashboard.validation): each rule's flag, the
counts behind sensitivity and specificity; and, offline, what the measures find of the
drift the offline agent plants: every planted name contradiction, every planted Q&A answer."""

from __future__ import annotations

import copy

import pytest

from chat.agent import planting
from chat.agent.backends import ScriptedBackend
from chat.agent.persona import Turn, build_prompt, parse_reply
from chat.agent.probes import PROBES
from dashboard import validation
from dashboard.measures import drift
from dashboard.stats import proportion
from tests.chat.agent.states import MIRA

FLAG = {rule.key: f"flag_{rule.key}" for rule in validation.RULES}


def test_each_rule_flags_by_its_stated_threshold_and_says_nothing_where_nothing_was_scored():
    reply = {
        "contradicts_persona": "name: Greta (persona: Mira)",
        "contradicts_line": "",
        "prompt_to_line": validation.PROMPT_TO_LINE_BELOW,  # at the threshold: not below
        "line_to_line": None,  # the session's first reply
        "judge_prompt_to_line": 3,
        "judge_line_to_line": 4,
    }
    flags = validation.flags(reply, "reply")
    assert flags == {
        FLAG["contradicts_persona"]: True,
        FLAG["contradicts_line"]: False,
        FLAG["prompt_to_line"]: False,
        FLAG["line_to_line"]: None,
        FLAG["qa"]: None,
        FLAG["judge_prompt_to_line"]: True,
        FLAG["judge_line_to_line"]: False,
        FLAG["judge_qa"]: None,
    }
    probe = {"qa": 0.5, "contradicts_persona": "name: Greta (persona: Mira)"}
    flags = validation.flags(probe, "probe")
    assert flags[FLAG["qa"]] is True and flags[FLAG["judge_qa"]] is None  # no judge
    assert flags[FLAG["contradicts_persona"]] is None  # a reply's check, not a probe's
    assert validation.flags({"qa": 1.0}, "probe")[FLAG["qa"]] is False


def row(planted: bool, target: str = "persona.name", **flags) -> dict:
    out = dict.fromkeys(validation.FLAGS)
    out |= {FLAG[key]: value for key, value in flags.items()}
    return out | {"planted": planted, "planted_kind": "contradicts", "planted_target": target}


def test_sensitivity_and_specificity_count_only_what_each_measure_scored():
    rows = [
        row(True, contradicts_persona=True, qa=None),
        row(True, contradicts_persona=False),
        row(True, "persona.role", contradicts_persona=False),
        row(False, contradicts_persona=False),
        row(False, contradicts_persona=True),
        row(False, contradicts_persona=False),
        row(False, qa=False),  # a probe
    ]
    by_key = {v.rule.key: v for v in validation.validate(rows)}
    persona = by_key["contradicts_persona"]
    assert persona.sensitivity == proportion(1, 3)
    assert persona.specificity == proportion(2, 3)
    assert persona.false_positives == proportion(1, 3)
    assert by_key["qa"].sensitivity == proportion(0, 0)
    assert by_key["qa"].specificity == proportion(1, 1)
    assert by_key["judge_qa"].specificity.n == 0
    name, role = validation.by_target(rows)
    assert (name.target, name.n, role.target, role.n) == ("persona.name", 2, "persona.role", 1)
    keys = [rule.key for rule in validation.RULES]
    assert name.detected[keys.index("contradicts_persona")] == proportion(1, 2)


KNOWN = copy.deepcopy(MIRA)
KNOWN["partner"] |= {"name": "Sam", "interests": ["jazz"]}
KNOWN["common_ground"] = {"a": "we use first names"}
OPENINGS = ("Hi! Let's plan a trip.", "What should I pack?", "I see.", "Who are you?")


def session(seed: str, rate: float = 0.5, n: int = 8):
    """A session's replies of the offline agent at a planted rate: (Line, planted) pairs."""
    lines, truth = [], []
    for i in range(n):
        settings = planting.settings(rate, f"{seed}:turn {2 * i + 2}")
        prompt = build_prompt(KNOWN, [Turn("participant", OPENINGS[i % len(OPENINGS)])])
        pieces = list(ScriptedBackend().stream(prompt, settings=settings))
        text = parse_reply("".join(p for p in pieces if isinstance(p, str))).text
        lines.append(drift.Line(i, 2 * i + 2, text, 1, KNOWN))
        truth.append(pieces[-1].planted)
    return lines, truth


def test_the_exact_checks_find_every_planted_name_contradiction_and_flag_no_clean_reply():
    names = clean = 0
    for seed in range(40):
        lines, truth = session(f"s{seed}")
        for score, planted in zip(drift.lines(lines), truth, strict=True):
            if planted and planted["target"] == "persona.name":
                names += 1
                assert score.contradicts_persona == (
                    f"name: {planted['said']} (persona: {planted['truth']})"
                )
                assert score.claimed_name == planted["said"]
            elif not planted:
                clean += 1
                assert score.contradicts_persona == ""
    assert names >= 20 and clean >= 100


@pytest.mark.parametrize("probe", PROBES, ids=lambda p: p.key)
def test_q_and_a_finds_every_planted_answer_and_passes_every_clean_one(probe):
    for seed in range(10):
        settings = planting.settings(0.5, f"q{seed}", probe.key)
        prompt = build_prompt(KNOWN, [Turn("participant", probe.questions["en"])])
        pieces = list(ScriptedBackend().stream(prompt, settings=settings))
        answer = parse_reply("".join(p for p in pieces if isinstance(p, str))).text
        scored = drift.probe(probe, answer, KNOWN)
        assert (scored.qa < 1) == bool(pieces[-1].planted), (answer, scored)
