"""Means, 95% confidence intervals, change scores, correlations and the planned contrast
between two conditions. Pure: no Django; the distributions are SciPy's.

Everything here is exact; pages round once, where they show a number. docs/data.md states
each formula, so an analyst can recompute every number from the exports."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

from scipy import stats as sp


class Summary(NamedTuple):
    n: int
    mean: float | None
    low: float | None  # 95% CI; None with fewer than two values
    high: float | None


def t95(df: float) -> float:
    """The two-sided 95% critical value of Student's t with ``df`` degrees of freedom."""
    return float(sp.t.ppf(0.975, df))


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
    p: float | None = None  # two-sided, H0: r = 0 (t with n - 2 df); None where r is


def correlation(pairs: Sequence[tuple[float, float]]) -> Correlation:
    """Pearson's r between the two values of each pair, with its 95% interval and p."""
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
    p = 0.0 if abs(r) == 1 else float(2 * sp.t.sf(abs(r) * math.sqrt((n - 2) / (1 - r * r)), n - 2))
    if n < 4 or abs(r) == 1:
        return Correlation(n, r, None, None, p)
    z, half = math.atanh(r), float(sp.norm.ppf(0.975)) / math.sqrt(n - 3)
    return Correlation(n, r, math.tanh(z - half), math.tanh(z + half), p)


class Contrast(NamedTuple):
    """Condition b against condition a (b - a): Welch's t test and Hedges' g."""

    n_a: int
    n_b: int
    difference: float | None  # mean of b - mean of a
    low: float | None  # 95% CI of the difference (Welch-Satterthwaite df)
    high: float | None
    t: float | None
    df: float | None
    p: float | None  # two-sided
    g: float | None  # Hedges' g: Cohen's d (pooled SD) times the small-sample correction J
    g_low: float | None  # 95% CI of g: g ± z(.975) J sqrt((na+nb)/(na nb) + d²/(2(na+nb)))
    g_high: float | None


def contrast(a: Sequence[float], b: Sequence[float]) -> Contrast:
    """The planned contrast: b - a. Fewer than two values in a group, or no variance in
    either, gives only what can be said (the counts and, where defined, the difference)."""
    n_a, n_b = len(a), len(b)
    if n_a == 0 or n_b == 0:
        return Contrast(n_a, n_b, *(None,) * 9)
    difference = sum(b) / n_b - sum(a) / n_a
    var_a = _variance(a)
    var_b = _variance(b)
    if var_a is None or var_b is None or var_a + var_b == 0:
        return Contrast(n_a, n_b, difference, *(None,) * 8)
    welch = sp.ttest_ind(b, a, equal_var=False)
    low, high = welch.confidence_interval(0.95)
    pooled = pooled_sd(a, b)
    j = 1 - 3 / (4 * (n_a + n_b - 2) - 1)
    g = g_low = g_high = None
    if pooled:
        d = difference / pooled
        se = j * math.sqrt((n_a + n_b) / (n_a * n_b) + d**2 / (2 * (n_a + n_b)))
        g, z = j * d, float(sp.norm.ppf(0.975))
        g_low, g_high = g - z * se, g + z * se
    return Contrast(
        n_a, n_b, difference, float(low), float(high), float(welch.statistic),
        float(welch.df), float(welch.pvalue), g, g_low, g_high,
    )  # fmt: skip


def pooled_sd(a: Sequence[float], b: Sequence[float]) -> float | None:
    """sqrt(((na - 1) var_a + (nb - 1) var_b) / (na + nb - 2)), sample variances; None with
    fewer than two values in a group."""
    var_a, var_b = _variance(a), _variance(b)
    if var_a is None or var_b is None:
        return None
    return math.sqrt(((len(a) - 1) * var_a + (len(b) - 1) * var_b) / (len(a) + len(b) - 2))


def _variance(values: Sequence[float]) -> float | None:
    n = len(values)
    if n < 2:
        return None
    if len(set(values)) == 1:
        return 0.0  # exactly: the mean of equal floats need not equal them to the last bit
    mean = sum(values) / n
    return sum((v - mean) ** 2 for v in values) / (n - 1)


def holm(p_values: Sequence[float | None]) -> list[float | None]:
    """Holm's step-down adjustment of a family of p-values (None: no test, left out)."""
    tested = sorted((p, i) for i, p in enumerate(p_values) if p is not None)
    adjusted: list[float | None] = [None] * len(p_values)
    running, m = 0.0, len(tested)
    for rank, (p, i) in enumerate(tested):
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[i] = running
    return adjusted
