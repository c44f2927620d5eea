"""Messages that follow the profile and react to the agent."""

from __future__ import annotations

from dashboard.simulate import profiles
from dashboard.simulate.talk import Talker


def test_the_same_profile_writes_the_same_conversation():
    p = profiles.profiles(1, seed=3)[0]
    a, b = Talker(p), Talker(p)
    replies = ["Hi, I'm Mira. What's on your mind?", "Where would you like to go?", "Noted."]
    assert [a.opening()] + [a.next_message(r) for r in replies] == [b.opening()] + [
        b.next_message(r) for r in replies
    ]


def test_messages_react_to_the_agent_and_follow_the_profile():
    p = profiles.profiles(1, seed=4)[0]
    p.accept_rate, p.verbosity = 1.0, 1.0
    talker = Talker(p)
    assert talker.next_message("Shall I go by Nova?").startswith("Sure")
    p.accept_rate = 0.0
    assert Talker(p).next_message("Shall I go by Nova?").startswith("Hmm")
    wordy = profiles.profiles(1, seed=4)[0]
    wordy.verbosity = 4.0
    short = sum(len(Talker(p).next_message("Okay.").split(". ")) for _ in range(20))
    long = sum(len(Talker(wordy).next_message("Okay.").split(". ")) for _ in range(20))
    assert long > short


def test_open_minded_people_shape_the_identity_in_words_the_agent_understands():
    p = profiles.profiles(1, seed=8)[0]
    p.traits["openness"] = 7
    talker = Talker(p)
    said = " ".join(talker.next_message("Okay.") for _ in range(40)).lower()
    assert any(k in said for k in ("call yourself", "be more", "i'm into", "let's agree"))
