"""Where a participant goes back to Prolific, and with which code. Pure: no Django imports.

Prolific learns each submission's outcome from the completion code the participant comes back
with (``https://app.prolific.com/submissions/complete?cc=CODE``). A study sets one return
address, the one for people who finish; every other outcome that has a code of its own goes
back to the same address with ``cc`` set to that code.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

COMPLETED, TIMED_OUT, DECLINED, WITHDRAWN = "completed", "timed_out", "declined", "withdrawn"


def with_code(address: str, code: str) -> str:
    """``address`` with its ``cc`` query parameter set to ``code`` (added if missing)."""
    parts = urlsplit(address)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "cc"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("cc", code)])))


def return_address(address: str, code: str, outcome: str) -> str:
    """The address that takes a participant back for ``outcome`` (whose code is ``code``),
    or "" for none.

    Finishing returns to ``address`` as the researcher entered it. Any other outcome returns
    only if the study has a code for it: a participant who declined with no code to give
    Prolific stays on Dyad's page, which tells them they may close it.
    """
    if not address:
        return ""
    if outcome == COMPLETED:
        return address
    return with_code(address, code) if code else ""
