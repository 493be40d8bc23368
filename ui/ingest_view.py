"""`speechqa ingest` and `speechqa rm`: change the index from the command line, saying what happened.

On a terminal, ingest shows a progress bar on stderr from the start (the model loads first, then one
step per file), so a long first ingest is never silent; piped, it prints only the summary. The summary
ends with the true number of documents in the index, not the number of files of this run.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Any

from index.corpus import BUNDLED_SPEECH
from index.errors import IndexMissingError, InputError


def run_ingest(settings, paths: list[Path], rebuild: bool, metadata: Path | None = None) -> int:  # rag Settings
    from index.chroma import open_store
    from index.fast_embed import passage_embedder
    from index.ingest import Ingestor, Status
    from index.metadata import read_catalogue

    missing = [p for p in [*paths, *([metadata] if metadata else [])] if not p.exists()]
    if missing:
        raise InputError(f"No such file or folder: {missing[0]}. Check the path")
    catalogue = read_catalogue(metadata) if metadata else None
    sources = paths or [BUNDLED_SPEECH]
    bar = _progress_bar(sources)
    store = open_store(settings.index_dir, settings.chroma_url, settings.chroma_timeout_s)
    if rebuild:
        store.reset()
    embedder = passage_embedder(settings.embedding_model, settings.passage_encoder)
    if bar is not None:
        bar.set_description("loading the model")
        embedder.embed(["warm up"])  # the model loads here, under the bar, not silently inside the first file
        bar.set_description("ingesting")
    tick = (lambda r: bar.update(1)) if bar is not None else _progress_lines(sources)
    results = Ingestor(store, embedder, catalogue=catalogue).ingest_paths(sources, progress=tick)
    if bar is not None:
        bar.close()
    for r in results:
        if r.status is Status.FAILED:
            print(f"failed     {r.message}", file=sys.stderr)
        else:
            print(f"{r.status.value:<10} {r.doc_id}: {r.paragraphs} paragraphs, {r.chunks} chunks, "
                  f"{r.embedded} embedded")
    print(summary(Counter(r.status.value for r in results), len(store.documents()), store.where))
    return 2 if any(r.status is Status.FAILED for r in results) else 0


def summary(counts: Counter[str], total: int, where: str) -> str:
    """'3 documents in the index at DIR (this run: 1 added, 2 unchanged)'."""
    run = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    noun = "document" if total == 1 else "documents"
    return f"{total} {noun} in the index at {where} (this run: {run or 'nothing to do'})"


def _progress_bar(paths: list[Path]) -> Any:
    """A tqdm bar on stderr when it is a terminal, else None; its total is the number of source files."""
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    from index.parse import iter_source_files

    total = sum(1 for _ in iter_source_files(paths))  # a directory walk: cheap next to embedding
    return tqdm(total=total, unit="file", desc="opening the index", file=sys.stderr)


LOG_EVERY = 50  # documents between progress lines when stderr is not a terminal (a log file, nohup)


def _progress_lines(paths: list[Path]) -> Any:
    """Without a terminal, a line on stderr every `LOG_EVERY` documents: done, rate and time left, so a long
    ingest into a log file is never silent (and after a kill, the next run's counts show where it resumed)."""
    import time

    from index.parse import iter_source_files

    total = sum(1 for _ in iter_source_files(paths))
    if total < LOG_EVERY:
        return None
    started, done = time.monotonic(), [0]

    def tick(result: Any) -> None:
        done[0] += 1
        if done[0] % LOG_EVERY == 0 or done[0] == total:
            elapsed = time.monotonic() - started
            left = elapsed / done[0] * (total - done[0])
            print(f"ingested {done[0]}/{total} files in {elapsed:.0f} s ({done[0] / elapsed:.2f}/s, about "
                  f"{left / 60:.1f} min left)", file=sys.stderr, flush=True)

    return tick


def run_remove(settings, doc_ids: list[str]) -> int:  # Settings, as above
    """Remove each document with its chunks; an id not in the index is an error that lists what is."""
    from index.chroma import open_store

    store = open_store(settings.index_dir, settings.chroma_url, settings.chroma_timeout_s)
    known = {d.doc_id for d in store.documents()}
    unknown = [d for d in doc_ids if d not in known]
    if unknown:
        listed = ", ".join(sorted(known)[:10]) or "none"
        raise IndexMissingError(f"No document '{unknown[0]}' in the index (known: {listed}); list them with: "
                                "speechqa docs")
    for doc_id in doc_ids:
        store.delete_document(doc_id)
        print(f"removed    {doc_id}")
    remaining = len(store.documents())
    print(f"{remaining} {'document' if remaining == 1 else 'documents'} in the index at {store.where}")
    return 0
