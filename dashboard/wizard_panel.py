"""What the wizard's panel shows (``wizard_views``, and the live view that includes it)."""

from __future__ import annotations

from django.utils import timezone

from chat import identity as idm
from chat.services import wizard

TARGETS = [
    (f.target, f.label) for f in idm.PERSONA_FIELDS + idm.PARTNER_FIELDS if f.kind != "scale"
]


def wizard_context(request, study, session, error: str = "", typed: str = "") -> dict:
    waiting = wizard.waiting_request(session)
    seconds_left = None
    if waiting is not None:
        seconds_left = max(0, int((waiting.deadline - timezone.now()).total_seconds()))
    return {
        "study": study,
        "session": session,
        "waiting": waiting,
        "seconds_left": seconds_left,
        "is_wizard": session.wizard_id in (None, request.user.pk),
        "targets": TARGETS,
        "wizard_error": error,
        "typed": typed,
    }
