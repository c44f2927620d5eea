"""Means, 95% confidence intervals and change scores for PMQ results. Pure: no Django.

Everything here is exact; pages round once, where they show a number."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

# Two-sided 95% critical values of Student's t by degrees of freedom; above 120 the normal.
_T95 = {
    1: 12.706,
    2: 4.303,
    3: 3.182,
    4: 2.776,
    5: 2.571,
    6: 2.447,
    7: 2.365,
    8: 2.306,
    9: 2.262,
    10: 2.228,
    11: 2.201,
    12: 2.179,
    13: 2.160,
    14: 2.145,
    15: 2.131,
    16: 2.120,
    17: 2.110,
    18: 2.101,
    19: 2.093,
    20: 2.086,
    21: 2.080,
    22: 2.074,
    23: 2.069,
    24: 2.064,
    25: 2.060,
    26: 2.056,
    27: 2.052,
    28: 2.048,
    29: 2.045,
    30: 2.042,
    40: 2.021,
    60: 2.000,
    80: 1.990,
    100: 1.984,
    120: 1.980,
}


class Summary(NamedTuple):
    n: int
    mean: float | None
    low: float | None  # 95% CI; None with fewer than two values
    high: float | None


def t95(df: int) -> float:
    if df > 120:
        return 1.960
    # Between tabulated values take the next smaller df: a slightly wider, conservative CI.
    return _T95[max(k for k in _T95 if k <= df)]


def summarise(values: Sequence[float]) -> Summary:
    n = len(values)
    if n == 0:
        return Summary(0, None, None, None)
    mean = sum(values) / n
    if n == 1:
        return Summary(1, mean, None, None)
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    half = t95(n - 1) * sd / math.sqrt(n)
    return Summary(n, mean, mean - half, mean + half)


def changes(pre: dict[int, float], post: dict[int, float]) -> list[float]:
    """Post - pre for every participant with both (keyed by participant id)."""
    return [post[p] - pre[p] for p in sorted(pre.keys() & post.keys())]


class Correlation(NamedTuple):
    n: int
    r: float | None  # None with fewer than three pairs, or a variable that never varies
    low: float | None  # 95% CI (Fisher's z); None with fewer than four pairs
    high: float | None


def correlation(pairs: Sequence[tuple[float, float]]) -> Correlation:
    """Pearson's r between the two values of each pair, with its 95% interval."""
    n = len(pairs)
    if n < 3:
        return Correlation(n, None, None, None)
    mx = sum(a for a, _ in pairs) / n
    my = sum(b for _, b in pairs) / n
    sxy = sum((a - mx) * (b - my) for a, b in pairs)
    sxx = sum((a - mx) ** 2 for a, _ in pairs)
    syy = sum((b - my) ** 2 for _, b in pairs)
    if sxx == 0 or syy == 0:
        return Correlation(n, None, None, None)
    r = max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))
    if n < 4 or abs(r) == 1:
        return Correlation(n, r, None, None)
    z, half = math.atanh(r), 1.96 / math.sqrt(n - 3)
    return Correlation(n, r, math.tanh(z - half), math.tanh(z + half))
