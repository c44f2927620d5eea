"""An identity as the participant's panel shows it (the same fields, labels and order), with
what changed against another version marked, for the researcher's pages. Pure: no Django.

``readable(state, against)`` gives the panel's sections, each field with its value shown as
text and, where ``against`` (an earlier version's state) differs, the value it had there;
``differences(a, b)`` only the fields that differ, for the diff between two versions.
"""

from __future__ import annotations

from chat import identity as idm
from studies.words import _

SECTIONS = (
    ("Who the agent is", idm.PERSONA_FIELDS),
    ("Who the participant is to the agent", idm.PARTNER_FIELDS),
)


def _field(field: idm.Field, state: dict, against: dict | None) -> dict:
    value = idm.get(state, field.target)
    before = idm.get(against, field.target) if against is not None else value
    return {
        "target": field.target,
        "label": _(field.label),
        "shown": idm.show(value),
        "changed": before != value,
        "before": idm.show(before),
    }


def _ground(state: dict, against: dict | None) -> list[dict]:
    now = state.get(idm.COMMON_GROUND, {})
    then = (against or {}).get(idm.COMMON_GROUND, {}) if against is not None else now
    entries = []
    for entry, text in now.items():
        old = then.get(entry)
        status = "added" if old is None else ("changed" if old != text else "kept")
        entries.append({"text": text, "status": status, "before": old})
    entries += [
        {"text": text, "status": "removed", "before": text}
        for entry, text in then.items()
        if entry not in now
    ]
    return entries


def readable(state: dict, against: dict | None = None) -> dict:
    sections = [
        {"title": title, "fields": [_field(f, state, against) for f in fields]}
        for title, fields in SECTIONS
    ]
    ground = _ground(state, against)
    changed = sum(f["changed"] for s in sections for f in s["fields"])
    changed += sum(e["status"] != "kept" for e in ground)
    return {"sections": sections, "common_ground": ground, "changed": changed}


def differences(a: dict, b: dict) -> list[dict]:
    """Each field that differs from ``a`` to ``b``: ``{"label", "before", "after"}``; the
    common ground statement by statement."""
    out = []
    for _title, fields in SECTIONS:
        for field in fields:
            before, after = idm.get(a, field.target), idm.get(b, field.target)
            if before != after:
                out.append(
                    {"label": _(field.label), "before": idm.show(before), "after": idm.show(after)}
                )
    for entry in _ground(b, a):
        if entry["status"] != "kept":
            out.append(
                {
                    "label": _(idm.STATEMENT),
                    "before": entry["before"] if entry["status"] != "added" else "",
                    "after": entry["text"] if entry["status"] != "removed" else "",
                }
            )
    return out
