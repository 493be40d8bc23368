"""The LangChain tutorial chunker (RecursiveCharacterTextSplitter, 1,000/200) mapped back to paragraphs.

The tutorial splits a document's whole text into 1,000-character chunks that ignore paragraph
boundaries. To score it at paragraph level like every other strategy, each chunk maps to every
paragraph it overlaps, and retrieving the chunk retrieves all of them: that is how a citation of a
tutorial chunk would have to look, and context efficiency shows what the recall costs. The chunks
are embedded in memory with the same embedder (nothing is written to the index) and searched by
cosine similarity, as the tutorial's vector store does. Sweeps only; the product never uses this.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from index.embed import Embedder
from index.model import Document
from index.text import tokenize
from rag.retrieve import ParagraphHit, lexical_coverage

if TYPE_CHECKING:
    import numpy as np

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
SEPARATOR = "\n\n"  # paragraphs are joined as a text loader would read them


@dataclass(frozen=True)
class TutorialChunk:
    """A tutorial chunk: its text, where it starts in the joined document, and the paragraphs it spans."""

    doc_id: str
    text: str
    start: int
    paragraphs: tuple[int, ...]


def paragraph_spans(document: Document) -> list[tuple[int, int, int]]:
    """(paragraph number, start, end) of each citable paragraph in the joined text, heading first."""
    spans, offset = [], 0
    for paragraph in document.citable():
        spans.append((paragraph.number, offset, offset + len(paragraph.text)))
        offset += len(paragraph.text) + len(SEPARATOR)
    return spans


def joined_text(document: Document) -> str:
    return SEPARATOR.join(p.text for p in document.citable())


def paragraphs_of(start: int, end: int, spans: Sequence[tuple[int, int, int]]) -> tuple[int, ...]:
    """The paragraphs a character range [start, end) overlaps, in document order."""
    return tuple(number for number, p_start, p_end in spans if start < p_end and p_start < end)


def split_document(document: Document, size: int = CHUNK_SIZE, overlap: int = CHUNK_OVERLAP) -> list[TutorialChunk]:
    """The tutorial's chunks of one document, each mapped to the paragraphs it spans."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=size, chunk_overlap=overlap, add_start_index=True)
    spans = paragraph_spans(document)
    chunks = []
    for piece in splitter.create_documents([joined_text(document)]):
        start = int(piece.metadata["start_index"])
        text = piece.page_content
        chunks.append(TutorialChunk(document.doc_id, text, start, paragraphs_of(start, start + len(text), spans)))
    return chunks


class TutorialRetriever:
    """Dense search over tutorial chunks; a hit expands to every paragraph the chunk spans.

    Meets `rag.retrieve.Retriever`, so `Assistant.variant(retriever=...)` answers with it.
    """

    def __init__(self, documents: Sequence[Document], embedder: Embedder) -> None:
        self.embedder = embedder
        self._documents = {d.doc_id: d for d in documents}
        self.chunks = [c for d in documents for c in split_document(d)]
        self._vectors: np.ndarray = embedder.embed([c.text for c in self.chunks])

    def get_document(self, doc_id: str) -> Document:
        return self._documents[doc_id]

    def lexical_search(self, text: str, k: int, doc_ids: Sequence[str] | None = None
                       ) -> list[tuple[tuple[str, int], float]]:
        return []  # the tutorial has no BM25 index (follow-ups get no topic boost)

    def retrieve(self, question: str, k: int, doc_ids: Sequence[str] | None = None,
                 boost: dict[tuple[str, int], float] | None = None) -> list[ParagraphHit]:
        """The paragraphs of the top `k` chunks, best chunk first (so usually more than `k` paragraphs)."""
        scores = self._vectors @ self.embedder.embed_query(question)
        allowed = [i for i, c in enumerate(self.chunks) if not doc_ids or c.doc_id in doc_ids]
        ranked = sorted(allowed, key=lambda i: (-float(scores[i]), i))[:k]
        wanted = set(tokenize(question))
        hits: dict[tuple[str, int], ParagraphHit] = {}
        for i in ranked:
            chunk, score = self.chunks[i], max(0.0, float(scores[i]))
            for number in chunk.paragraphs:
                text = self._documents[chunk.doc_id].paragraph(number).text
                key = (chunk.doc_id, number)
                if key not in hits:
                    hits[key] = ParagraphHit(key[0], number, text, score, score, lexical_coverage(wanted, text))
        return list(hits.values())
