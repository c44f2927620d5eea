"""The identity panel's content, for the page and for the fragment that htmx swaps in (after
the participant's own change, or after an ``identity`` notice on the socket)."""

from __future__ import annotations

from django.utils.translation import gettext

from . import identity as idm
from . import rules, selectors
from .models import ChatSession, Revision

TEMPLATE = "chat/chat.html#identity-panel"


def _field(field: idm.Field, state: dict, manipulation, editable: bool) -> dict:
    value = idm.get(state, field.target)
    locked = rules.is_locked(manipulation, field.target)
    return {
        "target": field.target,
        "label": gettext(field.label),
        "kind": field.kind,
        "shown": idm.show(value),
        "raw": ", ".join(value) if isinstance(value, list) else ("" if value is None else value),
        "max_length": field.max_length,
        "locked": locked,
        "editable": editable and not locked,
        "dom_id": field.target.replace(".", "-"),
    }


def _proposal(revision: Revision) -> dict:
    return {
        "id": revision.pk,
        "change": idm.describe(revision.target, revision.before, revision.after),
        "rationale": revision.rationale,
    }


def panel_context(session: ChatSession, message: str = "", error: str = "") -> dict:
    participant = session.participant
    manipulation = participant.condition.manipulation
    identity = participant.identity
    view = selectors.identity_view(identity)
    editable = manipulation.panel == "editable" and not session.is_over()
    ground_locked = rules.is_locked(manipulation, idm.COMMON_GROUND)
    open_proposals = identity.revisions.open_proposals().order_by("id")
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
                _proposal(r) for r in open_proposals if r.author == Revision.Author.AGENT
            ],
            "own_proposals": [
                _proposal(r) for r in open_proposals if r.author == Revision.Author.PARTICIPANT
            ],
            "revision": view.last_revision_id,
            "version": view.version,
            "message": message,
            "error": error,
        },
        "study": participant.study,
        "session": session,
    }
