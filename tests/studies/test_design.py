"""A study's design as data, and its content hash."""

from __future__ import annotations

from studies.design import content_hash, design


def test_the_design_hash_depends_on_the_design_only():
    study = dict.fromkeys(__import__("studies.design", fromlist=["x"]).STUDY_FIELDS, "x")
    conditions = [dict.fromkeys(__import__("studies.design", fromlist=["x"]).CONDITION_FIELDS, 1)]
    first = content_hash(design(study, conditions))
    assert first == content_hash(design({**study, "unrelated": 1}, conditions))
    assert first != content_hash(design({**study, "consent_text": "y"}, conditions))
