"""The analysis ZIP's files, in order. Pure: no Django imports."""

from __future__ import annotations

from collections.abc import Sequence

from .columns import Table, condition
from .measure_columns import agent_consistency_table, co_construction_table, uptake_table
from .pmq_columns import (
    attention_checks_table,
    pmq_change_table,
    pmq_items_table,
    pmq_scores_table,
)
from .study_columns import (
    RECRUITMENT,
    identity_snapshots_table,
    messages_table,
    participants_table,
    revisions_table,
    sessions_table,
)
from .typing_columns import session_events_table

__all__ = ["RECRUITMENT", "analysis_tables"]
TABLES = (
    participants_table,
    sessions_table,
    messages_table,
    session_events_table,
    revisions_table,
    identity_snapshots_table,
    pmq_items_table,
    pmq_scores_table,
    pmq_change_table,
    attention_checks_table,
    co_construction_table,
    uptake_table,
    agent_consistency_table,
)


def analysis_tables(conditions: Sequence[str]) -> tuple[Table, ...]:
    """Every file of the analysis ZIP but the codebook and datapackage, in ZIP order; the
    study's condition names are the allowed values of every ``condition`` column."""
    return tuple(table(condition(conditions)) for table in TABLES)
