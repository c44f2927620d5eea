"""What a participant's pages say about their partner: the framing sentence (consent page,
above the chat), the short phrase beside the partner's name (the chat's header), and the
name itself, from the participant's condition, in the study's language."""

from __future__ import annotations

from django.utils.translation import gettext as _


def framing_sentence(condition) -> str:
    """Markdown: the condition's own words, else its preset's sentence ("" when not stated)."""
    if condition is None:
        return ""
    if condition.framing_text.strip():
        return condition.framing_text
    return {
        "ai": _("In this study you will chat with an AI agent: a computer program, not a person."),
        "person": _("In this study you will chat with another participant."),
    }.get(condition.partner_framing, "")


def framing_phrase(condition) -> str:
    """What the chat's header says the partner is ("" when not stated)."""
    return {"ai": _("an AI agent"), "person": _("another participant")}.get(
        condition.partner_framing, ""
    )


def partner_name(condition, identity_name: str) -> str:
    """The partner's name on the pages: the identity's, the fixed label, or "your partner"."""
    return condition.shown_name(identity_name) or _("Your partner")
