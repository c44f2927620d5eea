from __future__ import annotations

import random
import threading
from collections import Counter

import pytest
from django.db import connection
from django.test import TransactionTestCase

from studies.allocation import choose_condition
from studies.models import Condition, Participant, Study
from studies.services import enrolment as services


def enrol_sequentially(weights: dict[int, int], n: int, seed: int) -> Counter:
    counts: Counter = Counter()
    rng = random.Random(seed)
    for _ in range(n):
        counts[choose_condition(counts, weights, rng)] += 1
    return counts


@pytest.mark.parametrize("seed", range(5))
def test_equal_weights_never_differ_by_more_than_one_at_any_point(seed):
    weights = {1: 1, 2: 1, 3: 1}
    counts: Counter = Counter()
    rng = random.Random(seed)
    for _ in range(100):
        counts[choose_condition(counts, weights, rng)] += 1
        values = [counts[c] for c in weights]
        assert max(values) - min(values) <= 1


def test_weights_are_respected_within_one_of_the_target_share():
    weights = {1: 2, 2: 1}
    for n in range(1, 60):
        counts = enrol_sequentially(weights, n, seed=n)
        for cid, weight in weights.items():
            target = n * weight / sum(weights.values())
            assert abs(counts[cid] - target) <= 1


def test_a_study_without_conditions_gets_a_clear_error():
    with pytest.raises(ValueError, match="at least one condition"):
        choose_condition({}, {})


class ConcurrentEnrolmentTests(TransactionTestCase):
    def test_concurrent_consents_stay_balanced(self):
        study = Study.objects.create(
            title="T", slug="t", status="active", consent_text="c", debrief_text="d"
        )
        for name in ("a", "b"):
            Condition.objects.create(study=study, name=name)
        people = [Participant.objects.create(study=study) for _ in range(16)]
        errors = []

        def consent(pid):
            try:
                services.participant_consent(participant_id=pid)
            except Exception as exc:  # reported below, not swallowed
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=consent, args=(p.pk,)) for p in people]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        counts = Counter(Participant.objects.values_list("condition__name", flat=True))
        assert counts == {"a": 8, "b": 8}
