"""Chunking: split each paragraph into sentence windows that never cross paragraphs.

A paragraph the embedding model can read whole (about 200 word pieces; the bundled MiniLM reads at
most 256 and silently drops the rest) is a single chunk. A longer one is split into windows of
single sentences (a window may pack more sentences when `max_sentences` says so, sharing
`overlap_sentences` with its neighbour), which gives the answer generator a dense score for each
sentence, plus one chunk of its whole text, which ranks paragraphs by their overall topic. That
chunk's vector is the mean of its windows' vectors (`ChunkerConfig.whole_vector`, made by the
ingestor): encoding the paragraph again would read the same words twice, and only its first 256.
A sentence over the budget (resolutions have 300-word sentences) is cut at word boundaries into
pieces that fit. Pure functions: the same paragraph always gives the same chunks and ids, which is
what makes re-ingesting idempotent.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

from index.model import Chunk, Document, Paragraph
from index.sentences import split_sentences

_WORD = re.compile(r"\S+")
CHUNKER_VERSION = "sentence-windows-v3"  # v2: over-budget sentences cut at word boundaries; v3: no repeated chunks


def approx_word_pieces(text: str) -> int:
    """Cheap upper-bound estimate of MiniLM word pieces (about 4 characters each in UN English)."""
    return len(text) // 4 + 1


@dataclass(frozen=True)
class ChunkerConfig:
    max_sentences: int = 1
    max_word_pieces: int = 128
    fit_word_pieces: int = 200  # a paragraph this short is embedded whole, as one chunk
    overlap_sentences: int = 0
    whole_paragraph: bool = True  # also index the paragraph itself when it spans several windows
    # How that whole-paragraph chunk gets its vector: "mean" averages its windows' vectors (no second
    # encoding of the same words; the model would read only its first 256 word pieces anyway), "encode"
    # runs the model on the paragraph's text.
    whole_vector: Literal["mean", "encode"] = "mean"

    @property
    def version(self) -> str:
        whole = ("-whole" + ("-mean" if self.whole_vector == "mean" else "")) if self.whole_paragraph else ""
        return (f"{CHUNKER_VERSION}-{self.max_sentences}s-{self.max_word_pieces}wp-{self.overlap_sentences}o"
                f"-fit{self.fit_word_pieces}{whole}")


def _fit(
    spans: list[tuple[int, int]], text: str, budget: int, count: Callable[[str], int]
) -> list[tuple[int, int]]:
    """Cut every span over `budget` at word boundaries into consecutive pieces that fit (a lone word may not)."""
    fitted: list[tuple[int, int]] = []
    for start, end in spans:
        piece_start, piece_end = start, end
        if count(text[start:end]) > budget:
            for word in _WORD.finditer(text, start, end):
                if word.start() > piece_start and count(text[piece_start : word.end()]) > budget:
                    fitted.append((piece_start, piece_end))
                    piece_start = word.start()
                piece_end = word.end()
        fitted.append((piece_start, piece_end))
    return fitted


def _windows(
    spans: list[tuple[int, int]], text: str, config: ChunkerConfig, count: Callable[[str], int]
) -> Iterator[tuple[int, int]]:
    """Yield (first, last) sentence indexes (inclusive) of each window."""
    first = 0
    while first < len(spans):
        last = first
        while (
            last + 1 < len(spans)
            and last + 1 - first < config.max_sentences
            and count(text[spans[first][0] : spans[last + 1][1]]) <= config.max_word_pieces
        ):
            last += 1
        yield first, last
        if last + 1 >= len(spans):
            return
        first = max(first + 1, last + 1 - config.overlap_sentences)


def chunk_paragraph(
    doc_id: str,
    paragraph: Paragraph,
    config: ChunkerConfig = ChunkerConfig(),
    count: Callable[[str], int] = approx_word_pieces,
) -> list[Chunk]:
    """Sentence windows of one paragraph; a sentence longer than the budget is cut into pieces first."""
    text = paragraph.text
    spans = _fit(split_sentences(text) or [(0, len(text))], text, config.max_word_pieces, count)
    if count(text) <= config.fit_word_pieces:
        spans = [(spans[0][0], spans[-1][1])]
    chunks = []
    for index, (first, last) in enumerate(_windows(spans, text, config, count)):
        start, end = spans[first][0], spans[last][1]
        whole = start == 0 and end == len(text)
        chunks.append(Chunk(doc_id, paragraph.number, index, text[start:end], start, end, paragraph.hash, whole))
    if config.whole_paragraph and len(chunks) > 1:
        # The model reads only the opening of a long paragraph, but that opening often says what the
        # whole paragraph is about; its ranking complements the sentence windows' in fusion.
        chunks.append(Chunk(doc_id, paragraph.number, len(chunks), text, 0, len(text), paragraph.hash, True))
    return chunks


def chunk_document(document: Document, config: ChunkerConfig = ChunkerConfig()) -> list[Chunk]:
    """All chunks of a document, heading (paragraph 0) first, then in paragraph order.

    A chunk whose text already occurred earlier in the document is left out: repeated boilerplate
    would otherwise crowd every other document out of the nearest neighbours, and the first
    occurrence already makes that text findable (BM25 still sees every paragraph).
    """
    seen: set[str] = set()
    chunks = []
    for paragraph in document.citable():
        for chunk in chunk_paragraph(document.doc_id, paragraph, config):
            if chunk.text not in seen:
                seen.add(chunk.text)
                chunks.append(chunk)
    return chunks
