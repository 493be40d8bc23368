"""The optional reranking stage: re-order the fused candidates with a model that reads question and
paragraph together.

No reranker ships with SpeechQA and none can be downloaded at run time, so the stage is off unless
`SPEECHQA_RERANKER` names a local sentence-transformers `CrossEncoder` folder (for example an
ms-marco MiniLM cross-encoder copied onto the machine). The retriever hands it its best `depth`
fused paragraphs and keeps the top k of the new order; each hit's `score` becomes the reranker's
score, so citations stay "most relevant first" in the reranker's sense. The model (torch) loads on
the first question, never at the start of a command that does not rerank.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from index.embed import CrossEncoderScorer

if TYPE_CHECKING:
    from rag.retrieve import ParagraphHit


class Reranker(Protocol):
    name: str

    def rerank(self, question: str, hits: list[ParagraphHit]) -> list[ParagraphHit]:
        """The same hits, best first, with `score` set to the reranker's score."""
        ...


class CrossEncoderReranker:
    """Reranks with a local cross-encoder (`index.embed.CrossEncoderScorer`)."""

    def __init__(self, path: str | Path) -> None:
        self.scorer = CrossEncoderScorer(path)
        self.name = self.scorer.name

    def rerank(self, question: str, hits: list[ParagraphHit]) -> list[ParagraphHit]:
        scored = zip(self.scorer.scores(question, [h.text for h in hits]), hits, strict=True)
        ranked = sorted(scored, key=lambda pair: -pair[0])  # stable: ties keep the fused order
        return [replace(hit, score=score) for score, hit in ranked]
