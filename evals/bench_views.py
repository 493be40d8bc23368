"""How long a new view of the index takes to be ready (built and read ahead of questions) after one document is
added: handed the caches of the view it replaces (`Assistant.hand_over`, what `serve` does) against from
scratch (a view that read nothing before, so it reads every document again). Building the view (opening
the index again, BM25 over every document) and reading it ahead are timed apart.

    python -m evals.bench_views --index-dir DIR --add FILE [--rounds 3]

DIR is an index built with `speechqa ingest`; it is copied to a temporary folder first, so it stays as it
was. Both ways build BM25 without its disk cache and share the generators, as views do. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def _ready(old: Any, index_dir: Path) -> tuple[float, float, int]:
    """Seconds to build a new view (the index opened again, BM25, what is handed over), seconds to read it
    ahead of questions, and the number of documents that read."""
    from index.chroma import reopen_store
    from rag.library import renewed

    started = time.perf_counter()
    store = reopen_store(index_dir)
    new, _ = renewed(old, store, store.documents())
    built = time.perf_counter()
    read = new.read_ahead()
    return built - started, time.perf_counter() - built, read


def _blank(old: Any, index_dir: Path) -> Any:
    """An assistant that has read nothing yet, with `old`'s model and generators: where every new view
    started before views handed their caches over."""
    from index.chroma import reopen_store
    from rag.assistant import Assistant
    from rag.retrieve import HybridRetriever

    store = reopen_store(index_dir)
    return Assistant(store, HybridRetriever(store, old.retriever.embedder, None), old.generators)


def measure(index_dir: Path, added: Path, rounds: int) -> dict[str, Any]:
    from index.ingest import Ingestor
    from rag.assistant import build_assistant
    from rag.settings import Settings

    old = build_assistant(Settings(index_dir=index_dir))
    first = old.read_ahead()
    Ingestor(old.store, old.retriever.embedder).ingest_paths([added])  # as the library's `add` does
    runs: dict[str, list[tuple[float, float, int]]] = {"handed_over": [], "from_scratch": []}
    for _ in range(rounds):  # alternated, so a change of load on a shared machine touches both
        runs["handed_over"].append(_ready(old, index_dir))
        runs["from_scratch"].append(_ready(_blank(old, index_dir), index_dir))
    return {"documents_before": first, "added": added.name, "rounds": rounds,
            **{name: {"build_median_s": round(statistics.median(b for b, _, _ in got), 3),
                      "read_ahead_median_s": round(statistics.median(r for _, r, _ in got), 3),
                      "read_ahead_s": [round(r, 3) for _, r, _ in got], "documents_read": got[0][2]}
               for name, got in runs.items()}}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.bench_views", description=__doc__.split("\n\n")[0])
    parser.add_argument("--index-dir", type=Path, required=True, help="an index built with speechqa ingest")
    parser.add_argument("--add", type=Path, required=True, help="a statement file the index does not hold")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        index_dir = Path(tmp) / "index"
        shutil.copytree(args.index_dir, index_dir)
        print(json.dumps(measure(index_dir, args.add, args.rounds), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
