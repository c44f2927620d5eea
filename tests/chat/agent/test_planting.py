"""Planted drift (chat.agent.planting): at the rate asked, seeded, only of kinds the identity
allows, recorded beside the reply; through the offline backend, the reply says its line."""

from __future__ import annotations

import asyncio
import copy

import pytest
from scipy import stats as sp

from chat.agent import planting
from chat.agent.backends import Finish, ScriptedBackend
from chat.agent.persona import Turn, build_prompt, parse_reply
from chat.agent.probes import PROBES
from tests.chat.agent.states import MIRA, QUILL

KNOWN = copy.deepcopy(MIRA)  # Mira, who knows her partner and what they agreed
KNOWN["partner"] |= {"name": "Sam", "interests": ["jazz", "chess"]}
KNOWN["common_ground"] = {"a": "we use first names"}


def drift(rate: float, key: str, probe: str = "") -> dict:
    return planting.settings(rate, key, probe)["drift"]


def test_no_rate_no_drift_and_every_reply_at_rate_one():
    assert planting.settings(0, "k") == {} and planting.draw(None, MIRA) is None
    assert all(planting.draw(drift(1, f"k{i}"), MIRA) for i in range(50))


def test_the_same_key_draws_the_same_drift_and_the_rate_holds_over_many_replies():
    assert planting.draw(drift(0.5, "s:1"), KNOWN) == planting.draw(drift(0.5, "s:1"), KNOWN)
    n = 4000
    drifted = sum(planting.draw(drift(0.2, f"P-X:1:turn {i}"), KNOWN) is not None for i in range(n))
    low, high = sp.binom.ppf([0.0005, 0.9995], n, 0.2)
    assert low <= drifted <= high


def test_a_reply_drifts_only_in_ways_its_identity_allows():
    def targets(state) -> set[str]:
        return {planting.draw(drift(1, f"k{i}"), state).target for i in range(300)}

    persona = {"persona.name", "persona.role", "persona.values", "persona.register"}
    assert targets(MIRA) == persona  # no partner yet: nothing to forget
    assert targets(KNOWN) == persona | {"partner.name", "partner.interests"}
    assert targets(QUILL) == persona - {"persona.values"}  # Quill values nothing


def test_what_a_drifting_reply_says_differs_from_the_identity():
    for i in range(300):
        planted = planting.draw(drift(1, f"k{i}"), KNOWN)
        assert planted.truth and planted.text
        if planted.kind == "contradicts":
            assert planted.said and planted.said.casefold() not in planted.truth.casefold()
            assert planted.truth.casefold() not in planted.text.casefold()
        else:
            assert planted.kind == "forgets" and planted.said == ""
    name = next(
        p
        for i in range(50)
        if (p := planting.draw(drift(1, f"n{i}"), KNOWN)).target == "persona.name"
    )
    assert name.text == f"I'm {name.said}, by the way." and name.truth == "Mira"
    register = planting.draw(drift(1, "r"), QUILL)
    while register.target != "persona.register":
        register = planting.draw(drift(1, register.text + "x"), QUILL)
    assert register.said == "slangy"  # formal Quill turns slangy; casual Mira, formal


@pytest.mark.parametrize("probe", PROBES, ids=lambda p: p.key)
def test_a_probe_answer_drifts_against_the_field_it_asks_about(probe):
    planted = planting.draw(drift(1, "q", probe.key), KNOWN)
    assert planted.target == probe.target
    assert planting.record(planted) == {
        "kind": planted.kind,
        "target": probe.target,
        "said": planted.said,
        "truth": planted.truth,
    }


def test_a_probe_the_identity_holds_nothing_for_never_drifts():
    for key in ("partner_name", "partner_interests", "common_ground"):
        assert all(planting.draw(drift(1, f"q{i}", key), MIRA) is None for i in range(20))


def reply(state, text, settings, mode="propose"):
    prompt = build_prompt(state, [Turn("participant", text)], agent_writes=mode)
    pieces = list(ScriptedBackend().stream(prompt, settings=settings))
    finish = pieces[-1]
    assert isinstance(finish, Finish)
    return parse_reply("".join(p for p in pieces if isinstance(p, str))), finish


def test_the_offline_agent_says_the_planted_line_and_records_it_beside_the_reply():
    clean, finish = reply(MIRA, "Who are you?", {})
    assert clean.text.startswith("I'm Mira") and finish.planted is None
    settings = planting.settings(1, "x")
    drifted, finish = reply(MIRA, "Who are you?", settings)
    planted = planting.draw(settings["drift"], MIRA)
    assert drifted.text == planted.text and finish.planted == planting.record(planted)
    # Its suggestions still reach the panel: only its own answer is replaced.
    proposing, finish = reply(MIRA, "Call yourself Nova.", settings)
    assert [p["value"] for p in proposing.proposals] == ["Nova"] and finish.planted
    assert "suggested it in the panel" in proposing.text


def test_streaming_and_whole_replies_plant_the_same_drift():
    prompt = build_prompt(MIRA, [Turn("participant", "hello")])
    settings = planting.settings(1, "same")

    async def collect():
        return [p async for p in ScriptedBackend().astream(prompt, settings=settings)]

    pieces = asyncio.run(collect())
    whole = list(ScriptedBackend().stream(prompt, settings=settings))
    assert pieces[-1] == whole[-1] and pieces[0] == "".join(whole[:-1])
