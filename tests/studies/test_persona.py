"""The persona schema: a value typed as text, a trait that is no whole number from 1 to 7."""

from __future__ import annotations

import pytest

from chat import identity as idm
from studies.persona import validate_persona


def test_values_typed_as_text_become_a_list_not_letters():
    assert validate_persona({"name": "A", "values": "kindness, humour"})["values"] == [
        "kindness",
        "humour",
    ]


@pytest.mark.parametrize("bad", [float("inf"), float("nan"), 10**30, "9" * 5000, "٣", [4], None])
def test_a_trait_that_is_no_whole_number_from_1_to_7_is_refused_not_a_crash(bad):
    with pytest.raises(idm.IdentityError, match="whole numbers from 1 to 7"):
        validate_persona({"name": "A", "traits": {"openness": bad}})
