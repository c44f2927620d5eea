"""Reads shaped for the researcher dashboard. Each page costs a fixed number of queries,
however many participants a study has."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from functools import partial
from typing import NamedTuple

from django.db.models import Count, Max, Q

from chat import identity as idm
from chat import telemetry
from chat.models import AgentTurn, ChatSession, Message, Revision
from chat.selectors import identity_view
from questionnaires.models import Administration
from questionnaires.pmq import FACTORS
from studies.models import Condition, Participant, Study, present, real, simulated
from studies.text import whole_number

from .stats import changes, contrast, holm, summarise


def study_list(user):
    counted = real("participants__")
    return (
        Study.objects.visible_to(user)
        .annotate(
            entered=Count("participants", filter=counted, distinct=True),
            completed=Count(
                "participants",
                filter=counted & Q(participants__completed_at__isnull=False),
                distinct=True,
            ),
        )
        .order_by("-created_at")
    )


class Cohort(NamedTuple):
    """Whose data a page shows: people (the default), or the simulated participants of one
    pilot or of every pilot. ``who(through)`` selects them, withdrawn ones included."""

    label: str
    pilot: str  # "" for people, "all" or a pilot id
    who: Callable[[str], Q]

    def present(self, through: str = "") -> Q:
        return self.who(through) & present(through)


PEOPLE = Cohort("people", "", real)


def cohort(study: Study, pilot: str | None) -> Cohort:
    """The cohort a ``?pilot=`` parameter asks for (anything unknown: people)."""
    if pilot == "all":
        return Cohort("simulated participants of every pilot", "all", simulated)
    number = whole_number(pilot)
    if number and study.pilots.filter(pk=number).exists():
        return Cohort(
            f"simulated participants of pilot {number}", pilot, partial(simulated, pilot=number)
        )
    return PEOPLE


def _counted(cohort: Cohort, *where: Q, **conditions):
    """The cohort's participants matching the conditions, counted once each."""
    counted = cohort.who("participants__") & Q(*where, **conditions)
    return Count("participants", filter=counted, distinct=True)


def _active(cohort: Cohort, **conditions):
    """Counted only while they have not withdrawn (withdrawn people get their own column)."""
    counted = cohort.present("participants__") & Q(**conditions)
    return Count("participants", filter=counted, distinct=True)


def _after_reveal(through: str = "") -> Q:
    """Declined the use of their data after a deceptive condition's reveal (and so withdrew:
    counted apart from those who withdrew on their own)."""
    return Q(**{f"{through}reconsent": Participant.Reconsent.DECLINED})


def funnel(study: Study, cohort: Cohort = PEOPLE) -> dict:
    """Participants at each step, overall and per condition (in two queries). ``withdrawn``
    leaves out those who withdrew after a reveal: ``after_reveal`` counts them."""
    overall = study.participants.filter(cohort.who()).aggregate(
        entered=Count("pk"),
        consented=Count("pk", filter=Q(consented_at__isnull=False)),
        declined=Count("pk", filter=Q(declined_at__isnull=False)),
        withdrawn=Count("pk", filter=Q(withdrawn_at__isnull=False) & ~_after_reveal()),
        after_reveal=Count("pk", filter=_after_reveal()),
    )
    pmq = "participants__administrations__"
    rows = (
        Condition.objects.filter(study=study)
        .order_by("id")
        .annotate(
            consented=_active(cohort, participants__consented_at__isnull=False),
            pre_done=_active(
                cohort,
                **{
                    f"{pmq}timepoint": "pre",
                    f"{pmq}session_number": 1,
                    f"{pmq}submitted_at__isnull": False,
                },
            ),
            chatted=_active(cohort, participants__chat_sessions__participant_turns__gt=0),
            post_done=_active(
                cohort, **{f"{pmq}timepoint": "post", f"{pmq}submitted_at__isnull": False}
            ),
            completed=_active(cohort, participants__completed_at__isnull=False),
            checks_failed=_active(cohort, **{f"{pmq}checks_failed__gt": 0}),
            withdrawn=_counted(
                cohort, ~_after_reveal("participants__"), participants__withdrawn_at__isnull=False
            ),
            after_reveal=_counted(cohort, _after_reveal("participants__")),
        )
    )
    rows = list(rows)
    deceives = overall["after_reveal"] or any(c.deceptive for c in rows)
    return {"overall": overall, "conditions": rows, "deceives": deceives}


def live_sessions(study: Study, cohort: Cohort = PEOPLE):
    return (
        ChatSession.objects.filter(
            cohort.present("participant__"),
            participant__study=study,
            status=ChatSession.Status.ACTIVE,
        )
        .select_related("participant__condition")
        .annotate(last_message_at=Max("messages__created_at"), message_count=Count("messages"))
        .order_by("-last_message_at")
    )


def finished_sessions(study: Study, cohort: Cohort = PEOPLE):
    """Ended sessions of the cohort (researchers' previews included, to review them)."""
    who = cohort.present("participant__")
    if cohort is PEOPLE:
        who |= Q(participant__is_preview=True, participant__withdrawn_at__isnull=True)
    return (
        ChatSession.objects.filter(who, participant__study=study)
        .exclude(status=ChatSession.Status.ACTIVE)
        .select_related("participant__condition")
        .order_by("-ended_at")[:200]
    )


class Event(NamedTuple):
    kind: str  # "message" or "revision"
    at: object
    item: object


def session_review(session: ChatSession) -> dict:
    """The transcript interleaved with every revision made during the session, when each
    agent reply was ready and shown, and, where the study records typing, how each message
    was typed and the time spent away."""
    messages = list(session.messages.order_by("turn"))
    by_id = {m.pk: m for m in messages}
    revisions = list(
        Revision.objects.filter(session=session).select_related("resolves").order_by("id")
    )
    away = list(session.events.order_by("ended_at", "id"))
    timeline = sorted(
        [
            Event(
                "message",
                m.created_at,
                {
                    "message": m,
                    "provenance": provenance_fields(m),
                    "typing": typing_flags(m),
                    "times": reply_times(m, by_id.get(m.reply_to_id)),
                },
            )
            for m in messages
        ]
        + [Event("revision", r.created_at, _revision_row(r)) for r in revisions]
        + [
            Event(
                "away",
                e.ended_at,
                {"kind": e.get_kind_display(), "length": seconds_text(e.duration_ms / 1000)},
            )
            for e in away
        ],
        key=lambda e: e.at,
    )
    pmq = Administration.objects.filter(
        participant=session.participant, session_number=session.number, submitted_at__isnull=False
    ).order_by("timepoint")
    troubled = AgentTurn.objects.filter(prompted__session=session).exclude(errors=[])
    return {
        "timeline": timeline,
        "pmq": {a.timepoint: a.scores for a in pmq},
        "agent_errors": list(troubled.select_related("prompted").order_by("id")),
        "time_away": time_away(away),
    }


def typing_flags(message: Message) -> list[str]:
    """What a researcher should see about how a participant message was typed."""
    if message.typing_ms is None:
        return []
    flags = [f"written in {seconds_text(message.typing_ms / 1000)}"]
    share = telemetry.pasted_share(message.text, message.pasted_chars)
    if message.paste_count:
        pastes = f"{message.paste_count} paste{'s' if message.paste_count != 1 else ''}"
        flags.insert(0, f"{round((share or 0) * 100)}% of this message was pasted ({pastes})")
    return flags


def reply_times(reply: Message, prompted: Message | None) -> str:
    """When an agent reply appeared, was ready and showed "typing", counted from the
    participant's message it answers ("" without those times, as replies made before they
    were recorded, or without that message)."""
    if prompted is None or reply.shown_at is None:
        return ""

    def after(at) -> str:
        seconds = (at - prompted.created_at).total_seconds()
        return f"{seconds:.1f} s" if seconds < 60 else seconds_text(seconds)

    streamed = reply.generated_at is not None and reply.shown_at < reply.generated_at
    shown = "began to show" if streamed else "shown"
    parts = [f"{shown} {after(reply.shown_at)} after the message"]
    if reply.generated_at is not None:
        by_model = reply.authored in (Message.Authored.AGENT, Message.Authored.FALLBACK)
        done = "the model was done" if by_model else "the wizard sent it"
        parts.append(f"{done} after {after(reply.generated_at)}")
    if reply.typing_started_at is None:
        parts.append("no typing indicator")
    else:
        parts.append(f"“typing” from {after(reply.typing_started_at)}")
    return "; ".join(parts)


def time_away(events) -> list[str]:
    """One line per kind: how often and how long in all."""
    lines = []
    for kind, label in (("hidden", "tab hidden"), ("idle", "idle")):
        stretches = [e.duration_ms for e in events if e.kind == kind]
        if stretches:
            times = f"{len(stretches)} time{'s' if len(stretches) != 1 else ''}"
            lines.append(f"{label} {times}, {seconds_text(sum(stretches) / 1000)} in all")
    return lines


def seconds_text(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


def _revision_row(revision: Revision) -> dict:
    return {
        "revision": revision,
        "change": idm.describe(revision.target, revision.before, revision.after),
        "of_proposal": revision.resolves_id,
    }


def identity_view_of(session: ChatSession):
    return identity_view(session.participant.identity)


def identity_at(session: ChatSession, version: int | None) -> tuple[dict, int]:
    view = identity_view(session.participant.identity, version)
    return view.state, view.version


class Cell(NamedTuple):
    condition: str
    session_number: int
    factor: str
    pre: object
    post: object
    change: object


def pmq_scores(study: Study, cohort: Cohort = PEOPLE) -> dict:
    """(condition, session, timepoint, factor) -> {participant id: score}, for the cohort's
    submitted PMQs. One query."""
    rows = Administration.objects.filter(
        cohort.present("participant__"),
        participant__study=study,
        participant__condition__isnull=False,
        submitted_at__isnull=False,
        instrument__code="pmq",
    ).values_list(
        "participant__condition__name", "session_number", "timepoint", "participant_id", "scores"
    )
    scores: dict = defaultdict(dict)  # (condition, session, timepoint, factor) -> {pid: score}
    for condition, number, timepoint, pid, values in rows:
        for factor in FACTORS:
            scores[(condition, number, timepoint, factor)][pid] = values[factor]
    return scores


def pmq_results(study: Study, cohort: Cohort = PEOPLE) -> list[Cell]:
    """Per condition and session number: pre and post means with 95% CIs, and change
    scores (post - pre, per participant with both), for every PMQ factor. One query."""
    scores = pmq_scores(study, cohort)
    cells = []
    for condition, number in sorted({(c, n) for c, n, _, _ in scores}):
        for factor in FACTORS:
            pre = scores.get((condition, number, "pre", factor), {})
            post = scores.get((condition, number, "post", factor), {})
            cells.append(
                Cell(
                    condition,
                    number,
                    factor,
                    summarise(list(pre.values())),
                    summarise(list(post.values())),
                    summarise(changes(pre, post)),
                )
            )
    return cells


def provenance_fields(message: Message) -> list[tuple[str, object]]:
    names = ("identity_version", *Message.PROVENANCE)
    return [(n, getattr(message, n)) for n in names if getattr(message, n) not in (None, "")]


def pmq_change_contrasts(
    study: Study, cohort: Cohort = PEOPLE, planned: tuple[str, str] | None = None
) -> list[dict]:
    """Exploratory: for every pair of conditions, session and PMQ factor, the difference in
    change (post - pre) between the two (Welch, Hedges' g), with p adjusted by Holm's method
    across the whole family. A pair is b - a in name order, but the plan's pair (``planned``:
    its A and B) as the plan has it, B - A, so the same effect never shows two signs."""
    scores = pmq_scores(study, cohort)
    conditions = sorted({c for c, *_ in scores})
    sessions = sorted({n for _, n, *_ in scores})
    out = []
    pairs = [(a, b) for i, a in enumerate(conditions) for b in conditions[i + 1 :]]
    if planned is not None:
        pairs = [planned if {a, b} == set(planned) else (a, b) for a, b in pairs]
    for a, b in pairs:
        for number in sessions:
            for factor in FACTORS:
                change = [
                    changes(
                        scores.get((c, number, "pre", factor), {}),
                        scores.get((c, number, "post", factor), {}),
                    )
                    for c in (a, b)
                ]
                out.append(
                    {"a": a, "b": b, "session": number, "factor": factor,
                     "contrast": contrast(*change)}
                )  # fmt: skip
    for row, adjusted in zip(out, holm([r["contrast"].p for r in out]), strict=True):
        row["p_holm"] = adjusted
    return out
