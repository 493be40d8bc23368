"""Pure statistics for reports: percentiles, seeded bootstrap intervals and paired comparisons.

All functions are deterministic (a seeded `random.Random`, never the global generator) and defined
for empty input, returning 0.0 values rather than NaN, so a run with no items still renders a report.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import NamedTuple

_TIE_TOLERANCE = 1e-12


def mean(values: Sequence[float]) -> float:
    """Arithmetic mean; 0.0 for an empty list."""
    return sum(values) / len(values) if values else 0.0


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0..100) with linear interpolation between ranks (numpy's default).

    0.0 for an empty list; the single value for a list of one.
    """
    if not 0.0 <= p <= 100.0:
        raise ValueError(f"p must be between 0 and 100, got {p}")
    if not values:
        return 0.0
    ordered = sorted(values)
    position = (len(ordered) - 1) * p / 100.0
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


class Interval(NamedTuple):
    """A point estimate (the sample mean) with the bounds of its confidence interval."""

    mean: float
    low: float
    high: float


def bootstrap_ci(values: Sequence[float], n: int = 1000, seed: int = 0, alpha: float = 0.05) -> Interval:
    """Percentile bootstrap interval for the mean: `n` resamples drawn with `random.Random(seed)`.

    Returns (mean, alpha/2 percentile, 1 - alpha/2 percentile) of the resampled means; all 0.0 for an
    empty list. The same input and seed always give the same interval.
    """
    if n < 1 or not 0.0 < alpha < 1.0:
        raise ValueError(f"need n >= 1 and 0 < alpha < 1, got n={n}, alpha={alpha}")
    if not values:
        return Interval(0.0, 0.0, 0.0)
    rng = random.Random(seed)
    size = len(values)
    means = [sum(rng.choices(values, k=size)) / size for _ in range(n)]
    return Interval(mean(values), percentile(means, 100 * alpha / 2), percentile(means, 100 * (1 - alpha / 2)))


class PairedResult(NamedTuple):
    """System A minus system B on the same items: mean difference, its interval, and win counts."""

    diff: Interval
    wins: int  # items where A scored higher
    losses: int  # items where B scored higher
    ties: int
    sign_p: float  # two-sided exact sign test over wins and losses (ties dropped); 1.0 with none


def sign_test(wins: int, losses: int) -> float:
    """Two-sided exact binomial sign test p-value; 1.0 when there are no wins and no losses."""
    trials = wins + losses
    if trials == 0:
        return 1.0
    tail = sum(math.comb(trials, i) for i in range(min(wins, losses) + 1)) / (1 << trials)
    return min(1.0, 2 * tail)


def paired_comparison(
    a: Sequence[float], b: Sequence[float], n: int = 1000, seed: int = 0, alpha: float = 0.05
) -> PairedResult:
    """Compare per-item scores of two systems on the same items, in the same order."""
    if len(a) != len(b):
        raise ValueError(f"paired scores need equal lengths, got {len(a)} and {len(b)}")
    diffs = [x - y for x, y in zip(a, b, strict=True)]
    wins = sum(1 for d in diffs if d > _TIE_TOLERANCE)
    losses = sum(1 for d in diffs if d < -_TIE_TOLERANCE)
    ties = len(diffs) - wins - losses
    return PairedResult(bootstrap_ci(diffs, n, seed, alpha), wins, losses, ties, sign_test(wins, losses))
