"""Sessions and messages: open a session, post a message once, start the agent's turns,
retry, pause, note from the researchers, finish."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import ngettext

from studies import text as texts
from studies.models import Participant

from .. import background, events, limits, selectors
from ..agent import persona as persona_mod
from ..errors import ChatError, SlowDown
from ..models import AgentTurn, ChatSession, Message
from ..protocol import is_client_id
from . import identity as identity_services
from .activity import typing_admit
from .transcript import lock_session, locked_session, message_text, note_post


@dataclass(frozen=True)
class PostResult:
    message: Message
    session: ChatSession
    created: bool


@transaction.atomic
def session_open(*, participant, number: int) -> ChatSession:
    """The participant's session ``number``; new ones start from the carried-over identity
    (or the seed, in a reset condition) and open with the agent's greeting."""
    found = ChatSession.objects.filter(participant=participant, number=number).first()
    if found:
        return found
    identity = identity_services.identity_ensure(participant=participant)
    if number > 1 and participant.condition.memory == "reset":
        identity_services.identity_reset(identity=identity)
    view = selectors.identity_view(identity)
    session = ChatSession.objects.create(
        participant=participant,
        number=number,
        last_turn=1,
        identity_version_start=view.version,
        design_hash=participant.study.design_hash,
    )
    Message.objects.create(
        session=session,
        turn=1,
        sender=Message.Sender.AGENT,
        text=texts.clip(persona_mod.greeting(view.state, returning=number > 1)),
        identity_version=view.version,
        revisions_seen=view.last_revision_id,
    )
    return session


def message_post(
    *, session_id: int, client_id: str, text: str, typing: dict | None = None, study=None
) -> PostResult:
    """Store a participant message once per client id, then (on commit) tell every view and,
    unless the agent is busy or paused, start its turn. A message sent while the agent is
    replying is stored at once too: the agent's next turn answers everything the participant
    wrote since its last reply. A resend with a known client id returns the stored message.
    Past the study's ``messages_per_minute`` nothing is stored: ``SlowDown`` says when to
    send it again (a resend of a stored one is never refused).
    ``typing``: how it was typed (``chat.telemetry.message_typing``), where the study records it
    and the page reported it; kept only if it fits in the session's wall time (else counted).
    ``study``: the session's study, where the caller holds it (a socket does): not read again
    (a published study's rules do not change)."""
    if not is_client_id(client_id):
        raise ChatError("bad_client_id", "client_id must be 1-64 letters, digits, - or _.")
    text = message_text(text)
    with transaction.atomic():
        session = lock_session(session_id, study=study or True)
        sent = Message.objects.filter(session_id=session.pk, client_id=client_id)
        if sent.exists():  # a resend
            return PostResult(sent.get(), session, created=False)
        if session.is_over() or session.is_time_up():
            raise ChatError("session_over", "This chat has ended; no more messages can be sent.")
        wait = message_wait(session)
        if wait:
            seconds = limits.retry_after(wait)
            raise SlowDown("messages", seconds, TOO_FAST % {"wait": limits.seconds_text(seconds)})
        message = Message.objects.create(
            session=session,
            turn=session.last_turn,
            sender=Message.Sender.PARTICIPANT,
            text=text,
            client_id=client_id,
            **typing_admit(session, typing),
        )
        session.participant_turns += 1
        counts = ["last_turn", "participant_turns", "typing_ms_total", "telemetry_refused"]
        session.save(update_fields=counts)
        status = events.status_data(session)  # this tab's ack says it; other tabs hear it here
        transaction.on_commit(partial(events.broadcast_message, message, status))
        if not session.agent_paused and not selectors.turn_busy(session):
            turn_begin(message.pk)  # the newest message has no turn yet: it is the one to answer
    return PostResult(message, session, created=True)


TOO_FAST = (
    "You are sending messages faster than this study allows. Please send it again in %(wait)s."
)


def message_wait(session: ChatSession) -> float:
    """Seconds until the session's participant may send another message under their study's
    ``messages_per_minute`` (0: now), from the times of the ones they sent in the last minute
    (call with the session locked: its participant's row is locked too, so two tabs cannot
    both take the last place)."""
    limit = session.participant.study.messages_per_minute
    now = timezone.now()
    since = now - timedelta(seconds=limits.WINDOW)
    times = selectors.sent_since(session.participant_id, since, limit)
    return limits.window_wait([t.timestamp() for t in times], limit, now.timestamp())


def limit_hit_record(*, participant_id: int, limit: str) -> None:
    """Count one run of refusals by ``limit`` (``messages`` or ``frames``; see
    ``chat.errors.SlowDown``) for the participant: one UPDATE, not one per frame."""
    column = "message_limit_hits" if limit == "messages" else "frame_limit_hits"
    Participant.objects.filter(pk=participant_id).update(**{column: F(column) + 1})


def answer_pending(session: ChatSession, *, waiting: int | None = None) -> AgentTurn | None:
    """Start the agent's turn on the participant's latest message, if it is unanswered and
    the agent is neither busy nor paused (call with the session locked). One turn in flight
    per session; messages that arrive meanwhile are answered by the next one. ``waiting``:
    that message's id, where the caller knows it waits (a turn that just closed, so none is
    in flight, found it written meanwhile)."""
    if session.agent_paused:
        return None
    if waiting is None:
        if selectors.turn_busy(session):
            return None
        latest = selectors.latest_unanswered(session)
        waiting = latest.pk if latest is not None else None
    return turn_begin(waiting) if waiting is not None else None


def agent_turn_start(message_id: int) -> None:
    background.start(background.AGENT_TURN, message_id=message_id)


def turn_begin(message_id: int) -> AgentTurn:
    """Queue the agent's turn on the message and start it once the transaction commits."""
    turn = AgentTurn.objects.create(prompted_id=message_id)
    transaction.on_commit(partial(agent_turn_start, message_id))
    return turn


def turn_retry(*, session_id: int) -> AgentTurn:
    """Start the session's last agent turn again, if it failed or has stalled (its worker
    died, say). Raises ChatError when there is nothing to retry."""
    with transaction.atomic():
        session = lock_session(session_id)
        turn = selectors.last_turn(session)
        if turn is None or not (
            turn.status == AgentTurn.Status.FAILED or selectors.turn_is_stale(turn)
        ):
            raise ChatError("nothing_to_retry", "The agent is not stuck: its reply is on the way.")
        AgentTurn.objects.filter(pk=turn.pk).update(
            status=AgentTurn.Status.QUEUED, queued_at=timezone.now()
        )
        transaction.on_commit(partial(agent_turn_start, turn.prompted_id))
    return turn


def researcher_note(*, session_id: int, text: str) -> Message:
    """A note from the researchers, shown in the participant's transcript."""
    text = (text or "").strip()
    if not text or len(text) > 1000:
        raise ChatError("bad_note", "A note needs 1 to 1000 characters.")
    if texts.problem(text):
        raise ChatError("bad_note", f"This note cannot be sent. {texts.problem(text)}")
    with transaction.atomic():
        return note_post(session_id=session_id, text=f"Note from the researchers: {text}")


def agent_pause(*, session_id: int, paused: bool) -> ChatSession:
    """Pause or resume the agent. Participant messages sent while it is paused are kept; on
    resuming, the agent answers everything it has not answered yet."""
    with transaction.atomic():
        session = locked_session(session_id)
        session.agent_paused = paused
        session.save(update_fields=["agent_paused"])
        answer_pending(session)
    return session


@transaction.atomic
def session_finish(*, session_id: int) -> ChatSession:
    """End the session if the study's ending rule allows it; otherwise raise ChatError.
    Proposals still open then expire, and the identity version at the end is recorded."""
    session = locked_session(session_id)
    if session.is_over():
        return session
    if not session.can_finish():
        needed = session.participant.study.min_participant_turns
        message = ngettext(
            "Please send at least %(count)s message before finishing.",
            "Please send at least %(count)s messages before finishing.",
            needed,
        )
        raise ChatError("too_early", message % {"count": needed})
    identity = identity_services.identity_ensure(participant=session.participant)
    identity_services.proposals_expire(identity=identity, session=session)
    session.status = ChatSession.Status.FINISHED
    session.ended_at = timezone.now()
    session.identity_version_end = selectors.identity_view(identity).version
    session.save(update_fields=["status", "ended_at", "identity_version_end"])
    finished = partial(events.session_finished.send_robust, ChatSession, session_id=session.pk)
    transaction.on_commit(finished)
    return session
