"""Everything the chat page's script says, in the study's language (the script has no
translations of its own: the page hands it these, and it fills in ``%(name)s`` itself)."""

from __future__ import annotations

from django.utils.translation import gettext as _


def page_text() -> dict:
    return {
        "you": _("You"),
        "note": _("Note"),
        "sending": _("(sending)"),
        "typing": _("%(agent)s is typing…"),
        "failed": _("%(agent)s could not reply just now. Your message is saved: please try again."),
        "slow": _("This is taking longer than usual."),
        "tryAgain": _("Try again"),
        "timeUp": _("The time for this chat is up. Please finish the chat to continue."),
        "canFinish": _("You can finish the chat whenever you are ready."),
        "needMore": _("Send %(needed)s messages before you can finish (%(sent)s so far)."),
        "connected": _("Connected."),
        "lost": _("Connection lost. Reconnecting… Your messages are kept and will be sent."),
        "closed": _("You have withdrawn from this study, so this chat is closed."),
        "notYours": _("This chat belongs to another participant."),
        "tooLong": _("Messages can be at most %(count)s characters."),
        "minuteLeft": _("About %(count)s minute left."),
        "minutesLeft": _("About %(count)s minutes left."),
        "timeIsUp": _("Time is up."),
        "keptForLater": _("Your message is kept and will be sent again."),
        "notSent": _("(not sent: %(reason)s)"),
        "slowDown": _(
            "You are sending messages faster than this study allows. Your message is kept "
            "and will be sent in %(seconds)s seconds."
        ),
        # Refusals the server may send, by code: the page shows these, not the server's words.
        "errors": {
            "empty": _("A message needs some text."),
            "too_long": _("That message is too long."),
            "bad_text": _(
                "This message cannot be sent: it contains a character that cannot be stored."
            ),
            "session_over": _("This chat has ended; no more messages can be sent."),
            "closed": _("You have withdrawn from this study, so this chat is closed."),
            "nothing_to_retry": _("The reply is not stuck: it is on the way."),
            "server_error": _("Something went wrong on our side. Please try again."),
        },
    }
