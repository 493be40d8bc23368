"""Ingestion: files -> documents -> chunks -> embeddings -> store, incrementally and resumably.

A document whose content hash is already stored is skipped without parsing its chunks again; a
changed document re-embeds only the chunks whose text changed (chunk ids carry a content hash) and
drops the rest; the document record is written last, so an interrupted run leaves every finished
document complete and the next run continues where it stopped. One bad file fails alone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from index.chunk import ChunkerConfig, chunk_document
from index.embed import Embedder
from index.errors import IndexMismatchError, SourceError
from index.manifest import Manifest
from index.model import Document, content_hash
from index.parse import iter_source_files, parse_file
from index.store import VectorStore

log = logging.getLogger(__name__)


class Status(str, Enum):
    ADDED = "added"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    DUPLICATE = "duplicate"
    FAILED = "failed"


@dataclass(frozen=True)
class DocResult:
    source: str
    status: Status
    doc_id: str = ""
    paragraphs: int = 0
    chunks: int = 0
    embedded: int = 0
    message: str = ""


Progress = Callable[[DocResult], None]


def wanted_manifest(embedder: Embedder, config: ChunkerConfig) -> Manifest:
    return Manifest(embedding_model=embedder.name, dimension=embedder.dimension, chunker=config.version)


def ensure_manifest(store: VectorStore, wanted: Manifest) -> None:
    """Stamp a new index with `wanted`; refuse an index built otherwise (or one with no manifest)."""
    have = store.manifest()
    if have is None:
        if store.documents():
            raise IndexMismatchError(
                f"The index at {store.where} has documents but no SpeechQA manifest. Rebuild it with: "
                "speechqa ingest --rebuild [PATH ...]"
            )
        store.set_manifest(wanted)
        return
    have.check_compatible(wanted, store.where)


def _body_hash(document: Document) -> str:
    return content_hash("\x1f".join(p.text for p in document.paragraphs))


class Ingestor:
    """Ingests documents into one store with one embedder and chunker."""

    def __init__(self, store: VectorStore, embedder: Embedder, config: ChunkerConfig = ChunkerConfig(),
                 batch_size: int = 64) -> None:
        self.store, self.embedder, self.config, self.batch_size = store, embedder, config, batch_size
        ensure_manifest(store, wanted_manifest(embedder, config))
        self._hashes = {d.doc_id: d.hash for d in store.documents()}
        self._bodies: dict[str, str] = {}

    def ingest_paths(self, paths: Iterable[Path], progress: Progress | None = None) -> list[DocResult]:
        results = []
        for item in iter_source_files(list(paths)):
            result = self._ingest_source(item)
            results.append(result)
            if progress:
                progress(result)
        return results

    def _ingest_source(self, item: Path | SourceError) -> DocResult:
        if isinstance(item, SourceError):
            return DocResult(source=str(getattr(item, "path", "")), status=Status.FAILED, message=str(item))
        try:
            document = parse_file(item)
        except SourceError as e:
            return DocResult(source=str(item), status=Status.FAILED, message=str(e))
        return self.ingest_document(document)

    def ingest_document(self, document: Document) -> DocResult:
        body = _body_hash(document)
        twin = self._bodies.get(body)
        if twin and twin != document.doc_id:
            return DocResult(document.source, Status.DUPLICATE, document.doc_id, len(document.paragraphs),
                             message=f"{document.source}: same text as '{twin}' already ingested in this run; skipped")
        self._bodies[body] = document.doc_id
        previous = self._hashes.get(document.doc_id)
        if previous == document.hash:
            return DocResult(document.source, Status.UNCHANGED, document.doc_id, len(document.paragraphs))
        chunks, embedded = self._store_chunks(document)
        self.store.put_document(document)  # the commit marker: written after every chunk is in place
        self._hashes[document.doc_id] = document.hash
        status = Status.ADDED if previous is None else Status.UPDATED
        return DocResult(document.source, status, document.doc_id, len(document.paragraphs), chunks, embedded)

    def _store_chunks(self, document: Document) -> tuple[int, int]:
        chunks = chunk_document(document, self.config)
        ids = [c.chunk_id for c in chunks]
        present = self.store.existing_ids(ids)
        todo = [c for c in chunks if c.chunk_id not in present]
        for start in range(0, len(todo), self.batch_size * 4):
            batch = todo[start : start + self.batch_size * 4]
            vectors = self.embedder.embed([c.text for c in batch], batch_size=self.batch_size)
            self.store.upsert_chunks(batch, vectors)
        self.store.delete_stale_chunks(document.doc_id, set(ids))
        return len(chunks), len(todo)
