"""What a simulated participant writes and does in the chat, offline. Pure: no Django.

Seeded (the same profile and seed give the same conversation), and reacting to what the
agent said: questions get answers, suggestions get a yes or a no, acknowledgements move the
topic on. The profile shapes it: verbosity sets the length, the Big Five the tone
(extraversion: exclamations; agreeableness: thanks and please; openness: curious questions;
conscientiousness: ordered plans; neuroticism: hedges). Now and then, as the profile's
openness and edit rate say, they shape the shared identity in words the agent understands
("call yourself ...", "be more ...", "I'm into ...", "let's agree that ...") or in the panel.
"""

from __future__ import annotations

import random

from .profiles import Profile

TOPICS = {
    "plan a weekend trip": (
        ["a weekend in Lisbon", "a quiet town by the sea", "two days of hiking", "a food trip"],
        ["Where would you start?", "What should I pack?", "Is the train a good idea?"],
    ),
    "get advice on a hobby": (
        ["getting into watercolours", "learning the guitar", "starting to run", "baking bread"],
        ["How often should I practise?", "What do beginners get wrong?", "What gear matters?"],
    ),
    "talk about a book they read": (
        ["a novel about a lighthouse keeper", "a history of maps", "a book of short stories"],
        ["Do you like endings that stay open?", "Which character would you be?"],
    ),
    "prepare for a job interview": (
        ["an interview for a design job", "a first interview in years", "a panel interview"],
        ["How do I answer the weakness question?", "What should I ask them?"],
    ),
    "decide what to cook this week": (
        ["cheap dinners for the week", "something with lentils", "cooking for friends"],
        ["What can I make ahead?", "Any idea for a dessert?", "What goes with rice?"],
    ),
    "find a new podcast": (
        ["a podcast for long walks", "something about science", "true stories, not crime"],
        ["How long should an episode be?", "Do you know any in German?"],
    ),
}
NAMES = ("Nova", "Juno", "Kai", "Ren", "Ola", "Tess", "Max", "Lia")
REGISTERS = ("playful", "formal", "calm", "direct", "warm", "curious")
INTERESTS = ("birdwatching", "chess", "jazz", "gardening", "climbing", "old films")
AGREEMENTS = (
    "we use first names",
    "you help me plan, I decide",
    "we keep answers short",
    "we can joke around",
)
VALUES = ("honesty", "patience", "humour", "curiosity", "care")
STYLES = ("short and direct", "chatty", "with examples", "step by step")


class Talker:
    def __init__(self, profile: Profile):
        self.p = profile
        self.rng = random.Random(profile.seed)
        topics, questions = TOPICS.get(profile.goal, TOPICS["plan a weekend trip"])
        self.topic = self.rng.choice(topics)
        self.questions = list(questions)
        self.rng.shuffle(self.questions)
        self.sent = 0
        self.history: list[tuple[str, str]] = []  # (sender, text): the conversation so far

    # -- what they write -------------------------------------------------------------------

    def opening(self) -> str:
        hello = "Hi!" if self.p.traits["extraversion"] >= 5 else "Hello."
        return self._shape([hello, f"I'd like to talk about {self.topic}."])

    def next_message(self, agent_text: str) -> str:
        """The next message, given what the agent last said."""
        self.sent += 1
        parts = [self._react(agent_text)]
        shaping = self._shaping_phrase()
        if shaping:
            parts.append(shaping)
        while len(parts) < self._sentences():
            parts.append(self._more())
        return self._shape(parts)

    def _react(self, agent_text: str) -> str:
        lowered = agent_text.lower()
        if "shall i" in lowered or "suggested it in the panel" in lowered:
            return "Sure, why not." if self.rng.random() < self.p.accept_rate else "Hmm, maybe not."
        if "?" in agent_text:
            return self.rng.choice(
                ["Good question.", "I think so, yes.", "Not sure, to be honest.", "Probably."]
            )
        if "noted" in lowered or "it is" in lowered or "agreed" in lowered:
            return "Thanks for taking that on board."
        return self.rng.choice(["I see.", "That makes sense.", "Okay.", "Interesting."])

    def _more(self) -> str:
        if self.questions and self.rng.random() < 0.4 + (self.p.traits["openness"] - 4) * 0.08:
            return self.questions.pop()
        if self.p.traits["conscientiousness"] >= 5:
            return f"First I want to sort out {self.topic}, then the details."
        return self.rng.choice(
            [
                f"I keep thinking about {self.topic}.",
                "It has been on my mind for a while.",
                "A friend suggested it.",
                "I have a free weekend coming up.",
            ]
        )

    def _shaping_phrase(self) -> str | None:
        chance = 0.15 + (self.p.traits["openness"] - 4) * 0.04
        if self.rng.random() >= chance:
            return None
        return self.rng.choice(
            [
                f"Call yourself {self.rng.choice(NAMES)}.",
                f"Please be more {self.rng.choice(REGISTERS)}.",
                f"I'm into {self.rng.choice(INTERESTS)}.",
                f"Let's agree that {self.rng.choice(AGREEMENTS)}.",
                f"Call me {self.rng.choice(NAMES)}.",
            ]
        )

    def _sentences(self) -> int:
        return max(1, round(self.rng.gauss(self.p.verbosity, 0.5)))

    def _shape(self, parts: list[str]) -> str:
        t = self.p.traits
        if t["agreeableness"] >= 6 and self.rng.random() < 0.3:
            parts.append("Thanks!")
        if t["neuroticism"] >= 6 and self.rng.random() < 0.4:
            parts.insert(0, "Sorry if this is a silly question, but")
        text = " ".join(parts)
        if t["extraversion"] >= 6 and text.endswith("."):
            text = text[:-1] + "!"
        return text

    # -- what they do in the panel ---------------------------------------------------------

    def accepts(self) -> bool:
        """Whether they accept the agent's suggestion in front of them."""
        return self.rng.random() < self.p.accept_rate

    def edit(self) -> tuple[str, str] | None:
        """A change to make in the panel now (target, value), or None."""
        if not self.p.edit_fields or self.rng.random() >= self.p.edit_rate:
            return None
        target = self.rng.choice(self.p.edit_fields)
        values = {
            "persona.register": REGISTERS,
            "persona.name": NAMES,
            "persona.values": tuple(", ".join(self.rng.sample(VALUES, 2)) for _ in range(3)),
            "partner.name": NAMES,
            "partner.interests": INTERESTS,
            "partner.style": STYLES,
            "common_ground": AGREEMENTS,
        }
        return target, self.rng.choice(values.get(target, AGREEMENTS))

    # -- how long it takes -----------------------------------------------------------------

    def reading_seconds(self, text: str) -> float:
        return len(text.split()) / self.p.reading_wps

    def writing_seconds(self, text: str) -> float:
        return self.p.thinking_s * self.rng.uniform(0.5, 1.5) + len(text) / self.p.typing_cps
