"""Who may write which part of the identity, per condition (chat.rules)."""

from __future__ import annotations

import pytest

from chat import identity as idm
from chat.rules import APPLY, PROPOSE, agent_write, participant_write
from studies.design import Manipulation


def rules(panel="editable", participant="direct", agent="propose", locked=()):
    return Manipulation(panel, participant, agent, frozenset(locked))


def test_participant_permissions_follow_the_condition():
    assert participant_write(rules(), "persona.name") == APPLY
    assert participant_write(rules(participant="propose"), "persona.name") == PROPOSE
    for manipulation, code in [
        (rules(panel="hidden"), "panel_hidden"),
        (rules(panel="visible"), "read_only"),
        (rules(locked={"persona.name"}), "locked"),
        (rules(locked={"persona"}), "locked"),
    ]:
        with pytest.raises(idm.IdentityError) as caught:
            participant_write(manipulation, "persona.name")
        assert caught.value.code == code
    with pytest.raises(idm.IdentityError):
        participant_write(rules(locked={"common_ground"}), "common_ground.ab12")


def test_agent_permissions_follow_the_condition():
    assert agent_write(rules(agent="silent"), "persona.name") == APPLY
    assert agent_write(rules(agent="announced"), "persona.name") == APPLY
    assert agent_write(rules(agent="propose"), "persona.name") == PROPOSE
    assert agent_write(rules(agent="off"), "persona.name") is None
    assert agent_write(rules(locked={"persona.name"}), "persona.name") is None
    assert agent_write(rules(panel="hidden", agent="propose"), "persona.name") is None
