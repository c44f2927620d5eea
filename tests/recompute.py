"""Recompute Dyad's exported numbers from an export's own files and docs/data.md alone, as an
analyst defending them to a reviewer would: nothing here imports Dyad.

    python tests/recompute.py EXPORT_DIR     # prints every disagreement; exit status 1 if any

Checked: PMQ item scores, factor and overall scores, change scores (data.md "Scoring
convention"); every co-construction measure: the counts and first edit, the common ground's
sizes and course, the Big Five and edit distances, what carried between sessions
("Co-construction"); the per-session uptake sums ("Uptake"); every reply's prompt-to-line
and line-to-line score, their session means, the replies, contradictions and Q&A counts and
mean ("Drift", "Exact settings"); the agent's personality inventory: every item's keyed
score, each session's trait means, on 1-7, the traits set (from the ledger) and the
differences ("The agent's personality inventory"). Not recomputed: which reply mentions a
value (uptake.csv's per-change rows, data.md's matching rules), the exact name and age
checks themselves, reading a score from an inventory answer, and the LLM judge's scores.
"""

from __future__ import annotations

import json
import math
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

TOLERANCE = 1.01e-4  # numbers are rounded once, to 4 decimals
FACTORS = {"ccd": "CCD", "hlc": "HLC", "cf": "CF"}
TRAITS = ("openness", "conscientiousness", "extraversion", "agreeableness", "neuroticism")
FORMULA = re.compile(r"^'(?=[=+\-@\t\r])")


def read(folder: Path, name: str) -> pd.DataFrame:
    frame = pd.read_csv(folder / name, keep_default_na=False, na_values=[""], dtype=str)
    return frame.map(lambda v: FORMULA.sub("", v) if isinstance(v, str) else v)


def number(value) -> float | None:
    return (
        None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)
    )


class Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.compared = 0

    def same(self, what: str, ours, theirs) -> None:
        self.compared += 1
        a, b = number(ours), number(theirs)
        if a is None and b is None:
            return
        if a is None or b is None or abs(a - b) > TOLERANCE:
            self.problems.append(f"{what}: recomputed {a}, exported {b}")


def pmq(folder: Path, check: Checker) -> None:
    items = read(folder, "pmq_items.csv")
    scores = read(folder, "pmq_scores.csv")
    items["recoded"] = [
        8 - int(raw) if left == "true" else int(raw)
        for raw, left in zip(items["raw"], items["positive_on_left"], strict=True)
    ]
    for _, row in items.iterrows():
        check.same(f"pmq_items {row.participant} {row.item}", row.recoded, row.score)
    key = ["participant", "session", "timepoint"]
    by = items.groupby(key)
    for _, row in scores.iterrows():
        answered = by.get_group(tuple(row[k] for k in key))
        for column, factor in FACTORS.items():
            mean = answered[answered.factor == factor]["recoded"].mean()
            check.same(f"pmq_scores {row.participant} s{row.session} {column}", mean, row[column])
        check.same(f"pmq_scores {row.participant} overall", answered["recoded"].mean(), row.overall)
    both = scores.pivot_table(index=["participant", "session"], columns="timepoint",
                              values=list(FACTORS) + ["overall"], aggfunc="first")  # fmt: skip
    for _, row in read(folder, "pmq_change.csv").iterrows():
        for column in (*FACTORS, "overall"):
            post = float(both.loc[(row.participant, row.session), (column, "post")])
            pre = float(both.loc[(row.participant, row.session), (column, "pre")])
            check.same(
                f"pmq_change {row.participant} {column}", post - pre, row[f"{column}_change"]
            )


def co_construction(folder: Path, check: Checker) -> None:
    ledger = read(folder, "revisions.csv")
    proposer = dict(zip(ledger["revision"], ledger["author"], strict=True))
    ledger["proposer"] = [
        proposer.get(r, "") if isinstance(r, str) else "" for r in ledger["resolves"]
    ]
    for _, row in read(folder, "co_construction.csv").iterrows():
        mine = ledger[(ledger.participant == row.participant) & (ledger.session == row.session)]
        where = f"co_construction {row.participant} s{row.session}"
        in_effect = mine[mine.status.isin(["applied", "accepted"])]
        for author in ("participant", "agent", "researcher", "system"):
            by = [
                (p if p else a) == author
                for p, a in zip(in_effect.proposer, in_effect.author, strict=True)
            ]
            check.same(f"{where} revisions_{author}", sum(by), row[f"revisions_{author}"])
        for part in ("persona", "partner", "common_ground"):
            hits = sum(t.split(".")[0] == part for t in in_effect.target)
            check.same(f"{where} revisions_{part}", hits, row[f"revisions_{part}"])
        for by in ("participant", "agent"):
            made = ((mine.status == "proposed") & (mine.author == by)).sum()
            check.same(f"{where} proposals_{by}", made, row[f"proposals_{by}"])
            for outcome in ("accepted", "rejected", "expired"):
                hits = ((mine.status == outcome) & (mine.proposer == by)).sum()
                check.same(
                    f"{where} proposals_{by}_{outcome}", hits, row[f"proposals_{by}_{outcome}"]
                )
        edits = mine[(mine.author == "participant") & mine.status.isin(["applied", "proposed"])]
        first = edits["turn"].astype(float).min() if len(edits) else None
        check.same(f"{where} first_participant_edit_turn", first, row.first_participant_edit_turn)


def uptake(folder: Path, check: Checker) -> None:
    changes = read(folder, "uptake.csv")
    for _, row in read(folder, "co_construction.csv").iterrows():
        mine = changes[(changes.participant == row.participant) & (changes.session == row.session)]
        where = f"co_construction {row.participant} s{row.session}"
        observable = mine[(mine.observable == "true") & mine.taken_up.notna()]
        taken = observable[observable.taken_up == "true"]
        check.same(f"{where} uptake_changes", len(mine), row.uptake_changes)
        check.same(f"{where} uptake_observable", len(observable), row.uptake_observable)
        check.same(f"{where} uptake_taken_up", len(taken), row.uptake_taken_up)
        rate = len(taken) / len(observable) if len(observable) else None
        check.same(f"{where} uptake_rate", rate, row.uptake_rate)
        replies = taken["replies_to_uptake"].astype(float).mean() if len(taken) else None
        check.same(f"{where} uptake_mean_replies", replies, row.uptake_mean_replies)


def states(folder: Path) -> dict[tuple[str, int], dict]:
    """(participant, version) -> the identity, rebuilt from the ledger: the seed row (target
    ``*``) at version 1, then each applied or accepted row's ``after`` in version order."""
    ledger = read(folder, "revisions.csv")
    ledger = ledger[ledger.version.notna()].copy()
    ledger["v"] = ledger.version.astype(int)
    out: dict[tuple[str, int], dict] = {}
    for code, rows in ledger.sort_values(["participant", "v"]).groupby("participant"):
        state: dict = {}
        for _, row in rows.iterrows():
            after = json.loads(row["after"]) if isinstance(row["after"], str) else None
            if row.target == "*":
                state = after
            else:
                state = json.loads(json.dumps(state))
                *path, last = row.target.split(".")
                place = state
                for step in path:
                    place = place.setdefault(step, {})
                if after is None:
                    place.pop(last, None)
                else:
                    place[last] = after
            out[(code, row.v)] = state
    return out


def identity_text(state: dict) -> str:
    persona, partner = state.get("persona", {}), state.get("partner", {})
    parts = [persona.get(k) for k in ("name", "role", "backstory", "register")]
    parts += list(persona.get("values") or [])
    parts += [partner.get(k) for k in ("name", "about", "style")]
    parts += list(partner.get("interests") or [])
    common = state.get("common_ground", {})
    parts += [common[k] for k in sorted(common)]
    return " ".join(str(p) for p in parts if p)


def cosines(docs: list[str], pairs: list[tuple[int, int]], **settings) -> list[float | None]:
    if not pairs:
        return []
    try:
        matrix = TfidfVectorizer(**settings).fit_transform(docs)
    except ValueError:
        return [None] * len(pairs)
    return [
        None if not docs[a].strip() or not docs[b].strip()
        else round(float(cosine_similarity(matrix[a], matrix[b])[0, 0]), 4)
        for a, b in pairs
    ]  # fmt: skip


def drift(folder: Path, check: Checker) -> None:
    messages = read(folder, "messages.csv")
    consistency = read(folder, "agent_consistency.csv")
    identity = states(folder)
    for _, row in read(folder, "co_construction.csv").iterrows():
        where = f"drift {row.participant} s{row.session}"
        said = messages[
            (messages.participant == row.participant) & (messages.session == row.session)
        ]
        replies = said[(said.sender == "agent") & (said.authored != "greeting")].copy()
        replies["t"] = replies.turn.astype(int)
        replies = replies.sort_values("t")
        texts = list(replies.text.fillna(""))
        versions = [int(v) for v in replies.identity_version]
        identities = [identity_text(identity[(row.participant, v)]) for v in versions]
        n = len(texts)
        lexical = cosines(texts + identities, [(i, n + i) for i in range(n)], analyzer="word",
                          token_pattern=r"(?u)\b\w+\b", sublinear_tf=True)  # fmt: skip
        style = cosines(texts, [(i - 1, i) for i in range(1, n)], analyzer="char_wb",
                        ngram_range=(2, 4))  # fmt: skip
        of_session = consistency[
            (consistency.participant == row.participant) & (consistency.session == row.session)
        ]
        scored = of_session[of_session.kind == "reply"]
        exported = {int(r.turn): r for _, r in scored.iterrows()}
        for i, turn in enumerate(replies.t):
            line = exported.get(turn)
            if line is None:
                check.problems.append(f"{where} turn {turn}: no row in agent_consistency.csv")
                continue
            check.same(f"{where} turn {turn} prompt_to_line", lexical[i], line.prompt_to_line)
            check.same(
                f"{where} turn {turn} line_to_line", style[i - 1] if i else None, line.line_to_line
            )
        means = {"prompt_to_line_mean": lexical, "line_to_line_mean": style}
        for column, values in means.items():
            present = [v for v in values if v is not None]
            check.same(f"{where} {column}", np.mean(present) if present else None, row[column])
        qa = of_session[of_session.kind == "probe"].qa.dropna().astype(float)
        check.same(f"{where} qa_mean", qa.mean() if len(qa) else None, row.qa_mean)


def flat(state: dict) -> dict:
    """The identity's fields as identity_snapshots.csv has them (traits one by one, lists as
    tuples), the common ground as one field: its statements, sorted."""
    out = {}
    for part in ("persona", "partner"):
        for key, value in state.get(part, {}).items():
            if isinstance(value, dict):
                out |= {f"{part}.{key}.{k}": v for k, v in value.items()}
            else:
                out[f"{part}.{key}"] = tuple(value) if isinstance(value, list) else value
    out["common_ground"] = tuple(sorted(state.get("common_ground", {}).values()))
    return out


def changed(a: dict, b: dict) -> set[str]:
    fa, fb = flat(a), flat(b)
    return {k for k in fa.keys() | fb.keys() if fa.get(k) != fb.get(k)}


def levenshtein(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def as_text(value) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value or "")


def identity_measures(folder: Path, check: Checker) -> None:
    """The common ground's sizes, how far the persona moved from the seed, what carried."""
    sessions = read(folder, "sessions.csv").set_index(["participant", "session"])
    ledger = read(folder, "revisions.csv")
    consistency = read(folder, "agent_consistency.csv")
    identity = states(folder)
    for _, row in read(folder, "co_construction.csv").iterrows():
        where = f"co_construction {row.participant} s{row.session}"
        session = sessions.loc[(row.participant, row.session)]
        seed = identity[(row.participant, 1)]
        start = identity[(row.participant, int(session.identity_version_start))]
        end = identity[(row.participant, int(session.identity_version_end))]
        ground = dict(start.get("common_ground", {}))
        course = [[0, len(ground)]]
        mine = ledger[(ledger.participant == row.participant) & (ledger.session == row.session)
                      & ledger.status.isin(["applied", "accepted"])]  # fmt: skip
        for _, change in mine.sort_values("revision", key=lambda c: c.astype(int)).iterrows():
            if change.target.startswith("common_ground."):
                entry = change.target.split(".", 1)[1]
                after = json.loads(change["after"]) if isinstance(change["after"], str) else None
                if after is None:
                    ground.pop(entry, None)
                else:
                    ground[entry] = after
                course.append(
                    [int(change.turn) if isinstance(change.turn, str) else 0, len(ground)]
                )
        check.same(f"{where} common_ground_start", course[0][1], row.common_ground_start)
        check.same(
            f"{where} common_ground_end", len(end.get("common_ground", {})), row.common_ground_end
        )
        check.same(f"{where} common_ground_max", max(n for _, n in course), row.common_ground_max)
        if json.loads(row.common_ground_by_turn) != course:
            check.problems.append(f"{where} common_ground_by_turn: recomputed {course}")
        traits = seed["persona"].get("traits", {}), end["persona"].get("traits", {})
        distance = math.sqrt(sum(
            (float(traits[0].get(t, 4)) - float(traits[1].get(t, 4))) ** 2 for t in TRAITS
        ))  # fmt: skip
        check.same(f"{where} persona_big_five_distance", distance, row.persona_big_five_distance)
        for field in ("name", "role", "backstory", "register", "values"):
            moved = levenshtein(
                as_text(seed["persona"].get(field)), as_text(end["persona"].get(field))
            )
            check.same(
                f"{where} persona_edit_distance_{field}",
                moved,
                row[f"persona_edit_distance_{field}"],
            )
        check.same(f"{where} carried_in", len(changed(seed, start)), row.carried_in)
        check.same(f"{where} changed_in_session", len(changed(start, end)), row.changed_in_session)
        earlier = (row.participant, str(int(row.session) - 1))
        if earlier in sessions.index:
            before = sessions.loc[earlier]
            a = identity[(row.participant, int(before.identity_version_start))]
            b = identity[(row.participant, int(before.identity_version_end))]
            moved = changed(a, b)
            kept = sum(flat(b).get(k) == flat(start).get(k) for k in moved)
            check.same(f"{where} previous_changes", len(moved), row.previous_changes)
            check.same(f"{where} carried_from_previous", kept, row.carried_from_previous)
        of_session = consistency[(consistency.participant == row.participant)
                                 & (consistency.session == row.session)]  # fmt: skip
        replies = of_session[of_session.kind == "reply"]
        probes = of_session[of_session.kind == "probe"]
        check.same(f"{where} replies", len(replies), row.replies)
        for column in ("contradictions_persona", "contradictions_line"):
            source = column.replace("contradictions_", "contradicts_")
            check.same(f"{where} {column}", replies[source].notna().sum(), row[column])
        check.same(f"{where} qa_probes", probes.qa.notna().sum(), row.qa_probes)


def inventory(folder: Path, check: Checker) -> None:
    """agent_traits.csv from agent_inventory.csv: keyed score = score (plus) or 6 - score
    (minus); measured = mean keyed score of the trait's scored items; on 1-7: 1 + (measured
    - 1) * 1.5; set = the persona's trait (4 if unset) at identity_version; difference =
    measured_on_7 - set."""
    items = read(folder, "agent_inventory.csv")
    identity = states(folder)
    items["keyed_again"] = [
        None if pd.isna(score) else (6 - int(score) if keyed == "minus" else int(score))
        for score, keyed in zip(items.score, items.keyed, strict=True)
    ]
    for _, row in items.iterrows():
        where = f"agent_inventory {row.participant} s{row.session} item {row['item']}"
        check.same(f"{where} keyed_score", row.keyed_again, row.keyed_score)
    by = items.groupby(["participant", "session", "inventory", "trait"])
    for _, row in read(folder, "agent_traits.csv").iterrows():
        where = f"agent_traits {row.participant} s{row.session} {row.trait}"
        key = (row.participant, row.session, row.inventory, row.trait)
        keyed = by.get_group(key).keyed_again.dropna() if key in by.groups else pd.Series()
        check.same(f"{where} items", len(keyed), row["items"])
        measured = keyed.astype(float).mean() if len(keyed) else None
        on_7 = None if measured is None else 1 + (measured - 1) * 1.5
        state = identity[(row.participant, int(row.identity_version))]
        given = (state["persona"].get("traits") or {}).get(row.trait, 4)
        check.same(f"{where} measured", measured, row.measured)
        check.same(f"{where} measured_on_7", on_7, row.measured_on_7)
        check.same(f"{where} set", given, row["set"])
        check.same(f"{where} difference", None if on_7 is None else on_7 - given, row["difference"])


def recompute(folder: Path) -> Checker:
    check = Checker()
    for step in (pmq, co_construction, uptake, drift, identity_measures, inventory):
        step(folder, check)
    return check


if __name__ == "__main__":
    done = recompute(Path(sys.argv[1]))
    print("\n".join(done.problems) or f"All {done.compared} recomputed numbers agree.")
    sys.exit(1 if done.problems else 0)
