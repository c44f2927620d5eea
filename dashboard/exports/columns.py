"""What every exported file holds, column by column: the building blocks. Pure: no Django.

The codebook, the Frictionless datapackage.json, the CSV headers and the order of every row's
cells are all built from the definitions (``study_columns``, ``pmq_columns``, ...): rows are
keyed by column name, so the files cannot disagree with the codebook.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple


class Column(NamedTuple):
    name: str
    type: str  # a Frictionless field type: string, integer, number, boolean, datetime, ...
    description: str
    values: tuple[tuple[str, str], ...] = ()  # allowed values with their meaning
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    pmq: dict | None = None  # the instrument's facts for PMQ columns


class Table(NamedTuple):
    name: str  # file name
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    references: tuple[tuple[tuple[str, ...], str, tuple[str, ...]], ...] = ()

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def types(self) -> list[str]:
        return [c.type for c in self.columns]


def participant() -> Column:
    return Column(
        "participant",
        "string",
        "Pseudonymous participant code (P- and 8 characters): the only participant identifier "
        "in these files.",
        required=True,
    )


def condition(names: Sequence[str]) -> Column:
    return Column(
        "condition",
        "string",
        "Experimental condition, assigned at consent (on entering, before the consent page, "
        "where a condition of the study frames the partner).",
        values=tuple((n, "a condition of this study") for n in names),
    )


SIMULATED = Column(
    "is_simulated",
    "boolean",
    "true for a simulated participant of a pilot run (never a person); false for a person.",
    required=True,
)


PILOT = Column(
    "pilot",
    "integer",
    "For a simulated participant, the pilot run they came from (its number on the study "
    "page); empty for a person.",
    minimum=1,
)
DESIGN_VERSION = Column(
    "design_version",
    "integer",
    "The study's design version this row belongs to: its session's (sessions.csv "
    "design_hash), or, in a file without sessions and for a session from before versions "
    "were kept, the one the participant entered under. datapackage.json lists every "
    "version's number, SHA-256 and time (dyad.designVersions).",
    minimum=1,
)


def session(required: bool = True) -> Column:
    return Column("session", "integer", "Session number, 1 = first.", required=required, minimum=1)


SESSION = session()


def who(c: Column, *, session: bool = True) -> tuple[Column, ...]:
    """The columns an analysis file starts with: the participant, their condition ``c``,
    whether they were simulated and in which pilot, the design version, and (unless
    ``session=False``) the session, so that each file can be analysed, and split by pilot or
    design version, alone."""
    leading = (participant(), c, SIMULATED, PILOT, DESIGN_VERSION)
    return (*leading, SESSION) if session else leading


def timepoint() -> Column:
    return Column(
        "timepoint",
        "string",
        "When the PMQ was answered.",
        values=(("pre", "before the session"), ("post", "after the session")),
        required=True,
    )


def at(name: str, what: str, required: bool = False) -> Column:
    return Column(name, "datetime", f"{what} (ISO 8601, UTC).", required=required)


def by_participant() -> tuple:
    return (("participant",), "participants.csv", ("participant",))


def by_session() -> tuple:
    return (("participant", "session"), "sessions.csv", ("participant", "session"))
