"""The codebook and the Frictionless Data Package descriptor. Pure: no Django imports.

Both are built from ``columns``: the descriptor's schemas are the files' headers, types and
allowed values; ``codebook.csv`` is the same, one row per column and per allowed value.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

from questionnaires import pmq

from .cells import neutralise
from .columns import Column, Table
from .pmq_columns import ITEM_FACTS, SCALE, SCORING_RULE

CODEBOOK = Table(
    "codebook.csv",
    "One row per column of every file, then one row per allowed value of that column.",
    (
        Column("file", "string", "The file.", required=True),
        Column("column", "string", "The column.", required=True),
        Column("value", "string", "An allowed value (empty on the row describing the column)."),
        Column("type", "string", "Frictionless field type of the column."),
        Column("required", "boolean", "Whether every row has a value.", required=True),
        Column("description", "string", "What the column or value means.", required=True),
        Column("minimum", "number", "Smallest possible value."),
        Column("maximum", "number", "Largest possible value."),
        Column("factor", "string", "PMQ items: the factor."),
        Column("positive_pole", "string", "PMQ items: the positive pole."),
        Column("negative_pole", "string", "PMQ items: the negative pole."),
        Column("scale", "string", "PMQ columns: the scale."),
        Column("scoring", "string", "PMQ columns: how scores are computed."),
    ),
    (),  # a column's own row has no value, and key fields may not be empty
)
DIALECT = {
    "delimiter": ",",
    "lineTerminator": "\r\n",
    "quoteChar": '"',
    "doubleQuote": True,
    "header": True,
}
POLES = {i.code: i for i in pmq.ITEMS}


PLAN_FILES = ("preregistration.md", "preregistration.json")
DESIGN_FILE = "design.json"
DESIGN_ABOUT = (
    "Every published version of the study's design, in order: its number, SHA-256 "
    "(design_hash in participants.csv and sessions.csv: of the design's canonical JSON, keys "
    "sorted, no spaces), when it was published, and the design itself: the study's settings "
    "and texts and each condition's (panel, write modes, memory, agent, seed persona, "
    "partner framing, reply pacing, deception and reveal), as participants of that version "
    "met them. Endpoints by name; never an address, key or variable."
)


def design_rows() -> list[dict]:
    """The codebook's row for design.json."""
    row = {**_blank(DESIGN_FILE), "column": "(file)", "type": "json"}
    return [row | {"description": DESIGN_ABOUT + "."}]


def plan_rows(plan_hash: str, design_version: int) -> list[dict]:
    """The codebook's rows for the locked plan's files: what each is, with the plan's hash."""
    what = (
        f"The study's pre-registered plan as locked with design version {design_version}, "
        f"SHA-256 {plan_hash} (of the plan's canonical JSON: keys sorted, no spaces)"
    )
    return [
        {**_blank(name), "column": "(file)", "type": kind, "description": f"{what}; {how}."}
        for name, kind, how in (
            (PLAN_FILES[0], "markdown", "readable, in the order of AsPredicted's questions"),
            (PLAN_FILES[1], "json", "the plan under 'plan', with the lock's facts"),
        )
    ]


def _blank(name: str) -> dict:
    return {
        "file": name, "column": "", "value": "", "type": "", "required": False,
        "description": "", "minimum": None, "maximum": None, "factor": "",
        "positive_pole": "", "negative_pole": "", "scale": "", "scoring": "",
    }  # fmt: skip


def codebook_rows(tables: Sequence[Table], files: Sequence[dict] = ()) -> Iterator[dict]:
    """One row per column of every table, each followed by one per allowed value; then one
    per other file (``files``: the locked plan's)."""
    yield from _table_rows(tables)
    yield from files


def _table_rows(tables: Sequence[Table]) -> Iterator[dict]:
    for table in tables:
        for col in table.columns:
            facts = col.pmq or {}
            yield {
                "file": table.name,
                "column": col.name,
                "value": "",
                "type": col.type,
                "required": col.required,
                "description": col.description,
                "minimum": col.minimum,
                "maximum": col.maximum,
                "factor": facts.get("factor", ""),
                "positive_pole": "",
                "negative_pole": "",
                "scale": facts.get("scale", ""),
                "scoring": facts.get("scoring", ""),
            }
            for value, meaning in col.values:
                yield _value_row(table, col, value, meaning)


def _value_row(table: Table, col: Column, value: str, meaning: str) -> dict:
    item = POLES.get(value) if col.pmq else None
    return {
        "file": table.name,
        "column": col.name,
        "value": value,
        "type": "",
        "required": False,
        "description": meaning,
        "minimum": None,
        "maximum": None,
        "factor": item.factor if item else "",
        "positive_pole": item.positive if item else "",
        "negative_pole": item.negative if item else "",
        "scale": SCALE if item else "",
        "scoring": SCORING_RULE if item else "",
    }


def field(col: Column) -> dict:
    described = {"name": col.name, "type": col.type, "description": col.description}
    constraints: dict = {}
    if col.required:
        constraints["required"] = True
    if col.values:
        constraints["enum"] = [neutralise(value) for value, _ in col.values]
    if col.minimum is not None:
        constraints["minimum"] = col.minimum
    if col.maximum is not None:
        constraints["maximum"] = col.maximum
    if constraints:
        described["constraints"] = constraints
    if col.pmq:
        described["pmq"] = col.pmq
    return described


def resource(table: Table) -> dict:
    schema: dict = {
        "fields": [field(col) for col in table.columns],
        "missingValues": [""],
    }
    if table.primary_key:
        schema["primaryKey"] = list(table.primary_key)
    if table.references:
        schema["foreignKeys"] = [
            {
                "fields": list(fields),
                "reference": {"resource": target.removesuffix(".csv"), "fields": list(keys)},
            }
            for fields, target, keys in table.references
        ]
    return {
        "name": table.name.removesuffix(".csv"),
        "path": table.name,
        "profile": "tabular-data-resource",
        "description": table.description,
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "dialect": DIALECT,
        "schema": schema,
    }


def descriptor(tables: Sequence[Table], study: dict) -> dict:
    """The datapackage.json content. ``study`` carries slug, title, created, withdrawal and
    design_versions (number, hash, created)."""
    # Not every resource is a table: the design (and a locked plan's two files) come along.
    return {
        "profile": "data-package",
        "name": f"dyad-{study['slug']}".lower(),
        "title": study["title"],
        "description": (
            "Data exported from Dyad. Researchers' previews are never included; withdrawn "
            f"participants are not included (this study's withdrawal policy: "
            f"{study['withdrawal']}). Text cells starting with = + - @, a tab or a carriage "
            "return begin with an apostrophe ' so that spreadsheets do not run them; "
            "times are ISO 8601 in UTC."
        ),
        "created": study["created"],
        "dyad": {
            "study": study["slug"],
            "withdrawal": study["withdrawal"],
            "designVersions": study["design_versions"],
            "selection": study.get("selection", ""),
            "preregistration": study.get("plan"),
        },
        "pmq": {
            "name": pmq.NAME,
            "citation": pmq.CITATION,
            "note": pmq.NOTE,
            "scale": SCALE,
            "scoring": SCORING_RULE,
            "referents": pmq.REFERENTS,
            "items": ITEM_FACTS,
        },
        "resources": [
            *(resource(t) for t in tables),
            *(_plan_resource(name) for name in PLAN_FILES if study.get("plan")),
            {
                "name": "design-json",
                "path": DESIGN_FILE,
                "profile": "data-resource",
                "description": DESIGN_ABOUT,
                "format": "json",
                "mediatype": "application/json",
                "encoding": "utf-8",
            },
            resource(CODEBOOK),
        ],
    }


def descriptor_bytes(tables: Sequence[Table], study: dict) -> bytes:
    return (json.dumps(descriptor(tables, study), ensure_ascii=False, indent=2) + "\n").encode()


def _plan_resource(name: str) -> dict:
    markdown = name.endswith(".md")
    return {
        "name": name.replace(".", "-"),
        "path": name,
        "profile": "data-resource",
        "description": "The study's pre-registered plan as locked (dyad.preregistration).",
        "format": "md" if markdown else "json",
        "mediatype": "text/markdown" if markdown else "application/json",
        "encoding": "utf-8",
    }
