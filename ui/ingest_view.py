"""`speechqa ingest`: runs ingestion with a progress bar and prints a per-document summary."""

from __future__ import annotations

import sys
from pathlib import Path

from index.corpus import BUNDLED_SPEECH
from index.errors import InputError


def run_ingest(settings, paths: list[Path], rebuild: bool) -> int:  # type: ignore[no-untyped-def]
    from index.chroma import open_store
    from index.embed import SentenceTransformerEmbedder
    from index.ingest import Ingestor, Status

    missing = [p for p in paths if not p.exists()]
    if missing:
        raise InputError(f"No such file or folder: {missing[0]}. Check the path")
    store = open_store(settings.index_dir, settings.chroma_url, settings.chroma_timeout_s)
    if rebuild:
        store.reset()
    ingestor = Ingestor(store, SentenceTransformerEmbedder(settings.embedding_model))
    bar = _progress_bar(paths)
    results = ingestor.ingest_paths(paths or [BUNDLED_SPEECH], progress=lambda r: bar.update(1) if bar else None)
    if bar:
        bar.close()
    for r in results:
        if r.status is Status.FAILED:
            print(f"failed     {r.message}", file=sys.stderr)
        else:
            print(f"{r.status.value:<10} {r.doc_id}: {r.paragraphs} paragraphs, {r.chunks} chunks, "
                  f"{r.embedded} embedded")
    ok = sum(r.status is not Status.FAILED for r in results)
    print(f"{ok} of {len(results)} documents in the index at {store.where}")
    return 2 if ok < len(results) else 0


def _progress_bar(paths: list[Path]):  # type: ignore[no-untyped-def]
    if not paths or (len(paths) == 1 and paths[0].is_file()):
        return None
    from tqdm import tqdm

    return tqdm(unit="doc", desc="ingesting", file=sys.stderr, disable=None)
