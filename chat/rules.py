"""Who may write which part of the identity, per condition. Pure: no Django imports."""

from __future__ import annotations

from studies.design import Manipulation
from studies.words import _

from .identity import COMMON_GROUND, IdentityError

APPLY = "apply"
PROPOSE = "propose"


def is_locked(manipulation: Manipulation, target: str) -> bool:
    if target.startswith(COMMON_GROUND + "."):
        return COMMON_GROUND in manipulation.locked
    return target in manipulation.locked or target.split(".")[0] in manipulation.locked


def participant_write(manipulation: Manipulation, target: str) -> str:
    """APPLY or PROPOSE for a participant edit, or IdentityError saying why not."""
    if manipulation.panel == "hidden":
        raise IdentityError("panel_hidden", _("The identity panel is not available in this study."))
    if manipulation.panel != "editable":
        raise IdentityError("read_only", _("The identity panel can be read but not changed here."))
    if is_locked(manipulation, target):
        raise IdentityError("locked", _("This field is locked and cannot be changed."))
    return PROPOSE if manipulation.participant_writes == "propose" else APPLY


def participant_can_decide(manipulation: Manipulation) -> bool:
    """Whether the participant sees, and so can accept or reject, the agent's proposals."""
    return manipulation.panel != "hidden"


def agent_write(manipulation: Manipulation, target: str) -> str | None:
    """APPLY, PROPOSE, or None when the agent's change is not allowed (and is dropped)."""
    if manipulation.agent_writes == "off" or is_locked(manipulation, target):
        return None
    if manipulation.agent_writes == "propose":
        return PROPOSE if participant_can_decide(manipulation) else None
    return APPLY
