"""The identity panel's content, for the page and for the fragment that htmx swaps in (after
the participant's own change, or after an ``identity`` notice on the socket).

The panel as it stands (no message, no error) is rendered once per identity revision and
kept in the ``panels`` cache, keyed by the session (so by its one participant) and by all
else it shows: the revision, the condition's design, whether the session is over, the
language. It is rendered without the request, so nothing of the browser is in it: the
request's CSRF token is filled in as it is served."""

from __future__ import annotations

import hashlib

from django.core.cache import caches
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

from . import identity as idm
from . import rules, selectors
from .models import ChatSession, Revision
from .selectors import IdentityView

TEMPLATE = "chat/chat.html#identity-panel"
CACHE = "panels"
# Where the request's CSRF token goes in a kept panel: "<" never survives escaping, so no
# text anyone wrote can contain it.
CSRF_SLOT = mark_safe("<csrf-token>")


def _field(field: idm.Field, state: dict, manipulation, editable: bool) -> dict:
    value = idm.get(state, field.target)
    locked = rules.is_locked(manipulation, field.target)
    return {
        "target": field.target,
        "label": gettext(field.label),
        "kind": field.kind,
        "shown": idm.show(value),
        "raw": ", ".join(value)
        if isinstance(value, list)
        else ("" if value is None else str(value)),
        "max_length": field.max_length,
        "locked": locked,
        "editable": editable and not locked,
        "dom_id": field.target.replace(".", "-"),
    }


def _proposal(revision: Revision, session: ChatSession) -> dict:
    where = [session.participant.study.slug, session.number, revision.pk]
    return {
        "id": revision.pk,
        "change": idm.describe(revision.target, revision.before, revision.after),
        "rationale": revision.rationale,
        "decide_url": reverse("chat:proposal-decide", args=where),
    }


def panel_context(
    session: ChatSession, message: str = "", error: str = "", *, view: IdentityView | None = None
) -> dict:
    """``view``: the identity now, if the caller has read it already."""
    participant = session.participant
    manipulation = participant.condition.manipulation
    view = view or selectors.identity_now(participant.pk)
    editable = manipulation.panel == "editable" and not session.is_over()
    ground_locked = rules.is_locked(manipulation, idm.COMMON_GROUND)
    open_proposals = selectors.open_proposals(participant.pk)
    fields = [(idm.PERSONA_FIELDS, "persona"), (idm.PARTNER_FIELDS, "partner")]
    persona, partner = (
        [_field(f, view.state, manipulation, editable) for f in group] for group, _ in fields
    )
    return {
        "panel": {
            "mode": manipulation.panel,
            "editable": editable,
            "proposes": manipulation.participant_writes == "propose",
            "can_decide": rules.participant_can_decide(manipulation) and not session.is_over(),
            "agent_name": view.state["persona"]["name"],
            "persona": persona,
            "partner": partner,
            "common_ground": list(view.state[idm.COMMON_GROUND].items()),
            "ground_editable": editable and not ground_locked,
            "statement_max": idm.STATEMENT_MAX,
            "ground_full": not idm.ground_has_room(view.state),
            "ground_max": idm.COMMON_GROUND_MAX,
            "agent_proposals": [
                _proposal(r, session) for r in open_proposals if r.author == Revision.Author.AGENT
            ],
            "own_proposals": [
                _proposal(r, session)
                for r in open_proposals
                if r.author == Revision.Author.PARTICIPANT
            ],
            # Reversed once here, not in each of the panel's forms.
            "edit_url": reverse(
                "chat:identity-edit", args=[participant.study.slug, session.number]
            ),
            "revision": view.last_revision_id,
            "version": view.version,
            "message": message,
            "error": error,
        },
        "study": participant.study,
        "session": session,
    }


def panel_html(request: HttpRequest, session: ChatSession, view: IdentityView) -> SafeString:
    """The panel as it stands for ``view`` (the identity now), from the cache when it has
    been rendered for this revision before."""
    key = _key(session, view)
    html = caches[CACHE].get(key)
    if html is None:
        context = panel_context(session, view=view) | {"csrf_token": CSRF_SLOT}
        html = render_to_string(TEMPLATE, context)  # no request: no browser's secrets in it
        caches[CACHE].set(key, html)
    return mark_safe(html.replace(CSRF_SLOT, get_token(request)))


def _key(session: ChatSession, view: IdentityView) -> str:
    """Everything the panel shows depends on, with the session (the start time too: a
    database emptied and filled again, as in tests, gives old ids to new sessions and
    revisions, never the same start to the microsecond)."""
    manipulation = session.participant.condition.manipulation
    shown = (
        session.started_at.isoformat(),
        view.last_revision_id,
        view.version,
        session.is_over(),
        get_language(),
        session.participant.study.slug,
        tuple(manipulation._replace(locked=sorted(manipulation.locked))),
    )
    digest = hashlib.blake2b(repr(shown).encode(), digest_size=16).hexdigest()
    return f"panel:{session.pk}:{digest}"
