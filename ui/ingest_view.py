"""`speechqa ingest`: runs ingestion with a progress bar and prints a per-document summary."""

from __future__ import annotations

import sys
from pathlib import Path

from index.corpus import BUNDLED_SPEECH
from index.errors import InputError


def run_ingest(settings, paths: list[Path], rebuild: bool) -> int:
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
    tick = (lambda r: bar.update(1)) if bar is not None else None
    results = ingestor.ingest_paths(paths or [BUNDLED_SPEECH], progress=tick)
    if bar is not None:  # bool(tqdm) raises when the total is unknown
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


def _progress_bar(paths: list[Path]):
    if not paths or (len(paths) == 1 and paths[0].is_file()):
        return None
    from tqdm import tqdm

    from index.parse import iter_source_files

    total = sum(1 for _ in iter_source_files(paths))  # a directory walk: cheap next to embedding
    return tqdm(total=total, unit="doc", desc="ingesting", file=sys.stderr, disable=None)
