"""Calibration of the relevance shown to users: fit, expected calibration error and the reliability table.

Each citation of an answer is one observation: its raw relevance (`Citation.relevance`) and whether its
paragraph is a gold paragraph of the question (citations of a question the text cannot answer are
never gold). `fit` finds the logistic curve P(gold | relevance) by Newton's method; `reliability` bins
the shown scores and compares each bin's mean score with how often its citations were right, and
`expected_calibration_error` weighs those gaps by bin size.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from evals.score import ItemScore

BINS = 10


def observations(scores: Sequence[ItemScore]) -> list[tuple[float, float, bool]]:
    """(relevance, shown score, is gold) for every citation of every answered item."""
    return [(c.relevance, c.score, (c.doc_id, c.paragraph) in s.item.gold_keys)
            for s in scores if not s.answer.abstained for c in s.answer.citations]


def fit(pairs: Sequence[tuple[float, bool]], iterations: int = 50) -> tuple[float, float]:
    """(slope, offset) of the logistic P(gold) = 1 / (1 + exp(-(slope * x + offset)))."""
    slope, offset = 1.0, 0.0
    for _ in range(iterations):
        g0 = g1 = h00 = h01 = h11 = 0.0
        for x, y in pairs:
            p = 1.0 / (1.0 + math.exp(-(slope * x + offset)))
            w = max(p * (1 - p), 1e-9)
            g0, g1 = g0 + (p - y) * x, g1 + (p - y)
            h00, h01, h11 = h00 + w * x * x, h01 + w * x, h11 + w
        det = h00 * h11 - h01 * h01
        if abs(det) < 1e-12:
            break
        slope -= (h11 * g0 - h01 * g1) / det
        offset -= (h00 * g1 - h01 * g0) / det
    return round(slope, 4), round(offset, 4)


def reliability(points: Sequence[tuple[float, bool]], bins: int = BINS) -> list[dict[str, Any]]:
    """Per score bin: how many citations, their mean shown score and the share that were gold."""
    table = []
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        members = [(s, y) for s, y in points if low <= s < high or (b == bins - 1 and s == 1.0)]
        if members:
            table.append({"low": low, "high": high, "n": len(members),
                          "mean_score": round(sum(s for s, _ in members) / len(members), 4),
                          "gold_rate": round(sum(1 for _, y in members if y) / len(members), 4)})
    return table


def expected_calibration_error(points: Sequence[tuple[float, bool]], bins: int = BINS) -> float:
    total = len(points)
    if not total:
        return 0.0
    return round(sum(row["n"] / total * abs(row["mean_score"] - row["gold_rate"])
                     for row in reliability(points, bins)), 4)


def calibration_summary(scores: Sequence[ItemScore]) -> dict[str, Any]:
    shown = [(score, gold) for _, score, gold in observations(scores)]
    return {"citations": len(shown), "ece": expected_calibration_error(shown), "bins": reliability(shown)}
