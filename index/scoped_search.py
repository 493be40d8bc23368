"""Dense search confined to some documents, without Chroma's metadata filter on the warm path.

Measured on 384 UN statements (23,228 chunks, docs/ARCHIVE.md): a query with a `where` filter on
`doc_id` costs 40-140 ms in chromadb 1.5 however few documents it names, while an unfiltered query
returning ids and distances costs 3-10 ms, and reading a returned chunk's metadata and text ~0.2 ms
more each. So a scope is searched one of two ways, and the filtered query is only the fallback:

- **few documents** (`SearchPolicy.exact_max_docs`): exactly, in memory, over those documents' chunk
  vectors, read from the store in one request the first time and kept per document (`ChunkTable`).
  Chroma's filtered search over so few chunks is exact as well and returns the same hits in the same
  order (`tests/test_scoped_search.py` compares them on a real index).
- **many documents**: one unfiltered query for ids and distances, its `n` widened by the share of the
  index the scope leaves out; in-scope ids (a chunk id starts with its doc id, `index.model.doc_id_of`)
  keep their order and only the first `n` are read in full. When fewer than `n` of the widened hits
  are in scope, `query` returns None and the store runs the filtered query. Both HNSW searches are
  approximate: they agree on the best hits and may differ by a chunk or two near the `n`-th, where the
  widened search is as often closer to exact search as Chroma's filtered one (`SearchPolicy.widen`).

A table is read when first needed (or ahead of questions, `warm`) and forgotten when this process writes
that document's chunks; the writes of other processes reach a reader through a new store, which
`rag.library` opens whenever the index's documents change (as it must anyway for an embedded Chroma client
to see them). A table read by id knows the version (content hash) of the document it was read for, so the
old store can hand it to the new one while that document is unchanged (`hand_over`).
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, NamedTuple

from index.hits import ChunkHit, chunk_hit
from index.model import Chunk, doc_id_of

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class SearchPolicy:
    """When a scope is searched in memory, and how far an unfiltered query is widened for it."""

    exact_max_docs: int = 24  # a scope of at most this many documents (~1,500 chunks) is searched in memory
    # Unfiltered n = n x (documents in the index / documents in scope) x this margin. HNSW is approximate, and
    # more so in its tail: at 4, the in-scope top 40 on 384 statements matched exact search in 52 of 60 cases
    # (Chroma's filtered query: 47; a margin of 2: 43), and a search returning more ids explores more.
    widen: float = 4.0
    max_wide: int = 2000  # ... up to this many ids (1,000 ids and distances: 16 ms on 23k chunks at load 8)
    table_docs: int = 4096  # documents whose chunk tables are kept (~150 KB each: vectors, metadata, text);
    # the whole 2,133-statement archive fits, so a warmed `serve` reads no table twice


@dataclass(frozen=True)
class ChunkTable:
    """One document's stored chunks: each as a hit (score 0 until a query sets it) and its unit vector."""

    hits: tuple[ChunkHit, ...]
    unit: np.ndarray  # (len(hits), dimension) float32 rows of length 1
    version: str = ""  # the hash of the committed document these chunks are; "" when not known (filtered read)


class Committed(NamedTuple):
    """A committed document's version (its content hash) and the chunks the ingestor stored for it."""

    hash: str
    chunks: list[Chunk]


class ScopedSearch:
    """Scoped dense search over one Chroma chunk collection (`ChromaStore` owns one per collection)."""

    def __init__(self, chunks: Any, count_documents: Callable[[], int], policy: SearchPolicy = SearchPolicy(),
                 expected: Callable[[list[str]], dict[str, Committed]] | None = None) -> None:
        self._chunks, self._count_documents, self.policy = chunks, count_documents, policy
        self._expected = expected  # the chunks committed documents must have, so only their vectors are read
        self._tables: OrderedDict[str, ChunkTable] = OrderedDict()
        self._documents: int | None = None
        self._epoch = 0  # counts writes, so a table read while one happened is not kept
        self._lock = threading.Lock()  # `serve` answers on several threads

    def query(self, embedding: Sequence[float] | np.ndarray, n: int, doc_ids: Sequence[str]
              ) -> list[ChunkHit] | None:
        """The `n` nearest chunks of these documents, best first; None when the caller must run the filtered query."""
        ids = list(dict.fromkeys(doc_ids))
        if len(ids) <= self.policy.exact_max_docs:
            return self._exact(embedding, n, ids)
        return self._widened(embedding, n, ids)

    def warm(self, doc_ids: Sequence[str], batch: int = 16) -> int:
        """Read these documents' chunk tables ahead of any question, up to `table_docs`; the number read."""
        ids = list(dict.fromkeys(doc_ids))[: self.policy.table_docs]
        for start in range(0, len(ids), batch):
            self._tables_for(ids[start:start + batch])
        return len(ids)

    def hand_over(self, successor: ScopedSearch, versions: Mapping[str, str]) -> set[str]:
        """Give `successor`, the search of a newer view of the same index, the tables read here of documents
        it holds at the same version (`versions`: doc_id -> hash); the doc ids handed over. A chunk id carries
        its text's hash, so a table read by id for one version of a document is that version's to the byte."""
        with self._lock:
            kept = {d: t for d, t in self._tables.items() if t.version and versions.get(d) == t.version}
        with successor._lock:
            for doc_id, table in kept.items():
                successor._tables.setdefault(doc_id, table)
            while len(successor._tables) > successor.policy.table_docs:
                successor._tables.popitem(last=False)
        return set(kept)

    def forget(self, doc_ids: Iterable[str]) -> None:
        """Drop what was read about these documents (their chunks were written) and the document count."""
        with self._lock:
            for doc_id in doc_ids:
                self._tables.pop(doc_id, None)
            self._documents = None
            self._epoch += 1

    def _exact(self, embedding: Sequence[float] | np.ndarray, n: int, ids: list[str]) -> list[ChunkHit]:
        import numpy as np

        tables = [t for t in self._tables_for(ids) if t.hits]
        if not tables:
            return []
        hits = [h for t in tables for h in t.hits]
        query = np.asarray(embedding, dtype=np.float32)
        similarity = np.concatenate([t.unit for t in tables]) @ (query / (np.linalg.norm(query) or 1.0))
        top = np.argsort(-similarity, kind="stable")[: max(1, n)]
        return [replace(hits[i], score=float(similarity[i])) for i in top]

    def _widened(self, embedding: Sequence[float] | np.ndarray, n: int, ids: list[str]) -> list[ChunkHit] | None:
        wide = min(self.policy.max_wide, math.ceil(n * self.policy.widen * max(self._documents_in_index(), len(ids))
                                                   / len(ids)))
        got = self._chunks.query(query_embeddings=[embedding], n_results=max(1, wide), include=["distances"])
        found, distances = got["ids"][0], got["distances"][0]
        scope = set(ids)
        kept = [(cid, d) for cid, d in zip(found, distances, strict=True) if doc_id_of(cid) in scope]
        if len(kept) < n and len(found) >= wide:  # not exhausted, and too few in scope: filter in Chroma
            return None
        rows = self._rows([cid for cid, _ in kept[:n]])
        return [replace(rows[cid], score=1.0 - float(d)) for cid, d in kept[:n] if cid in rows]

    def _documents_in_index(self) -> int:
        if self._documents is None:
            self._documents = self._count_documents()
        return self._documents

    def _tables_for(self, ids: list[str]) -> list[ChunkTable]:
        with self._lock:
            have = {d: self._tables[d] for d in ids if d in self._tables}
            epoch = self._epoch
        missing = [d for d in ids if d not in have]
        if missing:
            have.update(self._load(missing))
        with self._lock:
            if epoch == self._epoch:  # nothing was written meanwhile, so what was read may be kept
                for doc_id in ids:
                    self._tables[doc_id] = have[doc_id]
                    self._tables.move_to_end(doc_id)
                while len(self._tables) > self.policy.table_docs:
                    self._tables.popitem(last=False)
        return [have[d] for d in ids]

    def _load(self, doc_ids: list[str]) -> dict[str, ChunkTable]:
        """These documents' chunk tables: a committed document's chunks are known from its text, so only their
        vectors are read, by id (reading each row's metadata and text from Chroma costs twice the time);
        the rest in one filtered request."""
        tables = self._load_known(doc_ids) if self._expected is not None else {}
        rest = [d for d in doc_ids if d not in tables]
        if rest:
            tables.update(self._load_filtered(rest))
        return tables

    def _load_known(self, doc_ids: list[str]) -> dict[str, ChunkTable]:
        assert self._expected is not None
        expected = self._expected(doc_ids)
        wanted = [c.chunk_id for committed in expected.values() for c in committed.chunks]
        if not wanted:
            return {}
        import numpy as np

        got = self._chunks.get(ids=wanted, include=["embeddings"])
        row = {cid: i for i, cid in enumerate(got["ids"])}
        matrix = np.asarray(got["embeddings"], dtype=np.float32)
        return {doc_id: _table(tuple(_hit(c) for c in chunks), matrix[[row[c.chunk_id] for c in chunks]], version)
                for doc_id, (version, chunks) in expected.items()
                if chunks and all(c.chunk_id in row for c in chunks)}

    def _load_filtered(self, doc_ids: list[str]) -> dict[str, ChunkTable]:
        """These documents' chunk tables in one request (a document without chunks gets an empty one)."""
        where = {"doc_id": doc_ids[0]} if len(doc_ids) == 1 else {"doc_id": {"$in": doc_ids}}
        got = self._chunks.get(where=where, include=["embeddings", "metadatas", "documents"])
        rows: dict[str, list[tuple[ChunkHit, Any]]] = {d: [] for d in doc_ids}
        for cid, meta, text, vector in zip(got["ids"], got["metadatas"], got["documents"], got["embeddings"],
                                           strict=True):
            hit = chunk_hit(cid, meta, text, 1.0)
            rows.setdefault(hit.doc_id, []).append((hit, vector))
        # no chunks stored (yet): an empty table, nothing to find and nothing to ask the store for again
        return {doc_id: _table(tuple(h for h, _ in pairs), [v for _, v in pairs]) for doc_id, pairs in rows.items()}

    def _rows(self, chunk_ids: list[str]) -> dict[str, ChunkHit]:
        """Stored chunks by id: from the tables already read, the rest in one request."""
        rows: dict[str, ChunkHit] = {}
        with self._lock:
            tables = [self._tables.get(d) for d in {doc_id_of(c) for c in chunk_ids}]
        for table in tables:
            if table is not None:
                rows.update((h.chunk_id, h) for h in table.hits)
        missing = [c for c in chunk_ids if c not in rows]
        if missing:
            got = self._chunks.get(ids=missing, include=["metadatas", "documents"])
            rows.update((cid, chunk_hit(cid, m, text, 1.0))
                        for cid, m, text in zip(got["ids"], got["metadatas"], got["documents"], strict=True))
        return rows


def _table(hits: tuple[ChunkHit, ...], stored: Any, version: str = "") -> ChunkTable:
    """A document's chunk table: its hits and their stored vectors (rows in that order), scaled to length 1."""
    import numpy as np

    if not hits:
        return ChunkTable((), np.zeros((0, 0), dtype=np.float32), version)
    vectors = np.asarray(stored, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return ChunkTable(hits, vectors / np.where(norms > 0, norms, 1.0), version)


def _hit(chunk: Chunk) -> ChunkHit:
    """A chunk as a hit, with the same fields `index.hits.chunk_hit` reads from its stored row."""
    return ChunkHit(chunk_id=chunk.chunk_id, doc_id=chunk.doc_id, paragraph=chunk.paragraph, start=chunk.start,
                    end=chunk.end, text=chunk.text, paragraph_hash=chunk.paragraph_hash, score=0.0, whole=chunk.whole)
