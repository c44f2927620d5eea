"""Study design and enrolment: studies and their versions, conditions and the endpoints they
may use, participants. The migrations name ``new_participant_code`` and ``validate_env_name``
here."""

from .conditions import ENV_NAME, Condition, Endpoint, validate_env_name
from .participants import (
    Participant,
    counts_as_data,
    exported,
    new_participant_code,
    present,
    progress_of,
    real,
    simulated,
    withdrawn_mark,
)
from .pilots import Pilot
from .preregistration import Deviation, Preregistration
from .study import Study, StudyVersion

__all__ = [
    "ENV_NAME",
    "Condition",
    "Deviation",
    "Endpoint",
    "Participant",
    "Pilot",
    "Preregistration",
    "Study",
    "StudyVersion",
    "counts_as_data",
    "exported",
    "new_participant_code",
    "present",
    "progress_of",
    "real",
    "simulated",
    "withdrawn_mark",
    "validate_env_name",
]
