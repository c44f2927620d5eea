"""A small study with everything an export holds: two conditions, finished and active
sessions, proposals accepted and expired, PMQs before and after, and the people who must
never appear (a preview, a withdrawn participant) or appear only partly (one who declined)."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

from django.contrib.auth import get_user_model
from django.utils import timezone

from chat.models import Message, SessionEvent
from chat.services import (
    agent_turn_run,
    identity_edit,
    message_post,
    participant_withdraw,
    proposal_decide,
    session_event_record,
    session_finish,
    session_open,
)
from dashboard.ratings import rating_add, sample_draw
from dashboard.scoring import study_score
from questionnaires.services import administration_open, administration_submit
from studies.models import Participant, Pilot, Study

FORMULA = '=HYPERLINK("http://evil.example","click")'
AWKWARD = 'She said "hi",\nthen left — café ☕ 😀'
CHECKS = "1 pre 5 3\n* post 30 6"  # row 5 before the first chat; last row after every chat


def answer(participant, number: int, timepoint: str, shift: int, heed: bool = True) -> None:
    """Every item, and every attention check as asked (``heed``) or one point off."""
    a = administration_open(participant=participant, session_number=number, timepoint=timepoint)
    raws = {code: [str((i + shift) % 7 + 1)] for i, code in enumerate(a.item_order)}
    for check in a.checks:
        raws[check["code"]] = [str(check["answer"] if heed else check["answer"] % 7 + 1)]
    administration_submit(administration_id=a.pk, submitted=raws)


def say(session, text: str, typing: dict | None = None) -> Message:
    with mock.patch("chat.services.messages.agent_turn_start"):  # the agent runs here
        posted = message_post(
            session_id=session.pk,
            client_id=f"c{Message.objects.count()}",
            text=text,
            typing=typing,
        )
    return agent_turn_run(message_id=posted.message.pk)


def begun_earlier(session, minutes: int = 10):
    """The session, as if opened ``minutes`` ago: what its page reports of typing and time
    away must fit in the time it has had."""
    session.started_at -= timedelta(minutes=minutes)
    session.save(update_fields=["started_at"])
    return session


def away(session, kind: str, ms: int) -> None:
    n = SessionEvent.objects.count()
    session_event_record(session_id=session.pk, client_id=f"e{n}", kind=kind, duration_ms=ms)


def sitting(
    participant, number: int, texts: list[str], *, finish: bool = True, shift: int = 0,
    heed: bool = True,
):  # fmt: skip
    answer(participant, number, "pre", shift, heed)  # heed=False: misses the attention check
    session = begun_earlier(session_open(participant=participant, number=number))
    for text in texts:
        say(session, text)
    if finish:
        session_finish(session_id=session.pk)
        answer(participant, number, "post", shift + 2)
    return session


def build(case) -> None:
    """Adds to the named cast (tests.base): data for ana and ben, and carl, dora, a preview."""
    case.pilot.withdrawal = Study.Withdrawal.EXCLUDE
    case.pilot.sessions_per_participant = 2
    case.pilot.attention_checks = CHECKS
    case.pilot.save()
    ana = case.ana
    first = sitting(ana, 1, ["Call yourself Nova", "I'm Alex"], finish=False, heed=False)
    proposals = {r.target: r for r in ana.identity.revisions.open_proposals()}
    proposal_decide(session_id=first.pk, proposal_id=proposals["persona.name"].pk, accept=True)
    identity_edit(session_id=first.pk, target="persona.register", value="-dry, +witty")
    say(first, AWKWARD, typing={"typing_ms": 5120, "paste_count": 1, "pasted_chars": 12})
    away(first, "hidden", 61_500)
    away(first, "idle", 30_000)
    say(first, FORMULA)
    session_finish(session_id=first.pk)  # the partner.name proposal expires
    answer(ana, 1, "post", 3)
    sitting(ana, 2, ["Hello again"], finish=False)  # still going: no end snapshot, no post
    sitting(case.ben, 1, ["hello", "how are you?"], shift=5)
    case.ben.completed_at = timezone.now()
    case.ben.save()

    case.carl = Participant.objects.create(
        study=case.pilot, condition=case.editable, consented_at=timezone.now(), external_id="C"
    )
    away(sitting(case.carl, 1, ["CARL-SECRET", "more"]), "hidden", 1000)
    participant_withdraw(participant_id=case.carl.pk)
    case.preview = Participant.objects.create(
        study=case.pilot, condition=case.hidden, consented_at=timezone.now(), is_preview=True
    )
    away(sitting(case.preview, 1, ["PREVIEW-SECRET", "more"]), "hidden", 2000)
    case.dora = Participant.objects.create(
        study=case.pilot, external_id="@SUM(A1:A9)", declined_at=timezone.now()
    )
    study_score(study_id=case.pilot.pk)  # as each session's end would, in the background
    rate(case)


def rate(case) -> None:
    """A sample of people's scored replies, rated by rita (one answered twice) and cleo, a
    collaborator (one "can't tell")."""
    case.cleo = get_user_model().objects.create_user("cleo", password="cleo-pass-123")
    case.pilot.collaborators.add(case.cleo)
    case.sample = sample_draw(study=case.pilot, pilot=None, size=4, seed=27, user=case.rita)
    answers = {case.rita: ["yes", "no", "yes", "no"], case.cleo: ["yes", "no", "no", "cant_tell"]}
    for rater, given in answers.items():
        for position, answer in enumerate(given, start=1):
            rating_add(sample=case.sample, position=position, rater=rater, answer=answer)
    rating_add(sample=case.sample, position=2, rater=case.rita, answer="yes")  # changed


def simulated(
    case, drift: float, texts=("Hello", "Who are you?"), seed: int = 0, **fields
) -> Participant:
    """A pilot of the cast's study whose offline agent drifts at ``drift``, and one simulated
    participant of it (with ``fields``) with one finished, scored session."""
    run = Pilot.objects.create(
        study=case.pilot, participants_wanted=1, drift=drift, seed=seed, base_url="http://x"
    )
    person = Participant.objects.create(
        study=case.pilot, condition=case.editable, consented_at=timezone.now(),
        is_simulated=True, pilot=run, **fields,
    )  # fmt: skip
    session = session_open(participant=person, number=1)
    for text in texts:
        say(session, text)
    session_finish(session_id=session.pk)
    study_score(study_id=case.pilot.pk)
    return person
