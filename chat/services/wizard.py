"""Wizard of Oz: a researcher writes the agent's replies.

The agent turn (``services.agent``) of a wizard condition asks for a reply here: it stores a
``WizardRequest`` (with the helper backend's draft, where the condition drafts), tells the
session's watchers, and waits, without a thread, until a wizard answers or the time-out
passes (then the agent turn lets the helper backend stand in, recorded as a fallback). The
participant sees the agent "typing" all along, as with any agent.

A wizard answers from the session's live view (``wizard_reply``): the first researcher of the
study to answer becomes the session's wizard; another may take over (``wizard_take``).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone

from .. import events
from .. import identity as idm
from ..agent.backends import BackendError, Finish
from ..agent.persona import parse_reply
from ..errors import ChatError
from ..models import ChatSession, Message, WizardRequest
from .transcript import lock_session, message_text

POLL_SECONDS = 0.5


class Answer(NamedTuple):
    text: str
    authored: str  # Message.Authored
    wizard_id: int
    proposal: dict | None
    draft_model: str


async def draft_of(backend, prompt) -> tuple[str, str]:
    """The helper backend's whole reply (never streamed to the participant) and its model;
    ("", "") if it fails: the wizard then writes from scratch."""
    text, model = "", ""
    try:
        async for piece in backend.astream(prompt.messages, settings=prompt.plan.settings):
            if isinstance(piece, str):
                text += piece
            elif isinstance(piece, Finish):
                model = piece.model
    except BackendError:
        return "", ""
    return parse_reply(text).text.strip(), model


def request_open(prompted: Message, draft: str, draft_model: str, seconds: int) -> WizardRequest:
    request, _ = WizardRequest.objects.get_or_create(
        prompted=prompted,
        defaults={
            "draft": draft,
            "draft_model": draft_model,
            "deadline": timezone.now() + timedelta(seconds=seconds),
        },
    )
    transaction.on_commit(lambda: events.broadcast_wizard(prompted.session_id, request.pk))
    return request


def request_settle(request_id: int) -> WizardRequest:
    """The request as it stands; a waiting one past its deadline times out (only if no
    wizard answered meanwhile: a conditional update)."""
    now = timezone.now()
    WizardRequest.objects.filter(
        pk=request_id, status=WizardRequest.Status.WAITING, deadline__lte=now
    ).update(status=WizardRequest.Status.TIMED_OUT, answered_at=now)
    return WizardRequest.objects.get(pk=request_id)


async def answer(prompted: Message, draft: tuple[str, str], seconds: int, db) -> Answer | None:
    """Wait for the wizard's answer to ``prompted``; None once it timed out."""
    request = await db(request_open)(prompted, *draft, seconds)
    while request.status == WizardRequest.Status.WAITING:
        await asyncio.sleep(POLL_SECONDS)
        request = await db(request_settle)(request.pk)
    if request.status == WizardRequest.Status.TIMED_OUT:
        await db(events.broadcast_wizard)(prompted.session_id, request.pk)
        return None
    if not request.draft:
        authored = Message.Authored.WIZARD
    elif request.text == request.draft:
        authored = Message.Authored.APPROVED
    else:
        authored = Message.Authored.EDITED
    return Answer(request.text, authored, request.wizard_id, request.proposal, request.draft_model)


def waiting_request(session: ChatSession) -> WizardRequest | None:
    return (
        WizardRequest.objects.filter(prompted__session=session, status=WizardRequest.Status.WAITING)
        .select_related("prompted")
        .order_by("-id")
        .first()
    )


@transaction.atomic
def wizard_take(*, session_id: int, user) -> ChatSession:
    """Make ``user`` the session's wizard (taking over from another, or assigned by a
    colleague before the participant writes). The caller checks that they are one of the
    study's researchers."""
    session = lock_session(session_id)
    session.wizard = user
    session.save(update_fields=["wizard"])
    return session


@transaction.atomic
def wizard_reply(*, session_id: int, user, text, target: str = "", value=None) -> WizardRequest:
    """The wizard's reply to the message waiting for one, with at most one proposed change to
    the identity (``target``, ``value``), which the agent makes in the condition's way.
    ChatError with a clear message (and nothing changed) when there is nothing to answer,
    another researcher is the session's wizard, or the text or change cannot be stored."""
    session = lock_session(session_id)
    if session.wizard_id and session.wizard_id != user.pk:
        raise ChatError(
            "not_wizard", f"{session.wizard} is this session's wizard: take over to answer."
        )
    if not isinstance(text, str) or not text.strip():
        raise ChatError("empty", "Please write a reply.")
    reply = message_text(text.replace("\r\n", "\n"))
    proposal = None
    if target:
        try:
            proposal = {"target": target, "value": idm.validate(target, value)}
        except idm.IdentityError as error:
            raise ChatError("bad_change", error.message) from None
    request = waiting_request(session)
    if request is None:
        message = "No message is waiting for a reply (it may have timed out)."
        raise ChatError("nothing_waiting", message)
    updated = WizardRequest.objects.filter(pk=request.pk, status=WizardRequest.Status.WAITING)
    done = updated.update(
        status=WizardRequest.Status.ANSWERED,
        text=reply,
        proposal=proposal,
        wizard=user,
        answered_at=timezone.now(),
    )
    if not done:
        raise ChatError("nothing_waiting", "The time-out came first: the agent has answered.")
    if session.wizard_id is None:
        session.wizard = user
        session.save(update_fields=["wizard"])
    request.refresh_from_db()
    return request
