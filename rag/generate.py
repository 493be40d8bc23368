"""The answer-generator seam: a Protocol, the abstention message, and citation numbering.

Generators receive the analysed question and the retrieved paragraphs and return a `Draft`: the
answer text with markers [1], [2], ... and the citations those markers name, most relevant first.
`number_citations` is the single place that turns "sentences from paragraphs" into markers, so
markers and citations always map one-to-one. A generator with a time budget per answer (the LLM)
is also `Timed`: the assistant starts its clock when the question arrives, so condensing,
generation and verification all fall inside one deadline.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from index.model import Document
from index.text import tokenize
from rag.answer import Citation, GenerationReport
from rag.question import Query, Turn
from rag.retrieve import ParagraphHit

ABSTAIN_TEXT = "Nothing in the text answers this question, so I cannot answer it."  # statements and resolutions alike


@dataclass(frozen=True)
class Draft:
    answer: str
    citations: tuple[Citation, ...]
    abstained: bool
    reason: str | None = None  # with `abstained`: the decision's reason, e.g. "needs_quantity"
    report: GenerationReport | None = None  # what the LLM path did (shown, removed, deadline)


@dataclass(frozen=True)
class Selected:
    """One sentence chosen for the answer, with where it came from."""

    hit: ParagraphHit
    start: int
    end: int

    @property
    def text(self) -> str:
        return self.hit.text[self.start : self.end]


DocumentLookup = Callable[[str], Document]


class Generator(Protocol):
    """The answer-writing seam. `composes_first`: the whole answer exists before it is shown, so the
    assistant checks it (`rag.policy.after_generation`) before streaming; otherwise `stream` verifies as
    it goes. `condenses`: the generator rewrites follow-ups itself (`condense`) before retrieval."""

    composes_first: bool
    condenses: bool

    def condense(self, query: Query, turns: Sequence[Turn], deadline: float | None = None) -> Query: ...

    def prepare(self, document: Document) -> None:
        """Compute ahead of questions what answering from `document` needs (`Assistant.read_ahead`)."""
        ...

    def generate(self, query: Query, hits: list[ParagraphHit], documents: DocumentLookup) -> Draft: ...

    def stream(self, query: Query, hits: list[ParagraphHit], documents: DocumentLookup) -> Iterator[str | Draft]:
        """Yield text pieces as they are produced, then the final Draft."""
        ...


@runtime_checkable
class Timed(Protocol):
    """A generator that must finish each answer by a deadline (a `time.perf_counter()` value)."""

    budget_s: float  # seconds per answer, from the question's arrival to the final Draft

    def condense(self, query: Query, history: Sequence[Turn], deadline: float | None = None) -> Query: ...

    def stream_until(self, deadline: float, query: Query, hits: list[ParagraphHit],
                     documents: DocumentLookup) -> Iterator[str | Draft]: ...


def abstain(reason: str = "no_evidence", report: GenerationReport | None = None) -> Draft:
    """The abstention draft; `reason` names the decision (`rag.policy` lists them)."""
    return Draft(ABSTAIN_TEXT, (), True, reason, report)


MIN_CONTENT_WORDS = 3  # "Mr. President," and "Thank you." carry no answer
COURTESY = re.compile(r"^(thank you( very much)?|i thank you)?[,\s]*((mr|madam|madame|mister)\.?\s+)?(president|chair|"
                      r"chairman|chairperson|co-chairs?|secretary-general|colleagues|excellencies)?[.,!:;\s]*$",
                      re.IGNORECASE)


def says_something(text: str, tokens: Collection[str] | None = None) -> bool:
    """A sentence or line that can carry an answer: not a bare courtesy ("Mr. President,", "Thank you.").
    `tokens`: its words as `tokenize` gives them, when the caller has them already."""
    count = len(tokens if tokens is not None else tokenize(text))
    return count >= MIN_CONTENT_WORDS and not COURTESY.match(text)


def number_citations(selected: list[Selected], documents: DocumentLookup, reading_order: bool = False) -> Draft:
    """Markers and citations for sentences chosen from paragraphs, numbered in the order the text uses them.

    The text groups each paragraph's sentences in their reading order; the paragraphs come most
    relevant first, or in the statement's order with `reading_order` (lists, enumerated points).
    Markers [1], [2], ... first appear in increasing order, and citations follow the markers.
    """
    by_key: dict[tuple[str, int], list[Selected]] = {}
    seen: set[str] = set()
    for s in selected:
        if s.text in seen:  # the same words in two places (a repeated line) are said once
            continue
        seen.add(s.text)
        by_key.setdefault((s.hit.doc_id, s.hit.paragraph), []).append(s)
    order = sorted(by_key, key=lambda key: -by_key[key][0].hit.score)
    paragraphs = sorted(order) if reading_order else order
    marker = {key: i + 1 for i, key in enumerate(paragraphs)}  # numbered as the reader meets them
    citations = []
    for key in paragraphs:
        parts = sorted(by_key[key], key=lambda s: s.start)
        hit = parts[0].hit
        quote = " ".join(s.text for s in parts)
        citations.append(Citation(hit.doc_id, documents(hit.doc_id).title, hit.paragraph, hit.text, quote, hit.score))
    text = " ".join(f"{s.text} [{marker[key]}]" for key in paragraphs
                    for s in sorted(by_key[key], key=lambda s: s.start))
    return Draft(text, tuple(citations), False)


def stream_words(draft: Draft) -> Iterator[str | Draft]:
    """Stream a finished draft word by word (used by generators that compose before speaking)."""
    words = draft.answer.split(" ")
    for i, word in enumerate(words):
        yield word if i == 0 else " " + word
    yield draft
