"""Aggregating item scores into a run summary: means with bootstrap intervals, latency, categories, failures.

Every metric is averaged over its population (see `evals.score.POPULATION`) and reported with that
population's size, so "abstention accuracy 0.93 (n=14)" is never confused with a rate over all items.
An empty population gives 0.0 with n=0 rather than NaN. Intervals come from `evals.stats.bootstrap_ci`
with a fixed seed, so the same run always prints the same numbers.
"""

from __future__ import annotations

import os
import platform
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evals.calibration import calibration_summary
from evals.citations import token_coverage
from evals.score import LOWER_IS_BETTER, POPULATION, ItemScore
from evals.stats import bootstrap_ci, mean, percentile
from evals.text import extract_markers, split_sentences, strip_markers
from rag.answer import Answer

HEADLINE = ("hit@1", "hit@3", "hit@5", "recall@k", "mrr@10", "ndcg@10", "context_efficiency",
            "citation_validity", "citation_recall", "citation_precision", "first_citation_correct",
            "support_recall", "support_precision", "uncited_sentence_share", "key_fact_recall", "token_f1",
            "rouge_l", "abstention_accuracy", "false_abstention")
EXTRA = ("recall@3", "recall@5", "markers_in_order")
STAGES = ("retrieve", "generate", "total")
DOCUMENT_METRICS = ("citation_recall", "first_citation_correct", "key_fact_recall", "abstention_accuracy",
                    "false_abstention")
CATEGORY_METRICS = ("first_citation_correct", "citation_recall", "key_fact_recall", "abstention_accuracy")
BOOTSTRAP_SAMPLES = 1000


def metric_summary(scores: Sequence[ItemScore], name: str, lenient: bool = False) -> dict[str, Any]:
    """Mean, 95% bootstrap interval and n of one metric over the items that carry it."""
    values = [s.lenient[name] if lenient else s.metrics[name] for s in scores
              if name in (s.lenient if lenient else s.metrics)]
    interval = bootstrap_ci(values, n=BOOTSTRAP_SAMPLES, seed=0)
    return {"mean": round(interval.mean, 4), "low": round(interval.low, 4), "high": round(interval.high, 4),
            "n": len(values), "population": "answerable" if lenient else POPULATION[name],
            "better": "lower" if name in LOWER_IS_BETTER else "higher"}


def latency(scores: Sequence[ItemScore]) -> dict[str, dict[str, float]]:
    """p50/p95/mean milliseconds per stage, from the answers' own timings."""
    result = {}
    for stage in STAGES:
        values = [s.answer.timings_ms[stage] for s in scores if stage in s.answer.timings_ms]
        result[stage] = {"p50": round(percentile(values, 50), 2), "p95": round(percentile(values, 95), 2),
                         "mean": round(mean(values), 2)}
    return result


def reason_kind(reason: str) -> str:
    """A reason without its particulars: 'key fact missing: X' -> 'key fact missing'."""
    head = re.sub(r"\s*\(.*?\)", "", reason.split(":")[0])
    return re.sub(r"\d+", "N", head).strip()


def categories(scores: Sequence[ItemScore]) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[ItemScore]] = {}
    for s in scores:
        groups.setdefault(s.item.category, []).append(s)
    table = {}
    for name, group in groups.items():
        row: dict[str, Any] = {"n": len(group), "passed": sum(1 for s in group if s.passed)}
        for metric in CATEGORY_METRICS:
            values = [s.metrics[metric] for s in group if metric in s.metrics]
            row[metric] = round(mean(values), 4) if values else None
        table[name] = row
    return table


def by_document(scores: Sequence[ItemScore], splits: dict[str, str]) -> dict[str, dict[str, Any]]:
    """The headline figures of each document's items (an unscoped question counts for its gold document)."""
    groups: dict[str, list[ItemScore]] = {}
    for s in scores:
        doc = s.item.gold_paragraphs[0].doc_id if s.item.gold_paragraphs else (s.item.doc or "")
        groups.setdefault(doc, []).append(s)
    table = {}
    for doc, group in sorted(groups.items()):
        row: dict[str, Any] = {"split": splits.get(doc, ""), "n": len(group)}
        for metric in DOCUMENT_METRICS:
            values = [s.metrics[metric] for s in group if metric in s.metrics]
            row[metric] = round(mean(values), 4) if values else None
        table[doc] = row
    return table


def machine() -> dict[str, Any]:
    """Where the run happened, so published numbers can be repeated."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"nproc": os.cpu_count() or 0, "cpu": cpu, "python": platform.python_version(),
            "platform": platform.platform(terse=True)}


STRICT_SUPPORT = 0.8  # the independent check: this share of a sentence's content words is in its quote


def unsupported_shown(answer: Answer) -> int:
    """Shown sentences whose citations' quotes do not hold STRICT_SUPPORT of their content words (uncited
    sentences, such as a fallback note, are counted by `uncited_sentence_share` instead)."""
    count = 0
    for sentence in split_sentences(answer.answer):
        numbers = [n for n in extract_markers(sentence) if 1 <= n <= len(answer.citations)]
        claim = strip_markers(sentence)
        if numbers and any(token_coverage(claim, answer.citations[n - 1].quote) < STRICT_SUPPORT for n in numbers):
            count += 1
    return count


def generation(scores: Sequence[ItemScore]) -> dict[str, Any] | None:
    """What the LLM path did over the run (None when no answer came from it): sentences shown and removed by
    verification, abstentions and their reasons, answers cut at the deadline and extractive fallbacks."""
    reports = [s.answer.report for s in scores if s.answer.report is not None]
    if not reports:
        return None
    reasons = Counter(r.abstain_reason for r in reports if r.abstain_reason)
    return {"answers": len(reports), "sentences_shown": sum(r.shown for r in reports),
            "sentences_removed": sum(r.removed for r in reports),
            "shown_unsupported_strict": sum(unsupported_shown(s.answer) for s in scores if s.answer.report),
            "abstentions": sum(1 for s in scores if s.answer.abstained),
            "at_deadline": sum(1 for r in reports if r.at_deadline),
            "fell_back": sum(1 for r in reports if r.fell_back),
            "abstain_reasons": dict(reasons.most_common())}


def summarize(scores: Sequence[ItemScore], run: dict[str, Any]) -> dict[str, Any]:
    """The summary.json document: `run` (dataset, config, command) plus every aggregate."""
    lenient_names = sorted({name for s in scores for name in s.lenient})
    failures = Counter(reason_kind(r) for s in scores for r in s.reasons)
    return {
        **run,
        "items": len(scores),
        "answerable": sum(1 for s in scores if s.item.answerable),
        "unanswerable": sum(1 for s in scores if not s.item.answerable),
        "answered": sum(1 for s in scores if not s.answer.abstained),
        "passed": sum(1 for s in scores if s.passed),
        "headline": list(HEADLINE),
        "metrics": {name: metric_summary(scores, name) for name in HEADLINE + EXTRA},
        "lenient": {name: metric_summary(scores, name, lenient=True) for name in lenient_names},
        "latency_ms": latency(scores),
        "retrieved_chars_mean": round(mean([float(s.retrieved_chars) for s in scores if s.item.answerable]), 1),
        "categories": categories(scores),
        "failure_kinds": dict(failures.most_common()),
        "abstain_reasons": dict(Counter(reason_kind(s.answer.abstain_reason or "no_evidence") for s in scores
                                        if s.answer.abstained).most_common()),
        "calibration": calibration_summary(scores),
        "machine": machine(),
        **({"generation": llm} if (llm := generation(scores)) else {}),
    }
