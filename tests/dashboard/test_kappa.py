"""Cohen's kappa and its 95% interval (dashboard.stats.kappa) against computations that share
nothing with it: scikit-learn's kappa, the delta method's variance by numerical
differentiation, and the interval's coverage on data drawn from a known kappa."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from dashboard.stats import Kappa, kappa

TABLES = {  # joint probabilities of (first judge, second judge), rows: first
    "two answers, fair agreement": [[0.45, 0.15], [0.10, 0.30]],
    "two answers, rare 'no'": [[0.80, 0.06], [0.04, 0.10]],
    "three answers": [[0.30, 0.05, 0.05], [0.04, 0.25, 0.03], [0.06, 0.02, 0.20]],
}


def kappa_of(p: np.ndarray) -> float:
    """Kappa from cell proportions, normalised here so that any perturbation is allowed."""
    p = p / p.sum()
    po, pe = np.trace(p), float(p.sum(axis=1) @ p.sum(axis=0))
    return (po - pe) / (1 - pe)


def delta_method_se(p: np.ndarray, n: int) -> float:
    """sqrt(grad' Cov grad) with the multinomial covariance (diag(p) - p p') / n and the
    gradient by central differences."""
    flat, step = p.ravel(), 1e-6
    grad = np.empty_like(flat)
    for i in range(flat.size):
        up, down = flat.copy(), flat.copy()
        up[i] += step
        down[i] -= step
        grad[i] = (kappa_of(up.reshape(p.shape)) - kappa_of(down.reshape(p.shape))) / (2 * step)
    cov = (np.diag(flat) - np.outer(flat, flat)) / n
    return float(np.sqrt(grad @ cov @ grad))


def draw(table, n: int, rng: np.random.Generator) -> list[tuple[int, int]]:
    p = np.asarray(table, dtype=float).ravel()
    k = len(table)
    cells = rng.choice(p.size, size=n, p=p / p.sum())
    return [(int(c) // k, int(c) % k) for c in cells]


@pytest.mark.parametrize("name", TABLES)
def test_kappa_and_its_standard_error_match_independent_computations(name):
    rng = np.random.default_rng(27)
    for n in (12, 60, 400):
        pairs = draw(TABLES[name], n, rng)
        got = kappa(pairs)
        first, second = zip(*pairs, strict=True)
        assert got.kappa == pytest.approx(cohen_kappa_score(first, second), abs=1e-12)
        k = len(TABLES[name])
        observed = np.zeros((k, k))
        for a, b in pairs:
            observed[a, b] += 1 / n
        assert got.se == pytest.approx(delta_method_se(observed, n), rel=1e-5, abs=1e-7)
        assert got.agreement == pytest.approx(np.trace(observed))
        if got.low is None:  # one judge gave one answer throughout: kappa 0, no interval
            assert got.kappa == pytest.approx(0) and got.se == pytest.approx(0, abs=1e-7)
            continue
        assert got.low == pytest.approx(max(-1, got.kappa - 1.959964 * got.se), abs=1e-6)
        assert got.high == pytest.approx(min(1, got.kappa + 1.959964 * got.se), abs=1e-6)


def test_the_interval_covers_the_true_kappa_about_95_times_in_100():
    table = np.asarray(TABLES["two answers, fair agreement"])
    truth = kappa_of(table)
    rng = np.random.default_rng(2027)
    runs = 1000
    covered = sum(
        result.low <= truth <= result.high
        for result in (kappa(draw(table, 150, rng)) for _ in range(runs))
    )
    assert 0.93 <= covered / runs <= 0.97


def test_labels_of_any_kind_and_in_any_order_give_the_same_kappa():
    words = [("yes", "yes"), ("no", "yes"), ("no", "no"), ("yes", "no"), ("yes", "yes")]
    flags = [(a == "yes", b == "yes") for a, b in words]
    assert kappa(words) == kappa(flags) == kappa(list(reversed(words)))


def test_what_cannot_be_computed_is_none_not_a_number():
    assert kappa([]) == Kappa(0, None, None, None, None, None)
    same = kappa([("yes", "yes")] * 5)  # chance agreement is 1: kappa is 0/0
    assert (same.n, same.agreement, same.kappa, same.low) == (5, 1.0, None, None)
    perfect = kappa([("yes", "yes"), ("no", "no")] * 3)
    assert (perfect.kappa, perfect.se, perfect.low, perfect.high) == (1.0, 0.0, 1.0, 1.0)
    one_sided = kappa([("yes", "yes"), ("yes", "no"), ("yes", "yes")])  # the first never varies
    assert (one_sided.kappa, one_sided.se, one_sided.low, one_sided.high) == (0.0, 0.0, None, None)
    opposite = kappa([("yes", "no"), ("no", "yes")] * 3)
    assert opposite.kappa == pytest.approx(-1.0) and opposite.low == -1.0
