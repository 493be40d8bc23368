"""The answer contract: Citation and Answer, and their JSON form (`speechqa ask --json`).

Markers in `Answer.answer` are `[1]`, `[2]`, ... and map one-to-one, in order, onto `citations`.
A citation's `score` is the calibrated chance (0..1) that its paragraph answers the question, fitted on
the tune halves of the gold sets (`rag.policy.AnswerPolicy.chance`); `relevance` is the raw signal.
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
    score: float  # shown to users: the chance that this paragraph answers the question (calibrated, 0..1)
    relevance: float = 0.0  # the raw match strength it was calibrated from (0.65 dense + 0.35 word coverage)

    def to_dict(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "doc_title": self.doc_title,
            "paragraph": self.paragraph,
            "text": self.text,
            "quote": self.quote,
            "score": round(self.score, 4),
            "relevance": round(self.relevance, 4),
        }


@dataclass(frozen=True)
class GenerationReport:
    """What the LLM path did for one answer: the evaluation counts these (the extractive path has none)."""

    shown: int = 0  # sentences shown
    removed: int = 0  # sentences verification removed: unsupported, naming what no passage names, off the question
    at_deadline: bool = False  # the answer's deadline passed before the model finished
    fell_back: bool = False  # the extractive answer was shown instead, with a note saying so
    abstain_reason: str | None = None  # why the answer abstained, when it did

    def to_dict(self) -> dict[str, Any]:
        return {"shown": self.shown, "removed": self.removed, "at_deadline": self.at_deadline,
                "fell_back": self.fell_back, "abstain_reason": self.abstain_reason}


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
    report: GenerationReport | None = None  # set by the LLM generator
    scope: Scope | None = None  # the statements the answer was confined to (filters, names in the question)

    def to_dict(self) -> dict[str, Any]:
        extra = {"report": self.report.to_dict()} if self.report else {}
        return {
            "id": self.id,
            "question": self.question,
            "answer": self.answer,
            "abstained": self.abstained,
            "abstain_reason": self.abstain_reason,
            "citations": [c.to_dict() for c in self.citations],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
            "retrieved": [{"doc_id": d, "paragraph": p, "score": round(s, 4)} for d, p, s in self.retrieved],
            **extra,
            "scope": self.scope.to_dict() if self.scope is not None else None,
        }
