"""The answer contract: Citation and Answer, and their JSON form (`speechqa ask --json`).

Markers in `Answer.answer` are `[1]`, `[2]`, ... and map one-to-one, in order, onto `citations`.
`score` is higher-is-better (a fused relevance in 0..1), never a distance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rag.scope import Scope


@dataclass(frozen=True)
class Citation:
    doc_id: str
    doc_title: str
    paragraph: int  # 0 is the document heading (title, dateline); body paragraphs start at 1
    text: str  # the full paragraph text
    quote: str  # the exact sentence(s) of `text` the answer relies on
    score: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "doc_title": self.doc_title,
            "paragraph": self.paragraph,
            "text": self.text,
            "quote": self.quote,
            "score": round(self.score, 4),
        }


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str
    abstained: bool
    citations: tuple[Citation, ...] = ()
    timings_ms: dict[str, float] = field(default_factory=dict)
    id: str | None = None
    retrieved: tuple[tuple[str, int, float], ...] = ()  # (doc_id, paragraph, score), best first
    abstain_reason: str | None = None  # why the assistant abstained ("not_in_text: hydropower"); None if it answered
    scope: Scope | None = None  # the statements the answer was confined to (filters, names in the question)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "question": self.question,
            "answer": self.answer,
            "abstained": self.abstained,
            "abstain_reason": self.abstain_reason,
            "citations": [c.to_dict() for c in self.citations],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
            "retrieved": [{"doc_id": d, "paragraph": p, "score": round(s, 4)} for d, p, s in self.retrieved],
            "scope": self.scope.to_dict() if self.scope is not None else None,
        }
