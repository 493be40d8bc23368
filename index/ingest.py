"""Ingestion: files -> documents -> chunks -> embeddings -> store, incrementally and resumably.

A document whose content hash is already stored is skipped without parsing its chunks again; a
changed document re-embeds only the chunks whose text changed (chunk ids carry a content hash) and
drops the rest; the document record is written last, so an interrupted run leaves every finished
document complete and the next run continues where it stopped. One bad file fails alone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from index.chunk import ChunkerConfig, chunk_document
from index.embed import Embedder
from index.errors import IndexMismatchError, SourceError
from index.manifest import Manifest
from index.metadata import Catalogue, with_catalogue
from index.model import Chunk, Document, content_hash
from index.parse import iter_source_files, parse_file
from index.store import VectorStore

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

# Texts per forward pass. A batch is padded to its longest text and attention grows with the square
# of that length, so small batches of length-sorted texts waste the least: on UN statements MiniLM
# spends about 20% less CPU at 16 than at sentence-transformers' customary 64 (8 saves little more).
EMBED_BATCH = 16
EMBED_GROUP = 8 * EMBED_BATCH  # texts per model call; each call's vectors are stored while the next is embedded


class Status(StrEnum):
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


@dataclass(frozen=True)
class _Job:
    """A parsed document waiting for its new chunks to be embedded; committed after they are stored."""

    position: int
    document: Document
    chunks: tuple[Chunk, ...]
    todo: tuple[Chunk, ...]
    previous: str | None


def _ready(writes: list[Future[list[tuple[int, DocResult]]]]) -> list[tuple[int, DocResult]]:
    """Take the results of the writes that have finished (in order), leaving the rest."""
    items: list[tuple[int, DocResult]] = []
    while writes and writes[0].done():
        items += writes.pop(0).result()
    return items


def _groups(chunks: list[Chunk], size: int) -> list[list[Chunk]]:
    """`chunks` longest first (the order the model sorts a call into), cut into groups of `size`.

    Sorting the whole flush gives every batch texts of similar length, as one big call would, while
    groups let each one be stored as soon as it is embedded, overlapping the next group's encoding.
    """
    ordered = sorted(chunks, key=lambda c: -len(c.text))
    return [ordered[i : i + size] for i in range(0, len(ordered), size)]


def _spanned(chunks: Iterable[Chunk]) -> set[tuple[str, int]]:
    """The paragraphs among `chunks` that are split into windows (they also have a whole-paragraph chunk)."""
    return {(c.doc_id, c.paragraph) for c in chunks if not c.whole}


def _derived(chunk: Chunk, spanned: set[tuple[str, int]]) -> bool:
    """A whole-paragraph chunk whose vector is the mean of its windows' (a one-chunk paragraph is encoded)."""
    return chunk.whole and (chunk.doc_id, chunk.paragraph) in spanned


def read_by_model(chunks: Sequence[Chunk], config: ChunkerConfig) -> list[Chunk]:
    """The chunks among `chunks` (new chunks to store) that the model encodes; the rest take their windows' mean."""
    spanned = _spanned(chunks) if config.whole_vector == "mean" else set()
    return [c for c in chunks if not _derived(c, spanned)]


def _with_windows(chunks: tuple[Chunk, ...], todo: tuple[Chunk, ...]) -> tuple[Chunk, ...]:
    """`todo` plus the windows of every whole paragraph in it: its vector is made from theirs.

    Only a resumed run needs this (a killed run may have stored some windows of a paragraph but not
    its whole chunk); the windows are embedded again, which gives the same vectors.
    """
    wanted = {(c.doc_id, c.paragraph) for c in todo if c.whole}
    extra = [c for c in chunks if not c.whole and (c.doc_id, c.paragraph) in wanted and c not in todo]
    return todo + tuple(extra) if extra else todo


class Ingestor:
    """Ingests documents into one store with one embedder and chunker.

    New chunks of consecutive documents are embedded together, `flush_chunks` or more at a time,
    sorted by length, because the model wastes least on padding when each batch holds texts of
    similar length (a 60-chunk document alone has few of each length); each document is still
    committed on its own, after all of its chunks are stored.
    """

    def __init__(self, store: VectorStore, embedder: Embedder, config: ChunkerConfig = ChunkerConfig(),
                 batch_size: int = EMBED_BATCH, flush_chunks: int = 1024, group_chunks: int = EMBED_GROUP,
                 catalogue: Catalogue | None = None) -> None:
        self.store, self.embedder, self.config, self.batch_size = store, embedder, config, batch_size
        self.catalogue = catalogue  # metadata per file name (`index.metadata.read_catalogue`)
        self.flush_chunks, self.group_chunks = max(1, flush_chunks), max(1, group_chunks)
        ensure_manifest(store, wanted_manifest(embedder, config))
        self._hashes = {d.doc_id: d.hash for d in store.documents()}
        self._bodies: dict[str, str] = {}

    def ingest_paths(self, paths: Iterable[Path], progress: Progress | None = None) -> list[DocResult]:
        """Results in source order; `progress` is called as each document finishes.

        Storing runs on one writer thread while the next batch is embedded, so Chroma's indexing
        overlaps the model instead of adding to it; one writer keeps every document's chunks ahead of
        its commit marker.
        """
        done: list[tuple[int, DocResult]] = []
        writes: list[Future[list[tuple[int, DocResult]]]] = []
        pending: list[_Job] = []

        def finish(items: list[tuple[int, DocResult]]) -> None:
            done.extend(items)
            for _, result in items:
                if progress:
                    progress(result)

        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="speechqa-store") as writer:
            for position, item in enumerate(iter_source_files(list(paths))):
                planned = self._plan_source(position, item)
                if isinstance(planned, DocResult):
                    finish([(position, planned)])
                    continue
                if any(job.document.doc_id == planned.document.doc_id for job in pending):
                    writes.append(self._flush(pending, writer))  # the same id twice: store the earlier first
                pending.append(planned)
                if sum(len(job.todo) for job in pending) >= self.flush_chunks:
                    writes.append(self._flush(pending, writer))
                finish(_ready(writes))
            writes.append(self._flush(pending, writer))
        for write in writes:
            finish(write.result())  # re-raises a store error here, after the writer has stopped
        return [result for _, result in sorted(done, key=lambda pair: pair[0])]

    def ingest_document(self, document: Document) -> DocResult:
        planned = self._plan(0, document)
        if isinstance(planned, DocResult):
            return planned
        for chunks, vectors in self._embed([planned]):
            self.store.upsert_chunks(chunks, vectors)
        return self._commit(planned)

    def _plan_source(self, position: int, item: Path | SourceError) -> DocResult | _Job:
        if isinstance(item, SourceError):
            return DocResult(source=str(getattr(item, "path", "")), status=Status.FAILED, message=str(item))
        try:
            document = with_catalogue(parse_file(item), self.catalogue, item)
        except SourceError as e:
            return DocResult(source=str(item), status=Status.FAILED, message=str(e))
        return self._plan(position, document)

    def _plan(self, position: int, document: Document) -> DocResult | _Job:
        """A final result (unchanged, duplicate) or the chunks this document still needs embedded."""
        body = _body_hash(document)
        twin = self._bodies.get(body)
        if twin and twin != document.doc_id:
            return DocResult(document.source, Status.DUPLICATE, document.doc_id, len(document.paragraphs),
                             message=f"{document.source}: same text as '{twin}' already ingested in this run; skipped")
        self._bodies[body] = document.doc_id
        previous = self._hashes.get(document.doc_id)
        if previous == document.hash:
            return DocResult(document.source, Status.UNCHANGED, document.doc_id, len(document.paragraphs))
        chunks = tuple(chunk_document(document, self.config))
        present = self.store.existing_ids([c.chunk_id for c in chunks])
        todo = tuple(c for c in chunks if c.chunk_id not in present)
        if self.config.whole_vector == "mean":
            todo = _with_windows(chunks, todo)
        return _Job(position, document, chunks, todo, previous)

    def _flush(self, jobs: list[_Job], writer: ThreadPoolExecutor) -> Future[list[tuple[int, DocResult]]]:
        """Embed the new chunks of `jobs` here, hand each stored batch and then the commits to `writer`."""
        batch = list(jobs)
        jobs.clear()
        stored = [writer.submit(self.store.upsert_chunks, chunks, vectors) for chunks, vectors in self._embed(batch)]
        return writer.submit(self._commit_after, batch, stored)

    def _embed(self, jobs: list[_Job]) -> Iterator[tuple[list[Chunk], np.ndarray]]:
        """Vectors for every new chunk: windows by the model, then the whole paragraphs from their windows."""
        import numpy as np

        todo = [c for job in jobs for c in job.todo]
        encoded = read_by_model(todo, self.config)
        spanned = _spanned(encoded)
        derived = [c for c in todo if _derived(c, spanned)]
        windows: dict[tuple[str, int], list[np.ndarray]] = {}
        for chunks in _groups(encoded, self.group_chunks):
            vectors = self.embedder.embed([c.text for c in chunks], batch_size=self.batch_size)
            for chunk, vector in zip(chunks, vectors, strict=True):
                if (chunk.doc_id, chunk.paragraph) in spanned:
                    windows.setdefault((chunk.doc_id, chunk.paragraph), []).append(vector)
            yield chunks, vectors
        if derived:
            means = np.stack([np.mean(windows[(c.doc_id, c.paragraph)], axis=0) for c in derived])
            yield derived, means / np.linalg.norm(means, axis=1, keepdims=True)

    def _commit_after(self, jobs: list[_Job], stored: list[Future[None]]) -> list[tuple[int, DocResult]]:
        for write in stored:
            write.result()  # a failed write raises here, so no document is committed without its chunks
        return [(job.position, self._commit(job)) for job in jobs]

    def _commit(self, job: _Job) -> DocResult:
        document = job.document
        self.store.delete_stale_chunks(document.doc_id, {c.chunk_id for c in job.chunks})
        self.store.put_document(document)  # the commit marker: written after every chunk is in place
        self._hashes[document.doc_id] = document.hash
        status = Status.ADDED if job.previous is None else Status.UPDATED
        return DocResult(document.source, status, document.doc_id, len(document.paragraphs), len(job.chunks),
                         len(job.todo))
