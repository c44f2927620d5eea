"""Scored replies to rate: finished sessions of the cast's participants and a few more, the
offline agent answering, some replies rewritten to contradict the persona (and each other),
then every session scored as its end would."""

from __future__ import annotations

from django.utils import timezone

from chat.models import Message
from chat.services import session_finish, session_open
from dashboard.scoring import study_score
from studies.models import Participant
from tests.dashboard.export_data import say

TEXTS = ["Hello there", "I'm into hiking", "What do you like?", "Tell me about the sea", "Bye"]
CONTRADICTIONS = {2: "I'm Bob, by the way.", 4: "My name is Carl, nice to meet you."}


def build(case, people: int = 5) -> list[Message]:
    """``people`` participants (ana, ben, then new ones) with one finished, scored session
    of five messages each: five replies a session. The second and fourth reply of the first
    two sessions give the agent another name. Returns the replies in session and turn order."""
    everyone = [case.ana, case.ben]
    conditions = [case.editable, case.hidden]
    while len(everyone) < people:
        everyone.append(
            Participant.objects.create(
                study=case.pilot,
                condition=conditions[len(everyone) % 2],
                consented_at=timezone.now(),
            )
        )
    replies = []
    for n, person in enumerate(everyone):
        session = session_open(participant=person, number=1)
        for text in TEXTS:
            say(session, text)
        mine = session.messages.filter(sender="agent", reply_to__isnull=False).order_by("turn")
        for position, text in CONTRADICTIONS.items():
            if n < 2:
                Message.objects.filter(pk=mine[position - 1].pk).update(text=text)
        session_finish(session_id=session.pk)
        replies += list(mine)
    study_score(study_id=case.pilot.pk)
    return replies
