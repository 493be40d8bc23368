"""Pure retrieval and answer metrics: every function returns a finite float, never NaN.

Retrieval is scored at paragraph level over a ranked list of paragraph refs `(doc_id, paragraph)`,
best first. Chunk-level rankings often name a paragraph more than once, so the ranking is first
reduced to each paragraph's first appearance; `k` then counts distinct paragraphs.

Edge cases follow from each definition, with one convention for 0/0:
recall-style ratios ("share of the gold that was found") are 1.0 when there is no gold, because
nothing was missed; "was a relevant item ranked" metrics (hit, MRR, nDCG) are 0.0 when there is no
gold, because no relevant item can be ranked. Unanswerable items therefore should be left out of
retrieval averages and scored with `abstention_correct` instead.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from typing import NamedTuple

from evals.text import tokens

Ref = tuple[str, int]  # (doc_id, paragraph); paragraph 0 is the heading
DEFAULT_K = 10

_ROUGE_TOKEN_RE = re.compile(r"\w+")


def distinct(ranked: Iterable[Ref]) -> list[Ref]:
    """`ranked` with repeats removed, keeping each ref's first (best) position."""
    return list(dict.fromkeys(ranked))


def _top(ranked: Sequence[Ref], k: int) -> list[Ref]:
    if k < 1:
        raise ValueError(f"k must be a positive integer, got {k}")
    return distinct(ranked)[:k]


def hit_at_k(ranked: Sequence[Ref], gold: Collection[Ref], k: int = DEFAULT_K) -> float:
    """1.0 if any gold paragraph is among the top `k`, else 0.0 (also 0.0 when gold is empty)."""
    return 1.0 if any(ref in gold for ref in _top(ranked, k)) else 0.0


def recall_at_k(ranked: Sequence[Ref], gold: Collection[Ref], k: int = DEFAULT_K) -> float:
    """Share of the distinct gold paragraphs found in the top `k`; 1.0 when gold is empty."""
    wanted = set(gold)
    if not wanted:
        return 1.0
    return len(wanted.intersection(_top(ranked, k))) / len(wanted)


def mrr_at_k(ranked: Sequence[Ref], gold: Collection[Ref], k: int = DEFAULT_K) -> float:
    """Reciprocal rank (1-based) of the first gold paragraph in the top `k`; 0.0 if none is there."""
    for rank, ref in enumerate(_top(ranked, k), start=1):
        if ref in gold:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(ranked: Sequence[Ref], gold: Collection[Ref], k: int = DEFAULT_K) -> float:
    """nDCG with binary relevance: sum of 1/log2(rank+1) over gold hits, over the ideal sum.

    The ideal ranking puts min(|gold|, k) gold paragraphs first. 0.0 when gold is empty (0/0).
    """
    wanted = set(gold)
    dcg = sum(1.0 / math.log2(rank + 1) for rank, ref in enumerate(_top(ranked, k), 1) if ref in wanted)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(wanted), k) + 1))
    return dcg / ideal if ideal else 0.0


class ContextUsage(NamedTuple):
    """How much of the context given to the generator was gold: `efficiency` in 0..1, char counts."""

    efficiency: float
    retrieved_chars: int
    gold_chars: int


def context_efficiency(retrieved: Sequence[tuple[Ref, str]], gold: Collection[Ref]) -> ContextUsage:
    """Share of retrieved characters that belong to gold paragraphs.

    `retrieved` is what the generator saw, as (ref, text) pairs; repeats are counted, because repeated
    text is sent (and paid for) again. 0.0 efficiency when nothing was retrieved.
    """
    total = sum(len(text) for _, text in retrieved)
    in_gold = sum(len(text) for ref, text in retrieved if ref in gold)
    return ContextUsage(in_gold / total if total else 0.0, total, in_gold)


def key_fact_recall(answer: str, key_facts: Sequence[Sequence[str]]) -> float:
    """Share of facts with at least one alternative occurring (case-insensitive) in `answer`.

    Runs of whitespace (including odd Unicode spaces such as U+2002) count as one plain space on both
    sides. 1.0 when there are no facts: nothing was required.
    """
    if not key_facts:
        return 1.0
    text = _squeeze_lower(answer)
    found = sum(1 for alternatives in key_facts if any(_squeeze_lower(a) in text for a in alternatives))
    return found / len(key_facts)


def _squeeze_lower(text: str) -> str:
    return " ".join(text.lower().split())


def _f_measure(overlap: int, n_pred: int, n_ref: int) -> float:
    """Harmonic mean of overlap/n_pred and overlap/n_ref; 1.0 if both are empty, 0.0 if one is."""
    if n_pred == 0 and n_ref == 0:
        return 1.0
    if overlap == 0:
        return 0.0
    precision, recall = overlap / n_pred, overlap / n_ref
    return 2 * precision * recall / (precision + recall)


def token_f1(prediction: str, reference: str) -> float:
    """SQuAD token F1 on normalised tokens (bag overlap); 1.0 if both are empty, 0.0 if one is."""
    pred, ref = tokens(prediction), tokens(reference)
    overlap = sum((Counter(pred) & Counter(ref)).values())
    return _f_measure(overlap, len(pred), len(ref))


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence of two token lists (O(len(a)·len(b)) time)."""
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b, start=1):
            current.append(previous[j - 1] + 1 if x == y else max(previous[j], current[j - 1]))
        previous = current
    return previous[-1]


def rouge_l(prediction: str, reference: str) -> float:
    """ROUGE-L F1 over lower-cased word tokens (punctuation dropped, articles kept).

    P = LCS/len(prediction), R = LCS/len(reference), F = 2PR/(P+R); 1.0 if both are empty, 0.0 if one is.
    """
    pred = _ROUGE_TOKEN_RE.findall(prediction.lower())
    ref = _ROUGE_TOKEN_RE.findall(reference.lower())
    return _f_measure(lcs_length(pred, ref), len(pred), len(ref))


def abstention_correct(abstained: bool, answerable: bool) -> float:
    """1.0 when the abstain-or-answer decision was right: abstained on unanswerable, answered otherwise.

    Averaged over unanswerable items this is the correct-abstention rate.
    """
    return 1.0 if abstained != answerable else 0.0


def false_abstention(abstained: bool, answerable: bool) -> float:
    """1.0 when the system abstained on an answerable item; 0.0 otherwise (also for unanswerable ones)."""
    return 1.0 if abstained and answerable else 0.0
