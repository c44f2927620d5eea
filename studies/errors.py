"""The one shape of a refusal. Pure: no Django imports."""

from __future__ import annotations


class Refused(Exception):
    """A request that is refused and changes nothing: ``code`` is stable (pages, clients and
    tests match on it), ``message`` is for the person who asked."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message
