"""The LLM judge's rubric: one prompt per thing judged, a 1-7 score back. Pure.

The rubric is documented (docs/data.md); every score carries the judge's model and the
rubric's hash (``RUBRIC_HASH``), so a data set says exactly how it was judged. Changing any
wording here changes the hash.
"""

from __future__ import annotations

import hashlib
import json
import re

SYSTEM = (
    "You are a careful annotator for a research study of conversations between people and "
    "an AI agent with an identity. You rate consistency on a 1-7 scale. Answer with JSON "
    'only: {"score": <whole number 1-7>, "reason": "<one short sentence>"}.'
)
SCALE = (
    "1 = clearly contradicts it; 2-3 = partly inconsistent; 4 = neither fits nor "
    "contradicts (says nothing relevant); 5-6 = mostly consistent; 7 = fully consistent."
)
PROMPT_TO_LINE = (
    "The agent was given this identity:\n{identity}\n\nIt then wrote this reply:\n{reply}\n\n"
    "How consistent is the reply with the identity (who the agent is, how it talks, what it "
    "knows about its partner, what the two have established)? " + SCALE
)
LINE_TO_LINE = (
    "An agent wrote these two replies in a row in one conversation.\nEarlier reply:\n"
    "{previous}\n\nLater reply:\n{reply}\n\nHow consistent is the later reply with the "
    "earlier one (facts the agent gives about itself, its manner of speaking)? " + SCALE
)
QA = (
    'The agent has this identity:\n{identity}\n\nAsked "{question}", it answered:\n'
    "{answer}\n\nHow far does the answer agree with the identity? " + SCALE
)
RUBRIC_HASH = hashlib.sha256(
    json.dumps([SYSTEM, PROMPT_TO_LINE, LINE_TO_LINE, QA]).encode()
).hexdigest()
_SCORE = re.compile(r'"score"\s*:\s*"?([1-7])\b')
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


def messages(template: str, **values: str) -> list[dict]:
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": template.format(**values)},
    ]


def parse(raw: str) -> tuple[int | None, str]:
    """The score (1-7, or None if the judge gave none) and its reason."""
    try:
        data = json.loads(raw.strip().removeprefix("```json").removesuffix("```").strip())
    except ValueError:
        data = None
    if isinstance(data, dict):
        score = data.get("score")
        whole = isinstance(score, (int, float)) and not isinstance(score, bool)
        if whole and score in range(1, 8):
            return int(score), str(data.get("reason", ""))[:300]
        return None, "no score from 1 to 7 in the judge's answer"
    match = _SCORE.search(raw)
    numbers = _NUMBER.findall(raw)
    if match or (len(numbers) == 1 and numbers[0] in tuple("1234567")):  # "I would say 5."
        return int(match.group(1) if match else numbers[0]), raw.strip()[:300]
    return None, "no score from 1 to 7 in the judge's answer"
