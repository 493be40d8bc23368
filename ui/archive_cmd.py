"""`speechqa eval archive`: the cross-statement gold set against an index that holds the archive.

Ingesting the archive takes minutes, so the command uses an index built beforehand (docs/ARCHIVE.md):

    speechqa ingest ARCHIVE/session_78_2023 ARCHIVE/session_79_2024 --metadata ARCHIVE/manifest.csv --index-dir DIR
    speechqa eval archive --index-dir DIR

It prints the rates overall and per kind of question and writes every item's score as JSON.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from index.errors import InputError


def cmd_archive(args: argparse.Namespace) -> int:
    from evals.archive import DEFAULT_GOLD, load_archive, run_archive
    from rag.assistant import build_assistant
    from ui.cli import settings_from

    if args.index_dir is None and args.chroma_url is None:
        raise InputError("Give the index holding the archive: speechqa eval archive --index-dir DIR "
                         "(build it as docs/ARCHIVE.md shows)")
    items = load_archive(args.gold or DEFAULT_GOLD)
    assistant = build_assistant(settings_from(args))
    catalogue = assistant.catalogue()
    missing = sorted({d for item in items for d in item.gold_docs} - set(catalogue.meta))
    if missing:
        raise InputError(f"The index lacks {len(missing)} gold statements (e.g. {missing[0]}); ingest them with "
                         "their --metadata first (docs/ARCHIVE.md)")
    report = run_archive(items, lambda item: assistant.ask(item.question, where=dict(item.where)), catalogue)
    _print(report)
    if args.out:
        args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
        print(f"scores: {args.out}")
    return 0


def _print(report: dict[str, Any]) -> None:
    names = ("statement_cited", "paragraph_cited", "in_scope", "scope_reported", "abstained")
    print(f"{'kind':10s} {'n':>3s} " + " ".join(f"{n:>16s}" for n in names))
    for kind, rates in [("overall", report["overall"]), *report["by_kind"].items()]:
        print(f"{kind:10s} {rates['n']:3d} " + " ".join(f"{rates[n]:16.3f}" for n in names))
    latency = report["latency_ms"]
    print(f"answer latency p50 {latency.get('p50', 0):.1f} ms, p95 {latency.get('p95', 0):.1f} ms")


def register_eval(group: Any) -> None:
    """Add `archive` to the `speechqa eval` subcommands."""
    archive = group.add_parser("archive", help="the cross-statement gold set against an archive index")
    archive.add_argument("--gold", type=Path, help="gold JSONL (default: evals/data/archive/gold.jsonl)")
    archive.add_argument("--out", type=Path, help="write every item's score here as JSON")
    archive.add_argument("--index-dir", type=Path, help="the index holding the archive")
    archive.add_argument("--chroma-url", help="or a Chroma server holding it")
    archive.set_defaults(handler=cmd_archive)
