"""The rows of every exported file, read a page at a time (keyset pagination).

A page is one short query, so memory stays flat however large the study, and no cursor stays
open between pages. Each query asks for the rows of a group of participants only, so it never
sorts the whole study and the export's time grows linearly with its size. Rows come out as
dicts keyed by the names of their table's columns (``study_columns``, ``pmq_columns``, ...);
the CSV writer puts them in the table's order. Researchers' previews and withdrawn
participants are never read.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterator, Sequence

from django.db.models import Count, Q, QuerySet, Sum

from chat import identity as idm
from chat import telemetry
from chat.models import ChatSession, Message, Revision, SessionEvent
from questionnaires.models import Administration, Response
from questionnaires.pmq import FACTORS
from studies.models import Participant, Preregistration, Study, exported, progress_of
from studies.preregistration import exclusion_reasons

from .pmq_columns import factor_name
from .study_columns import identity_name

PAGE = 2000
GROUP = 100  # participants per group
SCORE_KEYS = (*FACTORS, "overall")
IDENTITY_COLUMNS = {
    identity_name(f.target): f.target for f in idm.PERSONA_FIELDS + idm.PARTNER_FIELDS
}


def pages(queryset: QuerySet, key: Sequence[str], size: int = PAGE) -> Iterator[list]:
    """The rows of a ``.values()`` queryset in ``key`` order (a unique key), page by page; or
    of a ``.values_list()`` queryset whose first fields are ``key`` (tuples cost less)."""
    last = None
    while True:
        page = queryset if last is None else queryset.filter(_after(key, last))
        rows = list(page.order_by(*key)[:size])
        if rows:
            yield rows
        if len(rows) < size:
            return
        end = rows[-1]
        last = [end[k] for k in key] if isinstance(end, dict) else end[: len(key)]


def _after(key: Sequence[str], values: Sequence) -> Q:
    """Rows whose key sorts after ``values``: (a > x) or (a = x and b > y) or ..."""
    condition = Q()
    for i, name in enumerate(key):
        condition |= Q(**dict(zip(key[:i], values[:i], strict=True)), **{f"{name}__gt": values[i]})
    return condition


def people(study: Study) -> QuerySet:
    """Who appears: every participant but previews and the withdrawn (simulated ones too,
    flagged by ``who_they_are``)."""
    return Participant.objects.filter(exported(), study=study)


def who_they_are(study: Study, rows: Iterator[dict]) -> Iterator[dict]:
    """The rows, each with ``is_simulated``, ``pilot`` and ``design_version``: looked up by
    the participant's code and the row's session (two queries for the file), so that no row
    function needs to read them."""
    versions = dict(study.versions.values_list("design_hash", "number"))
    known = {
        code: (simulated, pilot, versions.get(digest))
        for code, simulated, pilot, digest in people(study).values_list(
            "code", "is_simulated", "pilot_id", "design_hash"
        )
    }
    sessions = ChatSession.objects.filter(participant__in=people(study)).values_list(
        "participant__code", "number", "design_hash"
    )
    in_session = {(code, n): versions[d] for code, n, d in sessions if d in versions}
    for row in rows:
        simulated, pilot, entered = known[row["participant"]]
        row["is_simulated"], row["pilot"] = simulated, pilot
        row["design_version"] = in_session.get((row["participant"], row.get("session")), entered)
        yield row


def grouped(study: Study, rows: QuerySet, through: str, key: Sequence[str]):
    """Pages of ``rows`` (linked to participants ``through`` a path), GROUP people at a time."""
    for group in pages(people(study).values("id"), ["id"], size=GROUP):
        ids = [r["id"] for r in group]
        yield from pages(rows.filter(**{f"{through}__in": ids}), key)


def progress(row: dict) -> str:
    return progress_of(row).replace(" ", "_")  # snake_case values for analysts


# participants.csv's columns of the condition's framing, pacing and deception -> the fields
# of a condition (in the design and on the model) they come from.
FRAMING_FIELDS = {
    "partner_framing": "partner_framing",
    "partner_name_shown": "partner_name",
    "reply_pacing": "reply_pacing",
    "deceptive": "deceptive",
}
RECONSENTED = {"given": True, "declined": False}  # "": not asked


def participant_rows(study: Study) -> Iterator[dict]:
    designs = dict(study.versions.values_list("design_hash", "design"))
    per_minute = _messages_per_minute(designs)
    as_designed = _conditions_as_designed(designs)
    finished = Count("chat_sessions", filter=Q(chat_sessions__status=ChatSession.Status.FINISHED))
    rows = people(study).annotate(finished=finished).values(
        "id", "code", "condition__name", "design_hash", "entered_at", "consented_at",
        "declined_at", "completed_at", "finished", "comprehension_answers",
        "comprehension_passed", "message_limit_hits", "frame_limit_hits", "reconsent",
        "reconsented_at", *(f"condition__{f}" for f in FRAMING_FIELDS.values()),
    )  # fmt: skip
    excluded = exclusions(study)
    for page in pages(rows, ["id"]):
        failed = _checks_failed([r["id"] for r in page])
        for r in page:
            reasons = excluded.get(r["id"])
            yield {
                "participant": r["code"], "condition": r["condition__name"],
                "design_hash": r["design_hash"],
                "progress": progress(r), "sessions_finished": r["finished"],
                "entered_at": r["entered_at"], "consented_at": r["consented_at"],
                "declined_at": r["declined_at"], "completed_at": r["completed_at"],
                "checks_failed": failed.get(r["id"]),
                "comprehension_tries": len(r["comprehension_answers"]) or None,
                "comprehension_passed": r["comprehension_passed"],
                "messages_per_minute": per_minute.get(r["design_hash"], study.messages_per_minute),
                "message_limit_hits": r["message_limit_hits"],
                "frame_limit_hits": r["frame_limit_hits"],
                "excluded": None if reasons is None else bool(reasons),
                "exclusion_reasons": ";".join(reasons or ()) or None,
                **_framing(r, as_designed),
                "reconsent": RECONSENTED.get(r["reconsent"]),
                "reconsented_at": r["reconsented_at"],
            }  # fmt: skip


def _messages_per_minute(designs: dict[str, dict]) -> dict[str, int]:
    """Design hash -> the limit its version set (versions from before the limit existed, and
    participants without a version, are held to the study's limit as it stands)."""
    limits = {}
    for digest, design in designs.items():
        limit = design.get("study", {}).get("messages_per_minute")
        if limit:
            limits[digest] = limit
    return limits


def _conditions_as_designed(designs: dict[str, dict]) -> dict[tuple[str, str], dict]:
    """(design hash, condition name) -> that condition's settings in that design version."""
    return {
        (digest, condition["name"]): condition
        for digest, design in designs.items()
        for condition in design.get("conditions", ())
    }


def _framing(r: dict, as_designed: dict[tuple[str, str], dict]) -> dict:
    """A participant's condition's framing, pacing and deception as the design version they
    entered under set them; where it does not record them (participants without a version,
    versions from before these settings existed), their condition as it stands."""
    if r["condition__name"] is None:
        return dict.fromkeys(FRAMING_FIELDS)
    designed = as_designed.get((r["design_hash"], r["condition__name"]), {})
    return {
        column: designed.get(field, r[f"condition__{field}"])
        for column, field in FRAMING_FIELDS.items()
    }


def _checks_failed(participant_ids: list[int]) -> dict[int, int]:
    """Participant id -> attention checks failed, for those who met any."""
    met = Administration.objects.filter(participant_id__in=participant_ids, checks_failed__gte=0)
    totals = met.values("participant_id").annotate(failed=Sum("checks_failed"))
    return {r["participant_id"]: r["failed"] for r in totals}


def session_rows(study: Study) -> Iterator[dict]:
    rows = (
        ChatSession.objects.annotate(message_count=Count("messages"))
        .values(
            "participant_id", "number", "participant__code", "participant__condition__name",
            "status", "started_at", "ended_at", "participant_turns", "message_count",
            "design_hash", "identity_version_start", "identity_version_end",
            "telemetry_refused",
        )
    )  # fmt: skip
    recorded = study.record_typing
    for page in grouped(study, rows, "participant_id", ["participant_id", "number"]):
        for r in page:
            ended = r["ended_at"]
            yield {
                "participant": r["participant__code"],
                "condition": r["participant__condition__name"], "session": r["number"],
                "status": r["status"], "started_at": r["started_at"], "ended_at": ended,
                "duration_seconds": (ended - r["started_at"]).total_seconds() if ended else None,
                "participant_turns": r["participant_turns"], "messages": r["message_count"],
                "design_hash": r["design_hash"],
                "identity_version_start": r["identity_version_start"],
                "identity_version_end": r["identity_version_end"],
                "telemetry_refused": r["telemetry_refused"] if recorded else None,
            }  # fmt: skip


# What an agent reply records of how it was made, and when it was generated, began to show
# "typing" and was shown: fields and columns of messages.csv alike.
AGENT_FIELDS = (
    "revisions_seen", *Message.PROVENANCE, "generated_at", "typing_started_at", "shown_at",
)  # fmt: skip
NO_PROVENANCE = dict.fromkeys(AGENT_FIELDS)


def message_rows(study: Study) -> Iterator[dict]:
    # Tuples, not values() dicts: the largest file, and tuples are read faster.
    rows = Message.objects.values_list(
        "session_id", "turn", "session__participant_id", "session__participant__code",
        "session__participant__condition__name", "session__number", "sender", "text",
        "created_at", "reply_to__turn", "answers", "identity_version", "authored",
        "wizard__username", "reply_to__wizard_request__draft", "typing_ms", "paste_count",
        "pasted_chars", *AGENT_FIELDS,
    )  # fmt: skip
    agent = Message.Sender.AGENT
    for page in grouped(study, rows, "session__participant_id", ["session_id", "turn"]):
        version_at = _versions_by_time({r[2] for r in page})
        for _, turn, pid, code, condition, number, sender, text, at, *rest in page:
            (reply_to, answers, version, authored, wizard, draft, typed, pastes, pasted,
             *provenance) = rest  # fmt: skip
            row = {
                "participant": code, "condition": condition, "session": number, "turn": turn,
                "sender": sender, "text": text, "created_at": at, "reply_to_turn": reply_to,
                "answers_turns": answers, "identity_version": version, "authored": None,
                "wizard": wizard, "wizard_draft": draft, "typing_ms": typed, "pastes": pastes,
                "pasted_chars": pasted, "pasted_share": telemetry.pasted_share(text, pasted),
            }  # fmt: skip
            if sender == agent:
                # A reply to nothing is the greeting: Dyad's template, before anyone wrote.
                row["authored"] = "greeting" if reply_to is None else (authored or "agent")
                row.update(zip(AGENT_FIELDS, provenance, strict=True))
            else:
                row["identity_version"] = version_at(pid, at)
                row.update(NO_PROVENANCE)
            yield row


def session_event_rows(study: Study) -> Iterator[dict]:
    rows = SessionEvent.objects.values_list(
        "session_id", "id", "session__participant__code",
        "session__participant__condition__name", "session__number", "kind", "ended_at",
        "duration_ms",
    )  # fmt: skip
    current, n = None, 0
    for page in grouped(study, rows, "session__participant_id", ["session_id", "id"]):
        for session_id, _, code, condition, number, kind, ended_at, ms in page:
            n = n + 1 if session_id == current else 1
            current = session_id
            yield {
                "participant": code, "condition": condition, "session": number, "event": n,
                "kind": kind, "ended_at": ended_at, "seconds": ms / 1000,
            }  # fmt: skip


def _versions_by_time(participant_ids: set[int]):
    """A lookup of the newest identity version created at or before a moment."""
    times: dict[int, list] = defaultdict(list)
    versions: dict[int, list[int]] = defaultdict(list)
    in_effect = (
        Revision.objects.filter(identity__participant_id__in=participant_ids)
        .in_effect()
        .values_list("identity__participant_id", "created_at", "version")
        .order_by("created_at", "version")
    )
    for pid, at, version in in_effect:
        times[pid].append(at)
        versions[pid].append(max(version, versions[pid][-1]) if versions[pid] else version)

    def version_at(pid: int, moment) -> int | None:
        i = bisect.bisect_right(times[pid], moment)
        return versions[pid][i - 1] if i else None

    return version_at


def revision_rows(study: Study) -> Iterator[dict]:
    rows = Revision.objects.values(
        "id", "identity__participant__code", "identity__participant__condition__name",
        "session__number", "turn", "version", "author", "status", "target", "before", "after",
        "rationale", "resolves_id", "decision__status", "created_at",
    )  # fmt: skip
    for page in grouped(study, rows, "identity__participant_id", ["id"]):
        for r in page:
            yield {
                "revision": r["id"], "participant": r["identity__participant__code"],
                "condition": r["identity__participant__condition__name"],
                "session": r["session__number"], "turn": r["turn"], "version": r["version"],
                "author": r["author"], "status": r["status"], "target": r["target"],
                "before": r["before"], "after": r["after"], "rationale": r["rationale"],
                "resolves": r["resolves_id"], "outcome": r["decision__status"],
                "created_at": r["created_at"],
            }  # fmt: skip


def snapshot_rows(study: Study) -> Iterator[dict]:
    rows = ChatSession.objects.values(
        "participant_id", "number", "participant__code", "participant__condition__name",
        "status", "identity_version_start", "identity_version_end",
    )  # fmt: skip
    for page in grouped(study, rows, "participant_id", ["participant_id", "number"]):
        states = _states({r["participant_id"] for r in page})
        for r in page:
            moments = [("start", r["identity_version_start"])]
            if r["status"] == ChatSession.Status.FINISHED:
                moments.append(("end", r["identity_version_end"]))
            for moment, version in moments:
                state = states.get((r["participant_id"], version))
                if state is None:
                    continue  # no recorded version (sessions from before versions were kept)
                yield {
                    "participant": r["participant__code"],
                    "condition": r["participant__condition__name"], "session": r["number"],
                    "moment": moment, "version": version,
                    **{name: idm.get(state, t) for name, t in IDENTITY_COLUMNS.items()},
                    "common_ground": state[idm.COMMON_GROUND],
                }  # fmt: skip


def _states(participant_ids: set[int]) -> dict[tuple[int, int], dict]:
    """(participant id, version) -> the identity state at that version, for every version."""
    states = {}
    ledger = (
        Revision.objects.filter(identity__participant_id__in=participant_ids)
        .in_effect()
        .values_list("identity__participant_id", "version", "target", "after")
        .order_by("identity__participant_id", "version")
    )
    state, current = None, None
    for pid, version, target, after in ledger.iterator(chunk_size=PAGE):
        if pid != current:
            state, current = idm.seed_state(None), pid
        state = idm.apply(state, target, after)
        states[(pid, version)] = state
    return states


SUBMITTED_PMQ = {"instrument__code": "pmq", "submitted_at__isnull": False}


def pmq_item_rows(study: Study) -> Iterator[dict]:
    answered = {f"administration__{k}": v for k, v in SUBMITTED_PMQ.items()}
    # Tuples, as for messages: the second largest file (every item of every PMQ).
    rows = Response.objects.filter(**answered).values_list(
        "administration_id", "display_position", "id", "administration__participant__code",
        "administration__participant__condition__name", "administration__session_number",
        "administration__timepoint", "item__code", "item__factor", "item__positive_pole",
        "item__negative_pole", "positive_on_left", "raw", "score",
        "administration__submitted_at", "administration__instrument_language",
    )  # fmt: skip
    key = ["administration_id", "display_position", "id"]
    for page in grouped(study, rows, "administration__participant_id", key):
        for _, position, _, code, condition, number, timepoint, item, factor, *rest in page:
            positive, negative, positive_on_left, raw, score, submitted_at, language = rest
            left, right = (positive, negative) if positive_on_left else (negative, positive)
            yield {
                "participant": code, "condition": condition, "session": number,
                "timepoint": timepoint, "item": item, "factor": factor,
                "display_position": position, "positive_on_left": positive_on_left,
                "left_pole": left, "right_pole": right, "raw": raw, "score": score,
                "submitted_at": submitted_at, "instrument_language": language,
            }  # fmt: skip


def _score_values(queryset: QuerySet) -> QuerySet:
    return queryset.values(
        "id", "participant_id", "participant__code", "participant__condition__name",
        "session_number", "timepoint", "scores", "submitted_at", "instrument_language",
    )  # fmt: skip


def pmq_score_rows(study: Study) -> Iterator[dict]:
    rows = _score_values(Administration.objects.filter(**SUBMITTED_PMQ))
    for page in grouped(study, rows, "participant_id", ["participant_id", "id"]):
        for r in page:
            yield {
                **_who(r), "timepoint": r["timepoint"],
                **{factor_name(k): r["scores"][k] for k in SCORE_KEYS},
                "submitted_at": r["submitted_at"],
                "instrument_language": r["instrument_language"],
            }  # fmt: skip


def _who(r: dict) -> dict:
    """The participant, condition and session of an administration's ``values()`` row."""
    return {
        "participant": r["participant__code"],
        "condition": r["participant__condition__name"],
        "session": r["session_number"],
    }


def pmq_change_rows(study: Study) -> Iterator[dict]:
    """Post - pre per factor, for every session with both (the dashboard's change scores)."""
    administrations = Administration.objects.filter(**SUBMITTED_PMQ)
    posts = _score_values(administrations.filter(timepoint=Administration.Timepoint.POST))
    for page in grouped(study, posts, "participant_id", ["participant_id", "id"]):
        pres = administrations.filter(
            timepoint=Administration.Timepoint.PRE,
            participant_id__in={r["participant_id"] for r in page},
        ).values_list("participant_id", "session_number", "scores")
        pre = {(pid, number): scores for pid, number, scores in pres}
        for r in page:
            before = pre.get((r["participant_id"], r["session_number"]))
            if before is None:
                continue
            yield {
                **_who(r),
                **{factor_name(k, "_change"): r["scores"][k] - before[k] for k in SCORE_KEYS},
                "instrument_language": r["instrument_language"],
            }


def attention_check_rows(study: Study) -> Iterator[dict]:
    rows = Administration.objects.filter(**SUBMITTED_PMQ, check_answers__isnull=False).values(
        "id", "participant_id", "participant__code", "participant__condition__name",
        "session_number", "timepoint", "check_answers", "submitted_at",
    )  # fmt: skip
    for page in grouped(study, rows, "participant_id", ["participant_id", "id"]):
        for r in page:
            for check in r["check_answers"] or ():
                yield {
                    **_who(r), "timepoint": r["timepoint"],
                    "display_position": check["position"], "asked": check["answer"],
                    "answer": check["raw"], "passed": check["passed"],
                    "submitted_at": r["submitted_at"],
                }  # fmt: skip


def recruitment_rows(study: Study) -> Iterator[dict]:
    rows = people(study).filter(is_simulated=False).values(
        "id", "code", "external_id", "external_study_id", "external_session_id",
        "entered_at", "consented_at", "declined_at", "completed_at",
    )  # fmt: skip
    for page in pages(rows, ["id"]):
        for r in page:
            yield {
                "participant": r["code"], "external_id": r["external_id"],
                "external_study_id": r["external_study_id"],
                "external_session_id": r["external_session_id"], "progress": progress(r),
                "entered_at": r["entered_at"], "completed_at": r["completed_at"],
            }  # fmt: skip


ROWS = {
    "participants.csv": participant_rows,
    "sessions.csv": session_rows,
    "messages.csv": message_rows,
    "session_events.csv": session_event_rows,
    "revisions.csv": revision_rows,
    "identity_snapshots.csv": snapshot_rows,
    "pmq_items.csv": pmq_item_rows,
    "pmq_scores.csv": pmq_score_rows,
    "pmq_change.csv": pmq_change_rows,
    "attention_checks.csv": attention_check_rows,
    "recruitment.csv": recruitment_rows,
}


def exclusion_facts(study: Study, who: Q, session: int) -> dict[int, dict]:
    """Participant id -> what a pre-registration's exclusion rules read
    (``studies.preregistration.exclusion_reasons``), with their code and condition, for the
    study's participants ``who`` selects. Three queries."""
    found = {
        p["id"]: {
            "code": p["code"],
            "condition": p["condition__name"],
            "comprehension_passed": p["comprehension_passed"],
            "simulated": p["is_simulated"],
            "checks_failed": None,
            "messages": None,
        }
        for p in Participant.objects.filter(who, study=study).values(
            "id", "code", "condition__name", "comprehension_passed", "is_simulated"
        )
    }
    for pid, failed in _checks_failed(list(found)).items():
        found[pid]["checks_failed"] = failed
    sessions = ChatSession.objects.filter(participant_id__in=found, number=session)
    for pid, turns in sessions.values_list("participant_id", "participant_turns"):
        found[pid]["messages"] = turns
    return found


def exclusions(study: Study) -> dict[int, list[str]]:
    """Participant id -> the locked plan's reasons to exclude them ([]: kept), for every
    exported participant; {} without a locked plan."""
    plan = Preregistration.objects.locked_of(study)
    if plan is None:
        return {}
    found = exclusion_facts(study, exported(), plan.plan["outcome_session"])
    return {pid: exclusion_reasons(plan.plan, facts) for pid, facts in found.items()}
