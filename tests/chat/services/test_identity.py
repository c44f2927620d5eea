"""The identity ledger through its services: edits, proposals, decisions, memory."""

from __future__ import annotations

from chat import identity as idm
from chat.identity import COMMON_GROUND_MAX, IdentityError
from chat.models import ChatSession, Message, Revision
from chat.selectors import agent_view, identity_view
from chat.services import (
    ChatError,
    agent_turn_run,
    identity_edit,
    message_post,
    proposal_decide,
    session_finish,
    session_open,
)
from chat.services.identity import agent_changes_apply
from tests.base import DyadTestCase
from tests.chat.sockets import ConsumerTestCase


class IdentityTestCase(DyadTestCase):
    def setUp(self):
        super().setUp()
        self.session = session_open(participant=self.ana, number=1)
        self.identity = self.ana.identity

    def state(self):
        return identity_view(self.identity).state

    def notes(self):
        return list(self.session.messages.filter(sender="system").values_list("text", flat=True))

    def set_condition(self, **fields):
        for name, value in fields.items():
            setattr(self.editable, name, value)
        self.editable.save()

    def say(self, text: str) -> Message:
        posted = message_post(
            session_id=self.session.pk, client_id=f"c{Message.objects.count()}", text=text
        )
        return agent_turn_run(message_id=posted.message.pk)


class LedgerTests(IdentityTestCase):
    def test_the_identity_starts_from_the_condition_seed_at_version_one(self):
        assert self.state()["persona"]["name"] == "Mira"
        seed = self.identity.revisions.get()
        assert (seed.author, seed.status, seed.target, seed.version) == (
            "system",
            "applied",
            "*",
            1,
        )
        greeting = self.session.messages.get(turn=1)
        assert greeting.identity_version == 1

    def test_a_participant_edit_is_a_new_revision_with_a_note_and_nothing_overwritten(self):
        identity_edit(session_id=self.session.pk, target="persona.name", value="Nova")
        identity_edit(session_id=self.session.pk, target="persona.name", value="Vega")
        rows = list(self.identity.revisions.order_by("id"))
        assert [(r.target, r.before, r.after, r.version) for r in rows[1:]] == [
            ("persona.name", "Mira", "Nova", 2),
            ("persona.name", "Nova", "Vega", 3),
        ]
        assert rows[1].author == "participant" and rows[1].session == self.session
        assert identity_view(self.identity, version=2).state["persona"]["name"] == "Nova"
        assert self.state()["persona"]["name"] == "Vega"
        assert self.notes() == [
            "You changed the agent's name: Mira → Nova.",
            "You changed the agent's name: Nova → Vega.",
        ]

    def test_the_agents_next_reply_takes_the_edit_on_board_and_records_its_version(self):
        identity_edit(session_id=self.session.pk, target="persona.register", value="playful")
        reply = self.say("hello")
        assert reply.text.startswith("You've made me more playful: noted.")
        assert reply.identity_version == 2
        assert agent_view(self.session).changes == []  # seen now, not repeated next turn
        assert "noted" not in self.say("hello again").text

    def test_common_ground_statements_are_added_and_removed(self):
        identity_edit(session_id=self.session.pk, target="common_ground", value="we hike")
        [(entry, text)] = self.state()["common_ground"].items()
        assert text == "we hike"
        identity_edit(session_id=self.session.pk, target=f"common_ground.{entry}", value=None)
        assert self.state()["common_ground"] == {}
        assert self.notes()[-1] == "You changed no longer established: we hike."

    def test_an_unchanged_value_writes_nothing(self):
        assert (
            identity_edit(session_id=self.session.pk, target="persona.name", value="Mira") is None
        )
        assert self.identity.revisions.count() == 1


class BadInputTests(IdentityTestCase):
    def assert_refused(self, code: str, **kwargs):
        before = (Revision.objects.count(), Message.objects.count())
        try:
            identity_edit(session_id=self.session.pk, **kwargs)
        except (idm.IdentityError, ChatError) as error:
            assert error.code == code, error.message
        else:
            raise AssertionError(f"expected {code}")
        assert (Revision.objects.count(), Message.objects.count()) == before

    def test_bad_edits_are_refused_and_write_nothing(self):
        self.assert_refused("too_long", target="persona.name", value="N" * 61)
        self.assert_refused("unknown_field", target="persona.shoe_size", value="42")
        self.assert_refused("unknown_field", target="common_ground.ffff0000", value=None)
        self.set_condition(locked_fields=["persona.name"])
        self.assert_refused("locked", target="persona.name", value="Nova")
        self.set_condition(panel_visibility="visible")
        self.assert_refused("read_only", target="persona.role", value="a pilot")
        self.set_condition(panel_visibility="hidden")
        self.assert_refused("panel_hidden", target="persona.role", value="a pilot")

    def test_edits_after_the_session_ended_are_refused(self):
        ChatSession.objects.filter(pk=self.session.pk).update(status="finished")
        self.assert_refused("session_over", target="persona.name", value="Nova")


class ProposalTests(IdentityTestCase):
    def test_agent_proposals_wait_for_the_participant_who_accepts_one_and_rejects_another(self):
        self.say("Call yourself Nova")
        self.say("I'm Alex")
        open_ = {r.target: r for r in self.identity.revisions.open_proposals()}
        assert set(open_) == {"persona.name", "partner.name"}
        assert self.state()["persona"]["name"] == "Mira"  # nothing applied yet
        proposal_decide(
            session_id=self.session.pk, proposal_id=open_["persona.name"].pk, accept=True
        )
        proposal_decide(
            session_id=self.session.pk, proposal_id=open_["partner.name"].pk, accept=False
        )
        assert self.state()["persona"]["name"] == "Nova"
        assert self.state()["partner"]["name"] == ""
        accepted = open_["persona.name"].decision
        assert (accepted.status, accepted.author, accepted.version) == (
            "accepted",
            "participant",
            2,
        )
        rejected = open_["partner.name"].decision
        assert (rejected.status, rejected.version) == ("rejected", None)
        assert (
            Revision.objects.filter(status="proposed").count() == 2
        )  # proposals kept as they were
        assert "You accepted Mira's suggestion: the agent's name: Mira → Nova." in self.notes()
        assert "You turned down Nova's suggestion" in self.notes()[-1]
        reply = self.say("so?")
        assert reply.text.startswith(
            "Thanks for accepting: the agent's name: Mira → Nova. Fair enough, I'll leave that"
        )

    def test_a_proposal_is_decided_once(self):
        self.say("Call yourself Nova")
        proposal = self.identity.revisions.open_proposals().get()
        proposal_decide(session_id=self.session.pk, proposal_id=proposal.pk, accept=True)
        with self.assertRaises(idm.IdentityError):
            proposal_decide(session_id=self.session.pk, proposal_id=proposal.pk, accept=False)
        assert self.state()["persona"]["name"] == "Nova"

    def test_another_participants_proposal_cannot_be_decided(self):
        ben_session = session_open(participant=self.ben, number=1)
        self.say("Call yourself Nova")
        proposal = self.identity.revisions.open_proposals().get()
        with self.assertRaises(idm.IdentityError):
            proposal_decide(session_id=ben_session.pk, proposal_id=proposal.pk, accept=True)
        assert self.identity.revisions.open_proposals().count() == 1

    def test_open_proposals_expire_when_the_session_ends(self):
        self.say("Call yourself Nova")
        self.say("hi")
        session_finish(session_id=self.session.pk)
        proposal = Revision.objects.get(status="proposed")
        assert proposal.decision.status == "expired"
        self.session.refresh_from_db()
        assert self.session.identity_version_end == 1

    def test_participant_proposals_are_settled_by_the_agent(self):
        self.set_condition(participant_writes="propose")
        revision = identity_edit(session_id=self.session.pk, target="persona.name", value="Nova")
        assert revision.status == "proposed" and revision.version is None
        assert self.state()["persona"]["name"] == "Mira"
        self.say("what do you think?")
        assert revision.decision.status == "accepted" and revision.decision.author == "agent"
        assert self.state()["persona"]["name"] == "Nova"
        assert "Mira accepted your suggestion" in self.notes()[-1]


class AgentWriteModeTests(IdentityTestCase):
    def test_silent_changes_apply_without_a_note(self):
        self.set_condition(agent_writes="silent")
        self.say("Call yourself Nova")
        assert self.state()["persona"]["name"] == "Nova"
        assert self.notes() == []

    def test_announced_changes_apply_with_a_note(self):
        self.set_condition(agent_writes="announced")
        self.say("let's agree that we meet on Mondays")
        assert list(self.state()["common_ground"].values()) == ["we meet on Mondays"]
        assert self.notes() == ["Mira changed established: we meet on Mondays."]

    def test_off_and_locked_fields_keep_the_agent_out(self):
        self.set_condition(agent_writes="off")
        self.say("Call yourself Nova")
        self.set_condition(agent_writes="silent", locked_fields=["persona.name"])
        agent_changes_apply(
            session=self.session,
            decisions=[],
            proposals=[{"target": "persona.name", "value": "Nova"}],
        )
        assert self.identity.revisions.count() == 1

    def test_malformed_agent_proposals_are_dropped(self):
        self.set_condition(agent_writes="silent")
        agent_changes_apply(
            session=self.session,
            decisions=[{"proposal": "x"}],
            proposals=[
                {"target": "persona.shoe_size", "value": "9"},
                {"target": "persona.traits.openness", "value": 12},
                {"value": "no target"},
            ],
        )
        assert self.identity.revisions.count() == 1


class MemoryTests(DyadTestCase):
    def second_session_for(self, participant):
        first = session_open(participant=participant, number=1)
        identity_edit(session_id=first.pk, target="persona.name", value="Nova") if (
            participant.condition.panel_visibility == "editable"
        ) else None
        ChatSession.objects.filter(pk=first.pk).update(participant_turns=5)
        session_finish(session_id=first.pk)
        return session_open(participant=participant, number=2)

    def test_memory_carries_over_to_the_next_session(self):
        second = self.second_session_for(self.ana)
        assert identity_view(self.ana.identity).state["persona"]["name"] == "Nova"
        assert second.identity_version_start == 2
        assert second.messages.get(turn=1).text.startswith("Welcome back. Nova here")

    def test_a_reset_condition_starts_every_session_from_the_seed(self):
        self.editable.memory = "reset"
        self.editable.save()
        second = self.second_session_for(self.ana)
        view = identity_view(self.ana.identity)
        assert view.state["persona"]["name"] == "Mira"
        assert second.identity_version_start == view.version == 3
        assert identity_view(self.ana.identity, version=2).state["persona"]["name"] == "Nova"


class CommonGroundLimitTests(ConsumerTestCase):
    def test_common_ground_is_limited_with_a_clear_message_and_nothing_stored(self):
        for n in range(COMMON_GROUND_MAX):
            identity_edit(session_id=self.session.pk, target="common_ground", value=f"fact {n}")
        before = Revision.objects.count(), Message.objects.count()
        with self.assertRaisesMessage(IdentityError, "at most 20 things we've established"):
            identity_edit(session_id=self.session.pk, target="common_ground", value="one more")
        assert (Revision.objects.count(), Message.objects.count()) == before
