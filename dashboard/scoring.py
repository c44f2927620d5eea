"""Scoring an ended session: ask the Q&A probes (once), compute the offline measures, and,
where the study names an LLM judge, the judge's scores; store them with their provenance
as a new ``SessionScore`` row (docs/data.md, "Measures").

Runs in a background task after every session and again on demand for a whole study. The
measures themselves are the pure functions of ``dashboard.measures``; this module loads a
session into their plain inputs and keeps what they return.
"""

from __future__ import annotations

import logging
from typing import NamedTuple

from django.db.models import F

from chat import background
from chat import selectors as chat_selectors
from chat.agent.probes import BY_KEY, PROBE_SET, PROBES
from chat.identity import seed_state
from chat.models import ChatSession, Message, Probe, Revision
from studies.models import Study

from . import judging
from .inventory import inventory_ask, inventory_complete
from .measures import coconstruction as cc
from .measures import drift, uptake
from .models import SessionScore
from .probing import probes_ask

log = logging.getLogger(__name__)
SCORER = "dyad-measures-2"  # 2: first edits ignore settling proposals; identity text sorted


class Loaded(NamedTuple):
    """One session as the measures read it."""

    seed: dict
    start: dict
    end: dict
    previous: tuple[dict, dict] | None
    rows: list[cc.Row]
    changes: list[uptake.Change]
    lines: list[drift.Line]
    probes: list  # chat.models.Probe rows answered


def session_score(*, session_id: int, judge: bool = True) -> SessionScore | None:
    """Score one ended session; None for a session still running or withdrawn."""
    session = (
        ChatSession.objects.select_related(
            "participant__condition", "participant__study__judge_endpoint", "participant__identity"
        )
        .filter(pk=session_id)
        .first()
    )
    if session is None or not session.is_over() or session.participant.withdrawn_at:
        return None
    probes = probes_ask(session_id=session.pk)
    inventory_ask(session_id=session.pk)  # the agent's personality inventory, in rows of its own
    data = _load(session, probes)
    score = SessionScore(session=session, scorer=SCORER, probe_set=PROBE_SET)
    lines = drift.lines(data.lines)
    probe_scores = [drift.probe(BY_KEY[p.key], p.answer, data.end) for p in data.probes]
    took = uptake.uptake(data.changes, [_reply(line) for line in data.lines])
    score.replies = [
        {**scored._asdict(), "text": line.text}
        for scored, line in zip(lines, data.lines, strict=True)
    ]
    score.probes = [
        {
            **s._asdict(),
            "question": p.question,
            "answer": p.answer,
            "model": p.model,
            "identity_version": p.identity_version,
        }
        for s, p in zip(probe_scores, data.probes, strict=True)
    ]
    score.uptake = [row._asdict() for row in took]
    study = session.participant.study
    if judge and study.judge_endpoint_id and study.judge_model:
        judging.judge(score, study, data.lines, data.end)
    score.measures = _measures(data, lines, probe_scores, took, score)
    score.save()
    return score


def study_score(*, study_id: int, judge: bool = True) -> int:
    """Score again every ended session of the study whose newest scoring is out of date (an
    older version of the measures, other judge settings, a probe or judge call that failed);
    each gets a new row. Returns how many were scored."""
    study = Study.objects.select_related("judge_endpoint").get(pk=study_id)
    ids = ChatSession.objects.filter(
        participant__study_id=study_id, participant__withdrawn_at__isnull=True
    ).exclude(status=ChatSession.Status.ACTIVE)
    done = 0
    for session_id in ids.order_by("id").values_list("id", flat=True):
        if is_up_to_date(session_id, study, judge):
            continue
        try:
            done += session_score(session_id=session_id, judge=judge) is not None
        except Exception:  # one session's failure must not stop the others
            log.exception("Scoring session %s failed", session_id)
    return done


def is_up_to_date(session_id: int, study: Study, judge: bool = True) -> bool:
    """Whether scoring the session again would give what its newest scoring holds."""
    newest = SessionScore.objects.filter(session_id=session_id).order_by("-id").first()
    if newest is None or newest.errors or newest.scorer != SCORER:
        return False
    wanted = ("", "")
    if judge and study.judge_endpoint_id and study.judge_model:
        wanted = (study.judge_endpoint.name, study.judge_model)
    if (newest.judge_endpoint, newest.judge_asked) != wanted:
        return False
    answered = Probe.objects.filter(session_id=session_id, probe_set=PROBE_SET, error="")
    return answered.count() == len(PROBES) and inventory_complete(session_id)


def _reply(line: drift.Line) -> uptake.Reply:
    return uptake.Reply(
        line.message_id, line.turn, line.text, line.revisions_seen, line.identity_version
    )


def _load(session: ChatSession, probes) -> Loaded:
    participant = session.participant
    identity = participant.identity
    states: dict[int | None, dict] = {}

    def state(version):
        if version not in states:
            states[version] = chat_selectors.identity_view(identity, version or 0).state
        return states[version]

    previous = None
    before = ChatSession.objects.filter(participant=participant, number=session.number - 1).first()
    if before is not None and before.identity_version_end is not None:
        previous = (state(before.identity_version_start), state(before.identity_version_end))
    ledger = (
        Revision.objects.filter(session=session)
        .annotate(proposer=F("resolves__author"))
        .order_by("id")
    )
    rows, changes = [], []
    for r in ledger:
        rows.append(cc.Row(r.pk, r.author, r.status, r.target, r.turn, r.proposer or ""))
        if r.version is not None and r.target != "*":
            decided_by = r.author if r.status == Revision.Status.ACCEPTED else ""
            author = r.proposer or r.author
            changes.append(
                uptake.Change(
                    r.pk,
                    r.target,
                    author,
                    decided_by,
                    r.status,
                    r.version,
                    r.turn,
                    r.before,
                    r.after,
                )
            )
    replies = session.messages.filter(sender=Message.Sender.AGENT, reply_to__isnull=False)
    lines = [
        drift.Line(
            m.pk, m.turn, m.text, m.identity_version, state(m.identity_version), m.revisions_seen
        )
        for m in replies.order_by("turn")
    ]
    return Loaded(
        seed_state(participant.condition.seed_persona),
        state(session.identity_version_start),
        state(session.identity_version_end),
        previous,
        rows,
        changes,
        lines,
        list(probes),
    )


def _mean(values) -> float | None:
    values = [v for v in values if v is not None]
    return round(sum(values) / len(values), 4) if values else None


def _measures(data: Loaded, lines, probe_scores, took, score: SessionScore) -> dict:
    out = cc.counts(data.rows)
    sizes = cc.common_ground_sizes(data.start, [(c.turn, c.target, c.after) for c in data.changes])
    out |= {
        "common_ground_start": sizes[0][1],
        "common_ground_end": sizes[-1][1],
        "common_ground_max": max(size for _, size in sizes),
        "common_ground_by_turn": [list(pair) for pair in sizes],
    }
    out |= cc.persona_movement(data.seed["persona"], data.end["persona"])
    out |= cc.carry_over(data.seed, data.start, data.end, data.previous)
    summary = uptake.summarise(took)
    out |= {
        "uptake_changes": summary.changes,
        "uptake_observable": summary.observable,
        "uptake_taken_up": summary.taken_up,
        "uptake_rate": None if summary.rate is None else round(summary.rate, 4),
        "uptake_mean_replies": None
        if summary.mean_replies_to_uptake is None
        else round(summary.mean_replies_to_uptake, 4),
        "uptake_old_value_changes": summary.old_value_changes,
    }
    out |= {
        "replies": len(lines),
        "prompt_to_line_mean": _mean(s.prompt_to_line for s in lines),
        "line_to_line_mean": _mean(s.line_to_line for s in lines),
        "contradictions_persona": sum(1 for s in lines if s.contradicts_persona),
        "contradictions_line": sum(1 for s in lines if s.contradicts_line),
        "qa_probes": sum(1 for s in probe_scores if s.qa is not None),
        "qa_mean": _mean(s.qa for s in probe_scores),
    }
    out |= {
        "judge_prompt_to_line_mean": _mean(r.get("judge_prompt_to_line") for r in score.replies),
        "judge_line_to_line_mean": _mean(r.get("judge_line_to_line") for r in score.replies),
        "judge_qa_mean": _mean(p.get("judge_qa") for p in score.probes),
    }
    return out


def on_session_finished(sender, *, session_id: int, **kwargs) -> None:
    """Score a session once it is finished (``chat.events.session_finished``). If that
    fails, the session stays unscored until the study is scored again (the analytics page
    counts them): the participant's session ends either way."""
    try:
        background.start(background.SCORE_SESSION, session_id=session_id)
    except Exception:
        log.exception("Could not score session %s", session_id)
