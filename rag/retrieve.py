"""Hybrid retrieval: dense sentence windows and BM25 paragraphs, fused and aggregated to paragraphs.

Dense hits are chunks; each paragraph is ranked twice by them, by its best sentence window and by
its whole-paragraph chunk. BM25 runs over whole paragraphs. The three rankings are fused with
reciprocal rank fusion, which needs no score calibration between them. Chunks whose paragraph no
longer matches the committed document (an interrupted ingest) are dropped here, so a citation
always points at stored text.
`score` is higher-is-better throughout; Chroma distances were converted in index.store.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

from index.embed import Embedder
from index.errors import IndexMissingError
from index.lexical import LexicalIndex, document_bm25
from index.model import Document
from index.store import ChunkHit, VectorStore
from index.text import tokenize

if TYPE_CHECKING:
    from rag.rerank import Reranker

RRF_K = 60
CACHE_DOCUMENTS = 4096  # stored documents kept (the 2,133-statement archive fits)
Mode = Literal["hybrid", "dense", "lexical"]


@dataclass(frozen=True)
class ParagraphHit:
    """A retrieved paragraph: fused `score` in 0..1, plus the signals it came from."""

    doc_id: str
    paragraph: int
    text: str
    score: float
    dense: float  # best cosine similarity of its chunks (0 when dense did not find it)
    lexical: float  # share of the query's content words the paragraph contains
    chunks: tuple[ChunkHit, ...] = field(default=())

    @property
    def relevance(self) -> float:
        """An absolute match strength (unlike the rank-based fused score): for abstaining and selecting."""
        return 0.65 * self.dense + 0.35 * self.lexical


def lexical_coverage(query_tokens: set[str], text: str) -> float:
    if not query_tokens:
        return 0.0
    return len(query_tokens & set(tokenize(text))) / len(query_tokens)


class Retriever(Protocol):
    """The retrieval seam: paragraphs for a question, and the stored documents they come from.
    `HybridRetriever` is the product's; the evaluation's tutorial baseline is another."""

    embedder: Embedder  # the query model, which also embeds documents added while the app runs

    def retrieve(self, question: str, k: int, doc_ids: Sequence[str] | None = None,
                 boost: dict[tuple[str, int], float] | None = None) -> list[ParagraphHit]: ...

    def get_document(self, doc_id: str) -> Document: ...

    def lexical_search(self, text: str, k: int, doc_ids: Sequence[str] | None = None
                       ) -> list[tuple[tuple[str, int], float]]: ...


def _ranked(scores: dict[tuple[str, int], float]) -> list[tuple[str, int]]:
    return sorted(scores, key=lambda key: (-scores[key], key))


class HybridRetriever:
    """Retrieves paragraphs for a question from one store (and its BM25 index)."""

    def __init__(self, store: VectorStore, embedder: Embedder, lexical: LexicalIndex | None,
                 mode: Mode = "hybrid", fetch: int = 40, reranker: Reranker | None = None,
                 rerank_depth: int = 20) -> None:
        self.store, self.embedder, self.lexical, self.mode, self.fetch = store, embedder, lexical, mode, fetch
        self.reranker, self.rerank_depth = reranker, rerank_depth
        self._cache: OrderedDict[str, Document] = OrderedDict()
        # The committed hash of each paragraph a dense hit came from (None: no such paragraph), kept after its
        # document leaves the LRU cache: checking a hit never reloads a whole document twice (~100 bytes each).
        self._hashes: dict[tuple[str, int], str | None] = {}

    def retrieve(self, question: str, k: int, doc_ids: Sequence[str] | None = None,
                 boost: dict[tuple[str, int], float] | None = None) -> list[ParagraphHit]:
        dense = self._dense(question, doc_ids) if self.mode != "lexical" else {}
        lexical = self._lexical(question, doc_ids) if self.mode != "dense" else []
        fused = self._fuse(dense, lexical, boost or {})
        tokens = set(tokenize(question))
        candidates = fused[: max(k, self.rerank_depth)] if self.reranker else fused[:k]
        self._prefetch({doc_id for (doc_id, _), _ in candidates})
        hits = []
        for key, score in candidates:
            text = self._text(key)
            if text is None:
                continue
            chunks = tuple(dense.get(key, ()))
            best = max((c.score for c in chunks), default=0.0)
            hits.append(ParagraphHit(key[0], key[1], text, score, best, lexical_coverage(tokens, text), chunks))
        return self.reranker.rerank(question, hits)[:k] if self.reranker else hits

    def _dense(self, question: str, doc_ids: Sequence[str] | None) -> dict[tuple[str, int], list[ChunkHit]]:
        vector = self.embedder.embed_query(question)
        grouped: dict[tuple[str, int], list[ChunkHit]] = {}
        found = self.store.query(vector, self.fetch, doc_ids)
        self._prefetch({hit.doc_id for hit in found if (hit.doc_id, hit.paragraph) not in self._hashes})
        for hit in found:
            if self._is_current(hit):
                grouped.setdefault((hit.doc_id, hit.paragraph), []).append(hit)
        return grouped

    def _lexical(self, question: str, doc_ids: Sequence[str] | None) -> list[tuple[tuple[str, int], float]]:
        return self.lexical_search(question, self.fetch, doc_ids)

    def lexical_search(self, text: str, k: int, doc_ids: Sequence[str] | None = None
                       ) -> list[tuple[tuple[str, int], float]]:
        """BM25 over paragraphs. Scoped to one document, word statistics come from that document alone,
        so what else is indexed cannot change a scoped answer."""
        if doc_ids and len(doc_ids) == 1:
            document = self._document_or_none(doc_ids[0])
            return [] if document is None else document_bm25(document, text, k)
        return self.lexical.search(text, k, doc_ids) if self.lexical is not None else []

    def _document_or_none(self, doc_id: str) -> Document | None:
        try:
            return self.document(doc_id)
        except IndexMissingError:
            return None

    def _fuse(self, dense: dict[tuple[str, int], list[ChunkHit]], lexical: list[tuple[tuple[str, int], float]],
              boost: dict[tuple[str, int], float]) -> list[tuple[tuple[str, int], float]]:
        """Reciprocal rank fusion of three rankings: best window, whole paragraph, BM25."""
        windows = {key: max(c.score for c in hits) for key, hits in dense.items()}
        whole = {key: max(c.score for c in hits if c.whole) for key, hits in dense.items()
                 if any(c.whole for c in hits)}
        rankings = [r for r in (_ranked(windows), _ranked(whole), [key for key, _ in lexical]) if r]
        scores: dict[tuple[str, int], float] = {}
        for ranking in rankings:
            for rank, key in enumerate(ranking):
                scores[key] = scores.get(key, 0.0) + 1.0 / (RRF_K + rank + 1)
        best_possible = len(rankings) / (RRF_K + 1) if rankings else 1.0
        for key, extra in boost.items():  # a boosted paragraph competes even if no ranking found it
            scores[key] = scores.get(key, 0.0) + extra * best_possible
        ranked = sorted(scores, key=lambda key: (-scores[key], key))  # before capping, so boosted ties keep order
        return [(key, min(1.0, scores[key] / best_possible)) for key in ranked]

    def _is_current(self, hit: ChunkHit) -> bool:
        """The chunk's paragraph is in the committed document as it was chunked (not half-written or removed)."""
        key = (hit.doc_id, hit.paragraph)
        if key not in self._hashes:
            document = self._document_or_none(hit.doc_id)
            if document is None:  # not committed (yet), or removed: asked again next time
                return False
            try:
                self._hashes[key] = document.paragraph(hit.paragraph).hash
            except KeyError:
                self._hashes[key] = None
        return self._hashes[key] == hit.paragraph_hash

    def _text(self, key: tuple[str, int]) -> str | None:
        try:
            return self.document(key[0]).paragraph(key[1]).text
        except (KeyError, IndexMissingError):  # a document removed or half-written: not citable
            return None

    def document(self, doc_id: str) -> Document:
        """A stored document, from a small LRU cache (documents are immutable per content hash)."""
        if doc_id not in self._cache:
            self._remember({doc_id: self.store.get_document(doc_id)})
        self._cache.move_to_end(doc_id)
        return self._cache[doc_id]

    get_document = document

    def hand_over(self, successor: HybridRetriever, versions: Mapping[str, str]) -> set[str]:
        """Give `successor`, the retriever of a newer view of the index, the stored documents kept here that
        it holds at the same version (`versions`: doc_id -> hash); the doc ids handed over. The cache is
        keyed by doc id alone, so each document's own hash decides."""
        kept = {d: doc for d, doc in self._cache.copy().items() if versions.get(d) == doc.hash}
        successor._remember({d: doc for d, doc in kept.items() if d not in successor._cache})
        return set(kept)

    def _prefetch(self, doc_ids: set[str]) -> None:
        """Load every document the hits of one question need in a single store round trip."""
        missing = [d for d in doc_ids if d not in self._cache]
        if missing:
            self._remember(self.store.get_documents(sorted(missing)))

    def _remember(self, documents: dict[str, Document]) -> None:
        self._cache.update(documents)
        while len(self._cache) > CACHE_DOCUMENTS:
            self._cache.popitem(last=False)
