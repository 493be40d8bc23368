"""Serving at archive size: warm answers and `serve` memory on an index of real statements, beside the speech.

`speechqa bench --archive-index DIR` runs this on an index built with `speechqa ingest ... --metadata`
(docs/ARCHIVE.md): the single speech is ingested into a temporary index in the same run, then warm answer
latency (the archive gold questions, as asked, so named countries and years scope them) and the peak RSS
of `speechqa serve` are measured on both, with the archive index's size on disk and its counts.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evals.bench import REPO, SPEECH_QUESTIONS, child_env, ingest, warm_ours
from evals.bench_parts import free_port, serve_peak_rss
from index.corpus import BUNDLED_SPEECH

TARGETS = {"warm_p50_ratio": 2.0, "warm_p95_ratio": 4.0, "serve_peak_rss_mb": 2048.0}


def folder_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


def archive_questions(gold: Path) -> list[str]:
    return [json.loads(line)["question"] for line in gold.read_text(encoding="utf-8").splitlines() if line.strip()]


def counts(index_dir: Path) -> dict[str, int]:
    from index.chroma import open_store

    documents = open_store(index_dir).documents()
    return {"documents": len(documents), "paragraphs": sum(d.paragraphs for d in documents)}


def run_archive_bench(archive_index: Path, work: Path, questions: Sequence[str], rounds: int = 2,
                      serve: bool = True) -> dict[str, Any]:
    """Warm p50/p95 and serve peak RSS at the archive index and at the speech, and their ratios."""
    from index.embed import DEFAULT_MODEL
    from index.fast_embed import passage_embedder

    speech_index = work / "speech"
    ingest(speech_index, [BUNDLED_SPEECH], passage_embedder(DEFAULT_MODEL))
    results: dict[str, Any] = {"archive": {**counts(archive_index), "index_mb": folder_mb(archive_index)}}
    results["warm"] = {"speech": warm_ours(speech_index, SPEECH_QUESTIONS, rounds),
                       "archive": warm_ours(archive_index, questions, rounds)}
    # the same questions once each without reading ahead: what a first question about a statement costs
    results["first_reads"] = {"archive": warm_ours(archive_index, questions, 1, read_ahead=False)}
    if serve:
        env = child_env()
        results["serve"] = {"speech": serve_peak_rss(speech_index, SPEECH_QUESTIONS[:3], free_port(), env, REPO),
                            "archive": serve_peak_rss(archive_index, questions[:3], free_port(), env, REPO)}
    results["targets"] = _targets(results)
    return results


def _targets(results: dict[str, Any]) -> dict[str, Any]:
    speech, archive = results["warm"]["speech"]["total_ms"], results["warm"]["archive"]["total_ms"]
    values = {"warm_p50_ratio": archive["p50"] / speech["p50"], "warm_p95_ratio": archive["p95"] / speech["p95"]}
    if "serve" in results:
        values["serve_peak_rss_mb"] = results["serve"]["archive"]["peak_rss_mb"]
    return {name: {"value": value, "target": f"<= {TARGETS[name]}", "met": value <= TARGETS[name]}
            for name, value in values.items()}


def archive_table(results: dict[str, Any]) -> str:
    a, warm = results["archive"], results["warm"]
    lines = [f"archive index: {a['documents']} documents, {a['paragraphs']:,} paragraphs, {a['index_mb']:.0f} MB"]
    for name in ("speech", "archive"):
        t = warm[name]["total_ms"]
        rss = results.get("serve", {}).get(name, {}).get("peak_rss_mb")
        lines.append(f"{name:8s} warm answer p50 {t['p50']:.1f} ms, p95 {t['p95']:.1f} ms"
                     + (f"; serve peak RSS {rss:.0f} MB" if rss is not None else "")
                     + f" ({warm[name]['read_ahead_documents']} documents read ahead in "
                       f"{warm[name]['read_ahead_s']:.1f} s)")
    first = results.get("first_reads", {}).get("archive")
    if first:
        lines.append(f"archive  first questions about each statement, not read ahead: p50 "
                     f"{first['total_ms']['p50']:.1f} ms, p95 {first['total_ms']['p95']:.1f} ms")
    lines += [f"{n:<20} {t['value']:8.2f}  target {t['target']:<8} {'met' if t['met'] else 'NOT met'}"
              for n, t in results["targets"].items()]
    return "\n".join(lines)
