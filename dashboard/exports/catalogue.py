"""The analysis ZIP's files, in order. Pure: no Django imports."""

from __future__ import annotations

from collections.abc import Sequence

from questionnaires.pmq import FACTORS

from .columns import Table, condition
from .inventory_columns import agent_inventory_table, agent_traits_table
from .measure_columns import (
    MEASURES,
    agent_consistency_table,
    co_construction_table,
    drift_validation_table,
    uptake_table,
)
from .pmq_columns import (
    attention_checks_table,
    pmq_change_table,
    pmq_items_table,
    pmq_scores_table,
)
from .rating_columns import ratings_table
from .study_columns import (
    RECRUITMENT,
    identity_snapshots_table,
    messages_table,
    participants_table,
    revisions_table,
    sessions_table,
)
from .typing_columns import session_events_table

__all__ = ["RECRUITMENT", "analysis_tables", "outcome_choices", "outcome_label"]
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
    ratings_table,
    agent_inventory_table,
    agent_traits_table,
    drift_validation_table,
)


def analysis_tables(conditions: Sequence[str]) -> tuple[Table, ...]:
    """Every file of the analysis ZIP but the codebook and datapackage, in ZIP order; the
    study's condition names are the allowed values of every ``condition`` column."""
    return tuple(table(condition(conditions)) for table in TABLES)


def outcome_choices() -> list[tuple[str, str]]:
    """What a pre-registered primary outcome may be: a PMQ factor's change (pmq_change.csv)
    or a numeric session measure of co_construction.csv, by its column."""
    pmq = [(f"pmq_change:{f}", f"PMQ {f}: change, post - pre (pmq_change.csv)") for f in FACTORS]
    measures = [
        (f"measure:{c.name}", f"{c.name} (co_construction.csv)")
        for c in MEASURES
        if c.type in ("integer", "number")
    ]
    return pmq + measures


def outcome_label(outcome: str) -> str:
    return dict(outcome_choices()).get(outcome, outcome)
