"""Comparing configurations side by side in one run: retrieval mode, chunking strategy, k, abstention.

One index is built per chunking strategy (the tutorial retriever reads the sentence-window index's
documents and embeds its own chunks in memory), one assistant per (index, retrieval mode), and
configurations that differ only in k or the abstention threshold share it. Every configuration is
scored on the same items, so the table compares like with like. Reranking is not compared: no
reranker ships with SpeechQA and none can be downloaded here, which the table says rather than
inventing a row.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evals.dataset import GoldItem
from evals.run import Progress, RunConfig, evaluate, ingest, open_assistant, variant
from rag.assistant import Assistant
from rag.settings import Settings

DEFAULT_GRID = (
    RunConfig("dense", "windows", 5), RunConfig("lexical", "windows", 5), RunConfig("hybrid", "windows", 5),
    RunConfig("dense", "paragraphs", 5), RunConfig("hybrid", "paragraphs", 5), RunConfig("dense", "tutorial", 5),
    RunConfig("hybrid", "windows", 3), RunConfig("hybrid", "windows", 8),
)
TABLE_METRICS = ("hit@1", "hit@3", "recall@3", "mrr@10", "context_efficiency", "citation_validity",
                 "first_citation_correct", "citation_recall", "citation_precision", "key_fact_recall",
                 "abstention_accuracy", "false_abstention")
DEFAULT_THRESHOLDS = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5)
RERANKING_NOTE = ("Reranking on/off is not compared: the stage exists (SPEECHQA_RERANKER, a local cross-encoder "
                  "folder), but no trained cross-encoder ships with SpeechQA and none can be downloaded offline; "
                  "add a row when one is on the machine.")


def _index_kind(config: RunConfig) -> str:
    return "paragraphs" if config.chunker == "paragraphs" else "windows"


class Workbench:
    """Indexes (under `root`) and assistants, built on first use and shared by configurations that can."""

    def __init__(self, root: Path, settings: Settings, sources: Sequence[Path]) -> None:
        from index.embed import SentenceTransformerEmbedder

        self.root, self.settings, self.sources = root, settings, sources
        self.embedder = SentenceTransformerEmbedder(settings.embedding_model)
        self._built: dict[tuple[str, str, str], Assistant] = {}

    def get(self, config: RunConfig) -> Assistant:
        key = (_index_kind(config), config.retrieval, config.chunker)
        if key not in self._built:
            where = self.root / key[0]
            if not where.exists():
                ingest(where, self.embedder, config.chunker, self.sources)
            base = RunConfig(config.retrieval, config.chunker, config.k)
            self._built[key] = open_assistant(where, base, self.settings)
        return variant(self._built[key], config)


def run_sweep(items: Sequence[GoldItem], configs: Sequence[RunConfig], bench: Workbench, run: dict[str, Any],
              progress: Progress | None = None) -> list[dict[str, Any]]:
    """Evaluate every configuration on `items`. One row per configuration."""
    rows = []
    for config in configs:
        evaluation = evaluate(bench.get(config), items, config, run, progress=progress)
        rows.append({"name": config.name, "config": config.to_dict(), "summary": evaluation.summary})
    return rows


def sweep_table(rows: Sequence[dict[str, Any]], metrics: Sequence[str] = TABLE_METRICS) -> str:
    """A Markdown table: one row per configuration, one column per metric (mean), plus p50 latency."""
    head = "| configuration | " + " | ".join(metrics) + " | retrieved chars/q | p50 ms |"
    lines = [head, "|---|" + "---:|" * (len(metrics) + 2)]
    for row in rows:
        s = row["summary"]
        values = " | ".join(f"{s['metrics'][m]['mean']:.3f}" for m in metrics)
        chars = s.get("retrieved_chars_mean", 0.0)
        lines.append(f"| {row['name']} | {values} | {chars:.0f} | {s['latency_ms']['total']['p50']:.1f} |")
    return "\n".join(lines) + f"\n\n{RERANKING_NOTE}\n"


def threshold_rows(items: Sequence[GoldItem], bench: Workbench, base: RunConfig, thresholds: Sequence[float],
                   run: dict[str, Any]) -> list[dict[str, Any]]:
    """The abstention trade-off: per threshold, false abstentions and answers to unanswerable items."""
    rows = []
    for threshold in thresholds:
        config = RunConfig(base.retrieval, base.chunker, base.k, threshold)
        summary = evaluate(bench.get(config), items, config, run).summary
        metrics = summary["metrics"]
        rows.append({
            "threshold": threshold,
            "false_abstention": metrics["false_abstention"]["mean"],
            "answered_unanswerable": round(1.0 - metrics["abstention_accuracy"]["mean"], 4)
            if metrics["abstention_accuracy"]["n"] else 0.0,
            "abstention_accuracy": metrics["abstention_accuracy"]["mean"],
            "key_fact_recall": metrics["key_fact_recall"]["mean"],
            "answerable": metrics["false_abstention"]["n"], "unanswerable": metrics["abstention_accuracy"]["n"],
        })
    return rows


def threshold_table(rows: Sequence[dict[str, Any]]) -> str:
    lines = ["| abstain threshold | false abstention (answerable) | answered unanswerable | abstention accuracy "
             "| key-fact recall |", "|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['threshold']:.2f} | {r['false_abstention']:.3f} | {r['answered_unanswerable']:.3f} | "
                     f"{r['abstention_accuracy']:.3f} | {r['key_fact_recall']:.3f} |")
    return "\n".join(lines) + "\n"
