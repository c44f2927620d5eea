"""Simulated participants who write with an LLM: the profile and the conversation go into
the prompt of one of the operator's endpoints. No Django (the endpoint is passed in)."""

from __future__ import annotations

import asyncio

from chat.agent.backends import OpenAICompatibleBackend

from .talk import Talker


def prompt(talker: Talker) -> list[dict]:
    p = talker.p
    traits = ", ".join(f"{t} {v}/7" for t, v in p.traits.items())
    length = "one short sentence" if p.verbosity < 1.5 else f"about {round(p.verbosity)} sentences"
    system = (
        "You are taking part in a research study, chatting with a conversational agent. "
        f"You want to {p.goal}. Your personality (Big Five, 1-7): {traits}. "
        f"Write {length}, as this person would type it in a chat box. Write only your next "
        "message: no quotes, no name, no stage directions. Sometimes, as a person might, tell "
        "the agent how to be (e.g. 'be more playful', 'call yourself Nova') or something about "
        "yourself ('I'm into chess', 'call me Sam')."
    )
    messages = [{"role": "system", "content": system}]
    for who, text in talker.history[-20:]:
        messages.append({"role": "assistant" if who == "participant" else "user", "content": text})
    if len(messages) == 1:
        messages.append({"role": "user", "content": "(The chat has just opened. Say hello.)"})
    return messages


def writer(endpoint, model: str):
    """An async writer for ``client.SimulatedParticipant`` using the endpoint and model; the
    key is read from the operator's variable, as for agent turns."""
    settings = {
        "base_url": endpoint.base_url,
        "api_key_env": endpoint.api_key_env,
        "model": model,
        "temperature": 0.9,
        "max_tokens": 150,
        "timeout": 60,
    }
    backend = OpenAICompatibleBackend()

    def complete(messages: list[dict]) -> str:
        pieces = backend.stream(messages, settings=settings)
        return "".join(piece for piece in pieces if isinstance(piece, str)).strip()

    async def write(talker: Talker, agent_text: str, first: bool) -> str:
        text = await asyncio.to_thread(complete, prompt(talker))
        return text[:1900] or talker.opening()

    return write
