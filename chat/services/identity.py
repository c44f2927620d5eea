"""Writes to the shared identity. Every change appends a Revision; none is edited.

Participant edits and decisions come from the panel; agent proposals and decisions from the
agent's turn. Each write adds a short system note to the transcript (unless the condition
keeps the agent's changes silent) and, on commit, tells every open view of the session.
"""

from __future__ import annotations

import logging
import secrets
from functools import partial

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext as _

from studies import text as texts

from .. import events, rules, selectors
from .. import identity as idm
from ..errors import ChatError
from ..models import ChatSession, Identity, Revision
from .transcript import CLOSED, note_post

log = logging.getLogger(__name__)
Author, Status = Revision.Author, Revision.Status


def identity_ensure(*, participant) -> Identity:
    """The participant's identity, seeded from their condition's persona on first use."""
    identity, created = Identity.objects.get_or_create(participant=participant)
    if created:
        _seed(identity, f"seed of condition {participant.condition}")
    return identity


def identity_reset(*, identity: Identity) -> Revision:
    return _seed(identity, "memory reset to the seed for a new session")


def _seed(identity: Identity, rationale: str) -> Revision:
    seed = idm.seed_state(identity.participant.condition.seed_persona)
    return _append(
        identity,
        author=Author.SYSTEM,
        status=Status.APPLIED,
        target="*",
        before=None,
        after=seed,
        rationale=rationale,
    )


@transaction.atomic
def identity_edit(*, session_id: int, target: str, value, rationale: str = "") -> Revision | None:
    """A participant's change from the panel: applied or proposed as the condition says.

    ``target`` "common_ground" adds a statement; ``value`` None removes ``common_ground.<id>``.
    Raises IdentityError (nothing written) for hidden or read-only panels, locked or unknown
    fields, bad values; returns None when the value is already the current one.
    """
    session = _active_session(session_id)
    identity = identity_ensure(participant=session.participant)
    manipulation = session.participant.condition.manipulation
    target = _new_entry(target)
    mode = rules.participant_write(manipulation, target)
    revision, _before = _change(
        identity, session, Author.PARTICIPANT, mode, target, value, texts.scrub(rationale)
    )
    if revision is None:
        return None
    if revision.status == Status.APPLIED:
        _note(session, gettext_noop("You changed %(change)s."), change=revision)
    else:
        message = gettext_noop("You suggested a change: %(change)s. The agent will consider it.")
        _note(session, message, change=revision)
    return revision


def _change(identity, session, author: str, mode: str, target: str, value, rationale: str):
    """One change to one field, by the participant or the agent: checked against the state
    as it stands (derived once), then applied or proposed as ``mode`` says. Returns the new
    revision (None when the value is already the current one) and the state before it.
    IdentityError, with nothing written, when the change cannot be made."""
    after = idm.validate(target, value)
    state = selectors.identity_view(identity).state
    before = idm.get(state, target)
    if after is None and before is None:
        raise idm.IdentityError("unknown_field", _("That statement is not in the common ground."))
    if after == before:
        return None, state
    idm.check_room(state, target, after)
    revision = _append(
        identity,
        author=author,
        status=Status.APPLIED if mode == rules.APPLY else Status.PROPOSED,
        target=target,
        before=before,
        after=after,
        rationale=rationale[:500],
        session=session,
    )
    return revision, state


def _new_entry(target: str) -> str:
    """``common_ground`` alone names a new statement: give it an id."""
    return f"{idm.COMMON_GROUND}.{secrets.token_hex(4)}" if target == idm.COMMON_GROUND else target


@transaction.atomic
def proposal_decide(*, session_id: int, proposal_id: int, accept: bool) -> Revision:
    """The participant accepts or rejects one of the agent's open proposals."""
    session = _active_session(session_id)
    identity = identity_ensure(participant=session.participant)
    if not rules.participant_can_decide(session.participant.condition.manipulation):
        raise idm.IdentityError("panel_hidden", _("The identity panel is not available here."))
    proposal = _open_proposal(identity, proposal_id, author=Author.AGENT)
    decision, state = _decide(identity, proposal, accept, by=Author.PARTICIPANT, session=session)
    agent = state["persona"]["name"]  # as it was when it proposed
    if accept:
        message = gettext_noop("You accepted %(agent)s's suggestion: %(change)s.")
    else:
        message = gettext_noop("You turned down %(agent)s's suggestion: %(change)s.")
    _note(session, message, change=proposal, agent=agent)
    return decision


def agent_changes_apply(*, session: ChatSession, proposals: list[dict], decisions: list[dict]):
    """What the agent's reply asked for, within what its condition allows (in the caller's
    transaction). Changes it may not make, and malformed ones, are logged and dropped."""
    identity = identity_ensure(participant=session.participant)
    manipulation = session.participant.condition.manipulation
    for decision in decisions:
        _agent_decides(identity, session, decision)
    for proposal in proposals:
        _agent_proposes(identity, session, manipulation, proposal)


def _agent_decides(identity, session, decision: dict) -> None:
    try:
        proposal = _open_proposal(identity, decision.get("proposal"), author=Author.PARTICIPANT)
        accept = decision.get("accept") is True
        _, state = _decide(identity, proposal, accept, by=Author.AGENT, session=session)
    except idm.IdentityError as error:  # not open, or accepting would overfill the ground
        log.info("Agent decision dropped: %s", error.message)
        return
    if accept:
        message = gettext_noop("%(agent)s accepted your suggestion: %(change)s.")
    else:
        message = gettext_noop("%(agent)s turned down your suggestion: %(change)s.")
    _note(session, message, change=proposal, agent=state["persona"]["name"])


def _agent_proposes(identity, session, manipulation, proposal: dict) -> None:
    target = _new_entry(str(proposal.get("target", "")))
    mode = rules.agent_write(manipulation, target)
    if mode is None:
        return
    rationale = texts.scrub(str(proposal.get("rationale", "")))
    try:
        revision, state = _change(
            identity, session, Author.AGENT, mode, target, proposal.get("value"), rationale
        )
    except idm.IdentityError as error:
        log.info("Agent proposal dropped: %s", error.message)
        return
    if revision is None:
        return
    agent = state["persona"]["name"]
    if revision.status == Status.PROPOSED:
        message = gettext_noop(
            "%(agent)s suggested a change: %(change)s. Accept or reject it in the panel."
        )
        _note(session, message, change=revision, agent=agent)
    elif manipulation.agent_writes == "announced":
        _note(session, gettext_noop("%(agent)s changed %(change)s."), change=revision, agent=agent)


def proposals_expire(*, identity: Identity, session: ChatSession) -> None:
    """Close every proposal still open when a session ends (inside the caller's transaction)."""
    for proposal in identity.revisions.open_proposals():
        _append(
            identity,
            author=Author.SYSTEM,
            status=Status.EXPIRED,
            target=proposal.target,
            before=proposal.before,
            after=proposal.after,
            resolves=proposal,
            rationale="still open when the session ended",
            session=session,
        )


def _decide(identity, proposal: Revision, accept: bool, *, by: str, session):
    """The row that settles a proposal, and the state before it (derived once)."""
    state = selectors.identity_view(identity).state
    if accept:
        idm.check_room(state, proposal.target, proposal.after)
    decision = _append(
        identity,
        author=by,
        status=Status.ACCEPTED if accept else Status.REJECTED,
        target=proposal.target,
        before=idm.get(state, proposal.target),
        after=proposal.after,
        resolves=proposal,
        session=session,
    )
    return decision, state


def _open_proposal(identity: Identity, proposal_id, *, author: str) -> Revision:
    proposal = identity.revisions.open_proposals().filter(pk=_int(proposal_id), author=author)
    found = proposal.first()
    if found is None:
        raise idm.IdentityError("no_proposal", _("That suggestion is not open any more."))
    return found


def _int(value) -> int:
    """A proposal id from the agent's reply (any JSON), or 0: never one the database cannot
    hold (inf and 10**30 are JSON numbers too)."""
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return 0
    return number if 0 < number < 2**63 else 0


def _describe(proposal: Revision) -> str:
    return idm.describe(proposal.target, proposal.before, proposal.after)


def _active_session(session_id: int) -> ChatSession:
    session = ChatSession.objects.select_related("participant__condition").get(pk=session_id)
    if session.participant.withdrawn_at:
        raise ChatError("closed", gettext(CLOSED))
    if session.is_over() or session.is_time_up():
        message = _("This chat has ended; the panel can no longer change.")
        raise ChatError("session_over", message)
    return session


def _append(
    identity: Identity,
    *,
    author,
    status,
    target,
    before,
    after,
    rationale="",
    session=None,
    resolves=None,
) -> Revision:
    """Add one row to the ledger; applied and accepted rows take the next version. The
    identity's derived state moves with it, under the identity row's lock (which also
    serialises versions); ``identity`` is brought up to date too."""
    locked = Identity.objects.select_for_update().get(pk=identity.pk)
    changes = status in (Status.APPLIED, Status.ACCEPTED)
    version = locked.version + 1 if changes else None
    revision = Revision.objects.create(
        identity=identity,
        version=version,
        author=author,
        status=status,
        target=target,
        before=before,
        after=after,
        rationale=rationale,
        resolves=resolves,
        session=session,
        turn=session.last_turn if session else None,
    )
    if changes:
        locked.state = idm.apply(locked.state or idm.seed_state(None), target, after)
        locked.version = version
    locked.last_revision_id = revision.pk
    locked.save(update_fields=["state", "version", "last_revision_id"])
    identity.state, identity.version = locked.state, locked.version
    identity.last_revision_id = locked.last_revision_id
    if session is not None:
        transaction.on_commit(partial(events.broadcast_identity, session.pk, revision.pk))
    return revision


def _note(session: ChatSession, message: str, *, change: Revision, **params) -> None:
    """A note in the transcript, written in the study's language (the agent's changes are
    noted by the worker, which has no request to take a language from)."""
    with translation.override(session.participant.study.language):
        text = gettext(message) % {**params, "change": _describe(change)}
        note_post(session_id=session.pk, text=text)
