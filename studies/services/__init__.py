"""Writes for studies, by what they do: ``designing`` (a study's design, from draft to
published versions) and ``enrolment`` (a participant's way in and out)."""
