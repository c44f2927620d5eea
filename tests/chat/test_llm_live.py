"""Optional: a real endpoint. Runs when DYAD_LLM_BASE_URL and DYAD_LLM_MODEL are set (with
DYAD_LLM_API_KEY if the endpoint needs one); skipped otherwise."""

from __future__ import annotations

import os

import pytest

from chat.agent.backends import Finish, OpenAICompatibleBackend, ToolCall
from chat.agent.persona import TOOLS, Turn, build_prompt
from chat.identity import seed_state

BASE_URL = os.environ.get("DYAD_LLM_BASE_URL", "")
MODEL = os.environ.get("DYAD_LLM_MODEL", "")

pytestmark = pytest.mark.skipif(
    not (BASE_URL and MODEL),
    reason="Live LLM test skipped: set DYAD_LLM_BASE_URL and DYAD_LLM_MODEL (and "
    "DYAD_LLM_API_KEY if needed) to run it against a real endpoint.",
)


def test_a_real_endpoint_answers_in_character():
    state = seed_state({"name": "Mira", "role": "a travel companion", "register": "casual"})
    prompt = build_prompt(
        state,
        [Turn("participant", "Hi! What's your name?")],
        agent_writes="propose",
        proposal_format="tools",
    )
    settings = {
        "base_url": BASE_URL,
        "model": MODEL,
        "temperature": 0.2,
        "max_tokens": 120,
        "api_key_env": "DYAD_LLM_API_KEY" if os.environ.get("DYAD_LLM_API_KEY") else "",
        "timeout": 120,
    }
    pieces = list(OpenAICompatibleBackend().stream(prompt, settings=settings, tools=TOOLS))
    text = "".join(p for p in pieces if isinstance(p, str))
    calls = [p for p in pieces if isinstance(p, ToolCall)]
    assert text.strip() or calls
    assert isinstance(pieces[-1], Finish) and pieces[-1].finish_reason
