"""Which participants a browser is: kept in the Django session, one per study."""

from __future__ import annotations

KEY = "dyad_participants"


def remember(session, study_id: int, participant_id: int) -> None:
    known = dict(session.get(KEY, {}))
    known[str(study_id)] = participant_id
    session[KEY] = known


def participant_id_for(session, study_id: int) -> int | None:
    return session.get(KEY, {}).get(str(study_id))


def participant_ids(session) -> list[int]:
    return [int(pid) for pid in session.get(KEY, {}).values()]
