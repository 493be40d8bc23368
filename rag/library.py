"""The live view of a shared index: the documents it holds now, and an assistant built on exactly those.

Any process may add, change or remove documents while `serve` runs (the CLI, another `serve`, a team's
Chroma server). `Library.current()` compares the store's generation, the set of (doc_id, hash) of its
committed document records (one metadata read, done at most every `interval_s`), with the generation
its assistant was built on. When they differ it builds a new view beside the old one: the store opened
afresh (an embedded Chroma then reads the vectors another process wrote, instead of failing with "Error
finding id"), the BM25 index of the new documents, and the document caches of the old view for the
documents whose (doc_id, hash) is unchanged (`Assistant.hand_over`: records, profiles, chunk vectors), so
only added and changed documents are read from the store and read ahead again. The swap is one assignment,
so a question keeps the assistant it started with and finishes on one consistent view, while the next
question sees the new one. The expensive parts (embedding model, generators, reranker) are shared.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from index.errors import IndexMissingError, SpeechQAError
from index.ingest import DocResult, Ingestor
from index.lexical import load_or_build
from index.store import DocumentInfo, VectorStore, set_title
from rag.assistant import Assistant
from rag.retrieve import HybridRetriever
from rag.settings import Settings

log = logging.getLogger(__name__)

Generation = frozenset[tuple[str, str]]
CHECK_INTERVAL_S = 0.25  # how stale a view may be; one check is a metadata read of a few milliseconds


def generation_of(documents: Sequence[DocumentInfo]) -> Generation:
    """What identifies the index's content: changes exactly when a document is added, changed or removed."""
    return frozenset((d.doc_id, d.hash) for d in documents)


@dataclass(frozen=True)
class View:
    """One consistent state of the index and the assistant that answers from it."""

    generation: Generation
    documents: tuple[DocumentInfo, ...]
    assistant: Assistant
    number: int  # counts the views this library has built, so a face can tell that its list is stale


class Library:
    """Hands out the assistant for the index as it is now, rebuilding it when another process changed it."""

    def __init__(self, first: Assistant, reopen: Callable[[], VectorStore], lexical_cache: Path | None = None,
                 interval_s: float = CHECK_INTERVAL_S, clock: Callable[[], float] = time.monotonic,
                 read_ahead: Callable[[int, float], None] | None = None) -> None:
        """`read_ahead`: read each view's documents ahead of questions, on a background thread, then call
        it with the number read and the seconds taken (`serve` does; a one-shot question does not)."""
        self._reopen, self._cache, self._interval, self._clock = reopen, lexical_cache, interval_s, clock
        documents = tuple(first.store.documents())
        self._view = View(generation_of(documents), documents, first, 0)
        self._checked = clock()
        self._lock = threading.Lock()
        self._writing = threading.Lock()  # this process's own changes, one at a time
        self._read_ahead = read_ahead
        self._start_reading(self._view)

    def current(self) -> Assistant:
        """The assistant for the index as it is now (checked at most every `interval_s`)."""
        return self.view().assistant

    def view(self, force: bool = False) -> View:
        """The current view; `force` checks at once (after this process wrote to the index)."""
        if not force and self._clock() - self._checked < self._interval:
            return self._view
        with self._lock:  # one check at a time; the others wait for its result rather than repeat it
            if force or self._clock() - self._checked >= self._interval:
                self._check()
        return self._view

    def holding(self, doc_id: str) -> View:
        """The current view, or when it lacks `doc_id`, the index as it is this moment, read through a store
        opened afresh: another process may have just committed the document, and the open store may still
        read an older state of the index. A document that is not there leaves the view as it was."""
        view = self.view()
        if any(d.doc_id == doc_id for d in view.documents):
            return view
        with self._lock:
            store = self._reopen()
            documents = tuple(store.documents())
            if generation_of(documents) != self._view.generation:
                self._checked = self._clock()
                self._swap(lambda: self._build(store, documents))
        return self._view

    def documents(self) -> list[DocumentInfo]:
        return list(self.view().documents)

    def add(self, path: Path) -> DocResult:
        """Ingest one file (parsed, chunked, embedded with the query model, which gives the same vectors)."""
        with self._writing:
            assistant = self.current()
            result = Ingestor(assistant.store, assistant.retriever.embedder).ingest_paths([path])[0]
        self.view(force=True)
        return result

    def remove(self, doc_id: str) -> None:
        """Remove a document and its chunks; an id not in the index is an error that names it."""
        with self._writing:
            if not self.current().store.delete_document(doc_id):
                raise IndexMissingError(f"No document '{doc_id}' in the index; it may have been removed already")
        self.view(force=True)

    def retitle(self, doc_id: str, title: str) -> None:
        with self._writing:
            set_title(self.current().store, doc_id, title)
        self.view(force=True)

    def _start_reading(self, view: View) -> None:
        if self._read_ahead is not None:
            threading.Thread(target=self._read, args=(view,), name="speechqa-read-ahead", daemon=True).start()

    def _read(self, view: View) -> None:
        """Fill the view's caches; stop when a newer view replaces it (that one reads what it was not handed)."""
        assert self._read_ahead is not None  # only started when set (internal invariant)
        started = time.perf_counter()
        try:
            count = view.assistant.read_ahead(stop=lambda: self._view is not view)
        except Exception as e:  # e.g. the index changed meanwhile (Chroma raises many types): questions read
            log.warning("Stopped reading the index ahead of questions (%s)", e)  # what they need as before
            return
        self._read_ahead(count, time.perf_counter() - started)

    def _check(self) -> None:
        documents = tuple(self._view.assistant.store.documents())
        self._checked = self._clock()
        generation = generation_of(documents)
        if generation == self._view.generation:
            return
        self._swap(self._build)

    def _swap(self, build: Callable[[], View]) -> None:
        try:
            self._view = build()
        except (SpeechQAError, OSError) as e:  # e.g. a document removed while we read it: serve on, retry
            log.warning("The index changed but its new view could not be built yet (%s); retrying", e)
            return
        self._start_reading(self._view)

    def _build(self, store: VectorStore | None = None, documents: tuple[DocumentInfo, ...] | None = None) -> View:
        """A view over a store opened afresh (or `store`, just opened, and the `documents` read from it)."""
        if store is None or documents is None:
            store = self._reopen()
            documents = tuple(store.documents())  # read again from the new store: it may have moved on meanwhile
        assistant, kept = renewed(self._view.assistant, store, documents, self._cache)
        log.info("The index changed: now %d documents, %d of them read ahead before; rebuilt the view",
                 len(documents), kept)
        return View(generation_of(documents), documents, assistant, self._view.number + 1)


def renewed(assistant: Assistant, store: VectorStore, documents: Sequence[DocumentInfo],
            lexical_cache: Path | None = None) -> tuple[Assistant, int]:
    """The same assistant (model, generators, reranker, settings) over another view of the index, holding
    what `assistant` read of the documents this view has unchanged (`Assistant.hand_over`), and the number
    of documents handed over whole."""
    versions = {d.doc_id: d.hash for d in documents}
    old = assistant.retriever
    if not isinstance(old, HybridRetriever):  # another retriever keeps its own view of the documents
        new = Assistant(store, old, assistant.generators, assistant.top_k, assistant.policy,
                        assistant.default_generator, assistant.scope_policy)
        return new, assistant.hand_over(new, versions)
    retriever = HybridRetriever(store, old.embedder, None, old.mode, old.fetch,
                                reranker=old.reranker, rerank_depth=old.rerank_depth)
    new = Assistant(store, retriever, assistant.generators, assistant.top_k, assistant.policy,
                    assistant.default_generator, assistant.scope_policy)
    kept = assistant.hand_over(new, versions)
    # BM25 over this view's documents, read through the retriever, so the ones handed over are not read again;
    # set before the view is published, so no question sees the retriever without it
    pairs = sorted(versions.items())
    retriever.lexical = load_or_build(pairs, retriever.get_document, lexical_cache) if pairs else None
    return new, kept


def build_library(settings: Settings, read_ahead: Callable[[int, float], None] | None = None) -> Library:
    """The composition root for long-running faces (`serve`): the assistant, kept in step with the index,
    each view read ahead of questions when `read_ahead` is given (`Library`)."""
    from index.chroma import reopen_store
    from rag.assistant import build_assistant

    def reopen() -> VectorStore:
        return reopen_store(settings.index_dir, settings.chroma_url, settings.chroma_timeout_s)

    return Library(build_assistant(settings), reopen, settings.index_dir / "lexical", read_ahead=read_ahead)
