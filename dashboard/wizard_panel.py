"""What the wizard's panel shows (``wizard_views``, and the live view that includes it)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils import timezone

from chat import identity as idm
from chat.services import wizard

TARGETS = [
    (f.target, f.label) for f in idm.PERSONA_FIELDS + idm.PARTNER_FIELDS if f.kind != "scale"
]


def wizard_context(request, study, session, error: str = "", typed: str = "") -> dict:
    """The panel's content; ``error`` and ``typed``: a refused reply, shown again."""
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
        "researchers": study_researchers(study),
        "wizard_error": error,
        "typed": typed,
    }


def study_researchers(study):
    """Who may be a session's wizard: the study's owners and collaborators."""
    ids = set(study.owners.values_list("pk", flat=True))
    ids |= set(study.collaborators.values_list("pk", flat=True))
    return get_user_model().objects.filter(pk__in=ids).order_by("username")
