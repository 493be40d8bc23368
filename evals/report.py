"""Writing a run's reports: per-question JSONL, summary.json, summary.md, report.html and headline.png.

Everything is derived from the `Evaluation` (records and summary), so reports can be rewritten from
the files alone. Numbers are rounded to four places in JSON and printed to three in Markdown.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evals.html_report import render_html
from evals.plots import headline_chart, reliability_chart

FILES = ("results.jsonl", "summary.json", "summary.md", "report.html", "headline.png", "ragas.jsonl",
         "reliability.png")


def write_reports(out: Path, records: Sequence[dict[str, Any]], summary: dict[str, Any],
                  html_limit: int | None = None) -> dict[str, Path]:
    """Write every report file into `out` (created if needed); returns name -> path."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {name: out / name for name in FILES}
    with paths["results.jsonl"].open("w", encoding="utf-8") as f:
        for record in records:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    paths["summary.json"].write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    paths["summary.md"].write_text(summary_markdown(summary, records), encoding="utf-8")
    write_ragas(records, paths["ragas.jsonl"])
    headline_chart(summary, paths["headline.png"])
    reliability_chart(summary.get("calibration", {}), paths["reliability.png"])
    paths["report.html"].write_text(render_html(summary, records, paths["headline.png"], html_limit),
                                    encoding="utf-8")
    return paths


def ragas_record(record: dict[str, Any]) -> dict[str, Any]:
    """One row in the column names RAGAS' `EvaluationDataset`/`Dataset.from_list` reads (no ragas needed)."""
    return {"question": record["question"], "answer": record["answer"],
            "contexts": [r.get("text", "") for r in record["retrieved"]], "ground_truth": record["reference_answer"],
            "id": record["id"]}


def write_ragas(records: Sequence[dict[str, Any]], path: Path) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for record in records:
            f.write(json.dumps(ragas_record(record), ensure_ascii=False) + "\n")
    return path


def _f(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def metrics_table(summary: dict[str, Any], names: Sequence[str] | None = None) -> list[str]:
    rows = ["| metric | mean | 95% CI | n | over |", "|---|---:|---|---:|---|"]
    for name in names or list(summary["metrics"]):
        m = summary["metrics"][name]
        arrow = "↓" if m["better"] == "lower" else "↑"
        rows.append(f"| {name} {arrow} | {_f(m['mean'])} | {_f(m['low'])}–{_f(m['high'])} | {m['n']} | "
                    f"{m['population']} |")
    return rows


def _latency_table(summary: dict[str, Any]) -> list[str]:
    rows = ["| stage | p50 ms | p95 ms | mean ms |", "|---|---:|---:|---:|"]
    for stage, v in summary["latency_ms"].items():
        rows.append(f"| {stage} | {v['p50']:.1f} | {v['p95']:.1f} | {v['mean']:.1f} |")
    return rows


def _category_table(summary: dict[str, Any]) -> list[str]:
    rows = ["| category | n | passed | first citation correct | citation recall | key-fact recall | abstention acc. |",
            "|---|---:|---:|---:|---:|---:|---:|"]
    for name, c in summary["categories"].items():
        rows.append(f"| {name} | {c['n']} | {c['passed']} | {_f(c['first_citation_correct'])} | "
                    f"{_f(c['citation_recall'])} | {_f(c['key_fact_recall'])} | {_f(c['abstention_accuracy'])} |")
    return rows


def _generation_table(summary: dict[str, Any]) -> list[str]:
    """What the LLM path did (only for runs with --generator llm)."""
    g = summary.get("generation")
    if not g:
        return []
    rows = [("answers from the LLM path", g["answers"]), ("sentences shown", g["sentences_shown"]),
            ("sentences removed by verification", g["sentences_removed"]),
            ("shown sentences failing the strict 80% check against their quote", g["shown_unsupported_strict"]),
            ("abstentions (all answers)", g["abstentions"]), ("answers at the deadline", g["at_deadline"]),
            ("of which the extractive fallback", g["fell_back"])]
    reasons = [(f"abstained: {reason}", n) for reason, n in g["abstain_reasons"].items()]
    return ["## LLM generation", "", "| count | n |", "|---|---:|",
            *[f"| {name} | {n} |" for name, n in rows + reasons], ""]


def summary_markdown(summary: dict[str, Any], records: Sequence[dict[str, Any]], failed_limit: int = 40) -> str:
    """The human summary: headline table, latency, categories, failure kinds and the failed items."""
    machine = summary["machine"]
    lines = [
        f"# SpeechQA evaluation: {summary.get('config_name', '')}", "",
        f"- dataset: `{summary.get('dataset', '')}` ({summary['items']} items: {summary['answerable']} answerable, "
        f"{summary['unanswerable']} unanswerable; {summary['passed']} passed every check)",
        f"- command: `{summary.get('command', '')}`",
        f"- machine: {machine['nproc']} CPUs, {machine['cpu']}, Python {machine['python']}",
        "", "## Metrics", "", *metrics_table(summary), "",
    ]
    calibration = summary.get("calibration") or {}
    if calibration.get("citations"):
        lines += [f"Shown relevance: expected calibration error {calibration['ece']:.3f} over "
                  f"{calibration['citations']} citations (reliability.png).", ""]
    if summary.get("lenient"):
        lines += ["## Lenient gold (gold paragraph or one containing the answer span)", "",
                  *metrics_table({"metrics": summary["lenient"]}), ""]
    lines += _generation_table(summary)
    lines += ["## Latency (warm; one untimed warm-up question first)", "", *_latency_table(summary), "",
              "## By category", "", *_category_table(summary), "", "## Why items failed", "",
              "| reason | items |", "|---|---:|"]
    lines += [f"| {kind} | {count} |" for kind, count in summary["failure_kinds"].items()]
    failed = [r for r in records if not r["passed"]]
    lines += ["", f"## Failed items ({len(failed)})", ""]
    for record in failed[:failed_limit]:
        why = "; ".join(record["reasons"])
        lines.append(f"- **{record['id']}** ({record['category']}) {record['question']} — {why}")
    if len(failed) > failed_limit:
        lines.append(f"- … and {len(failed) - failed_limit} more in results.jsonl")
    return "\n".join(lines) + "\n"
