from __future__ import annotations

from datetime import timedelta
from typing import NamedTuple

from django.conf import settings
from django.db.models import Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from . import drafts, events
from . import identity as idm
from . import pacing as pacing_mod
from .agent.persona import Change, Turn
from .models import AgentTurn, ChatSession, Identity, Message, Revision


def session_for_participants(session_id: int, participant_ids: list[int]) -> ChatSession | None:
    """The session, if it belongs to one of these participants; None otherwise."""
    return (
        ChatSession.objects.select_related("participant__study", "participant__condition")
        .filter(pk=session_id, participant_id__in=participant_ids)
        .first()
    )


def last_turn(session: ChatSession) -> AgentTurn | None:
    return (
        AgentTurn.objects.filter(prompted__session=session)
        .select_related("prompted")
        .order_by("-id")
        .first()
    )


def any_withdrawn(participant_ids: list[int]) -> bool:
    """Whether one of a browser's participants has withdrawn (their sessions may be gone)."""
    from studies.models import Participant

    return Participant.objects.filter(pk__in=participant_ids, withdrawn_at__isnull=False).exists()


def turn_busy(session: ChatSession) -> bool:
    """Whether the session's last agent turn is still queued or running."""
    last = AgentTurn.objects.filter(prompted__session=session).order_by("-id")
    return last.values_list("status", flat=True).first() in AgentTurn.IN_FLIGHT


def sent_since(participant_id: int, since, newest: int) -> list:
    """When the participant's ``newest`` latest messages after ``since`` were stored (any
    session of theirs: the limit is per participant)."""
    rows = Message.objects.filter(
        session__participant_id=participant_id,
        sender=Message.Sender.PARTICIPANT,
        created_at__gt=since,
    )
    return list(rows.order_by("-created_at").values_list("created_at", flat=True)[:newest])


def latest_participant_after(message: Message) -> int | None:
    """The id of the participant's latest message after ``message``: none of them has a turn
    while ``message``'s was in flight (one turn at a time per session)."""
    later = Message.objects.filter(
        session_id=message.session_id, sender=Message.Sender.PARTICIPANT, turn__gt=message.turn
    )
    return later.order_by("-turn").values_list("pk", flat=True).first()


def latest_unanswered(session: ChatSession) -> Message | None:
    """The participant's latest message, if no agent turn has taken it up yet."""
    latest = session.messages.filter(sender=Message.Sender.PARTICIPANT).order_by("-turn").first()
    if latest is None or AgentTurn.objects.filter(prompted=latest).exists():
        return None
    return latest


def turn_is_stale(turn: AgentTurn) -> bool:
    """In flight, but with no sign of life for a while: its worker may have died."""
    last_sign = turn.heartbeat_at or turn.queued_at
    limit = timedelta(seconds=settings.DYAD_AGENT_STALE_SECONDS)
    return turn.is_in_flight() and timezone.now() - last_sign > limit


def agent_state(session: ChatSession) -> dict:
    """What a page needs to show about the agent: thinking (with the text so far), held (a
    paced reply on its way, nothing shown yet), failed or stalled (and may be retried), or
    idle."""
    turn = last_turn(session)
    if turn is None or turn.status == AgentTurn.Status.DONE:
        return events.agent_data("idle")
    if turn.status == AgentTurn.Status.FAILED:
        return events.agent_data("failed", turn.prompted.turn, message=events.CALM_FAILURE)
    if turn_is_stale(turn):
        return events.agent_data("stalled", turn.prompted.turn)
    pacing = session.participant.condition.pacing
    if pacing.holds:  # nothing of a held reply shows before its "typing" is due
        typing = pacing_mod.typing_starts(pacing, turn.prompted.created_at)
        shown = typing is not None and timezone.now() >= typing
        return events.agent_data("thinking" if shown else "held", turn.prompted.turn)
    text = drafts.text_for(session.pk, turn.prompted.turn)
    return events.agent_data("thinking", turn.prompted.turn, text=text)


def prompted_for_turn(message_id: int) -> Message | None:
    """The message an agent turn answers, with all the turn reads before the transcript, in
    one query: its session, participant, condition (and endpoint), identity, pilot and
    AgentTurn. None if it is gone (its participant withdrew and their data was deleted)."""
    rows = Message.objects.select_related(
        "session__participant__condition__llm_endpoint",
        "session__participant__identity",
        "session__participant__pilot",
        "agent_turn",
    )
    try:
        return rows.get(pk=message_id)
    except Message.DoesNotExist:
        return None


class Conversation(NamedTuple):
    """The transcript as an agent turn reads it, once, as it starts."""

    turns: list[Turn]  # what the agent sees
    answers: list[int]  # the participant turns its reply answers
    waiting: int | None  # the participant's latest message after the prompted one (its id)
    last_turn: int  # the newest turn read
    seen: int | None  # the last ledger row in the agent's view when it last spoke here


def conversation(message: Message) -> Conversation:
    """The conversation as the agent sees it when replying to ``message``: everything up to
    it, and its own replies and notes since (a reply to an earlier message may have been
    stored after it); later participant messages wait for the next turn. The reply answers
    every participant turn since the last message the agent replied to, up to ``message``."""
    rows = Message.objects.filter(session_id=message.session_id).order_by("turn")
    rows = rows.values_list("pk", "turn", "sender", "text", "reply_to_id", "revisions_seen")
    turns, theirs, replied, waiting, newest, seen = [], [], set(), None, 0, None
    for pk, turn, sender, text, reply_to, revisions_seen in rows:
        newest = turn
        if sender == Message.Sender.PARTICIPANT:
            if turn > message.turn:
                waiting = pk
                continue
            theirs.append((pk, turn))
        elif sender == Message.Sender.AGENT:
            replied.add(reply_to)
            seen = seen if revisions_seen is None else revisions_seen
        turns.append(Turn(sender, text))
    previous = max((t for pk, t in theirs if t < message.turn and pk in replied), default=0)
    answers = [t for _, t in theirs if t > previous]
    return Conversation(turns, answers, waiting, newest, seen)


class IdentityView(NamedTuple):
    state: dict
    version: int
    last_revision_id: int


def identity_view(identity: Identity, version: int | None = None) -> IdentityView:
    """The identity now (its materialised state: one small query, however long the ledger),
    or as of an earlier ``version``, rebuilt from its revisions."""
    now = Identity.objects.filter(pk=identity.pk).values_list(
        "state", "version", "last_revision_id"
    )[0]
    if version is None or version >= now[1]:
        return IdentityView(*now)
    rows = list(
        identity.revisions.in_effect()
        .filter(version__lte=version)
        .values_list("target", "after", "version")
    )
    state = idm.derive((target, after) for target, after, _ in rows)
    return IdentityView(state, rows[-1][2] if rows else 0, now[2])


def identity_now(participant_id: int) -> IdentityView:
    """The participant's identity now, found by its participant (one small query)."""
    rows = Identity.objects.filter(participant_id=participant_id)
    return IdentityView(*rows.values_list("state", "version", "last_revision_id").get())


def open_proposals(participant_id: int):
    """The proposals still waiting on the participant's identity, oldest first."""
    rows = Revision.objects.filter(identity__participant_id=participant_id).open_proposals()
    return rows.order_by("id")


def session_numbered(participant, number: int) -> ChatSession | None:
    """The participant's session ``number``, if it has begun: from the sessions the journey's
    gate read (``studies.selectors.participant_step`` keeps them on the participant), so no
    query on a journey page."""
    return next((s for s in participant.chat_sessions.all() if s.number == number), None)


def transcript(session: ChatSession) -> list[dict]:
    """What the chat page shows of each message, in turn order."""
    rows = session.messages.order_by("turn")
    return list(rows.values("turn", "sender", "text", "client_id"))


class AgentView(NamedTuple):
    state: dict
    version: int
    last_revision_id: int
    changes: list[Change]


def agent_view(session: ChatSession, seen: int | None = None) -> AgentView:
    """What the agent works from: the identity now, and what others changed since it last
    spoke (in this session or before). ``seen``: the last ledger row it saw, where the
    caller knows it (its last word in this session: ``conversation``) and read the identity
    with the session (``prompted_for_turn``): then the identity is not read again, and the
    ledger only if it grew since."""
    identity = session.participant.identity
    if seen is None:
        last_words = Message.objects.filter(
            session__participant_id=session.participant_id, sender=Message.Sender.AGENT
        )
        seen_then = last_words.exclude(revisions_seen=None).order_by("-id")[:1]
        view = identity_view(identity)
        since = Coalesce(Subquery(seen_then.values("revisions_seen")), 0)
    else:
        view = IdentityView(identity.state, identity.version, identity.last_revision_id)
        since = seen
        if view.last_revision_id <= seen:  # revision ids only grow
            return AgentView(*view, [])
    rows = identity.revisions.filter(pk__gt=since).exclude(author=Revision.Author.AGENT)
    changes = [
        Change(
            r.author,
            r.status,
            r.target,
            r.before,
            r.after,
            idm.describe(r.target, r.before, r.after),
            r.pk if r.status == Revision.Status.PROPOSED else None,
        )
        for r in rows.order_by("id")
    ]
    return AgentView(*view, changes)


HISTORY_ROWS = 100  # messages read for one page of history (then packed to the budget)


def history(session_id: int, after: int) -> dict | None:
    """One `history` page for a page that has everything up to turn ``after``; None when the
    session is closed to its participant (withdrawn, or their data deleted)."""
    session = (
        ChatSession.objects.select_related("participant__study")
        .filter(pk=session_id, participant__withdrawn_at__isnull=True)
        .first()
    )
    if session is None:
        return None
    rows = list(
        session.messages.filter(turn__gt=after).select_related("reply_to")[: HISTORY_ROWS + 1]
    )
    page = events.history_frame(rows[:HISTORY_ROWS], session, more_rows=len(rows) > HISTORY_ROWS)
    newest = Revision.objects.filter(identity__participant_id=session.participant_id)
    page["identity_revision"] = newest.order_by("-id").values_list("id", flat=True).first() or 0
    return page


def agent_state_of(session_id: int) -> dict:
    sessions = ChatSession.objects.select_related("participant__condition")
    return agent_state(sessions.get(pk=session_id))


def session_for_researcher(user, session_id: int) -> ChatSession | None:
    """The session, if this signed-in researcher may see its study; None otherwise."""
    from studies.models import Study

    if not user.is_authenticated:
        return None
    visible = Study.objects.visible_to(user)
    return ChatSession.objects.filter(pk=session_id, participant__study__in=visible).first()
