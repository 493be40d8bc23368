"""Answers across statements: one cited sentence per statement, each named by its metadata.

Two kinds of archive question want statements side by side rather than the best few paragraphs of
the whole index: "Which countries called for Security Council reform?" (a `which` question: the
statements that answer best, one sentence each, best first) and a comparison, a scope that names
several values of one field ("How did Brazil speak of the Amazon in 2019 and in 2023?": each
statement in scope, in date order). Each statement's sentence is chosen by the ordinary generator
from that statement's own paragraphs, so it is cited by its own paragraph number; the answer prefixes
it with the statement's label ("Kenya (2024)") and the citation's title carries the label too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from rag.answer import Citation
from rag.generate import DocumentLookup, Draft, Generator
from rag.question import Query
from rag.retrieve import ParagraphHit
from rag.scope import Catalogue, Scope

Mode = Literal["which", "compare"]
Retrieve = Callable[[Sequence[str] | None, int], list[ParagraphHit]]  # (doc ids or everything, k) -> hits

# "Which countries / delegations / speakers ..." asks for the set of statements that say something.
_WHICH = re.compile(r"\b(which|what)\s+(countries|states|member states|delegations|speakers|leaders|governments|"
                    r"nations|presidents|ministers)\b", re.IGNORECASE)


@dataclass(frozen=True)
class AcrossPolicy:
    """How many statements an answer across statements lists, and which qualify."""

    max_statements: int = 8  # a "which" answer lists at most this many statements (best first)
    keep_ratio: float = 0.75  # ... each whose best paragraph's relevance is at least this share of the best one's
    fetch_per_statement: int = 4  # paragraphs retrieved per listed statement, so several statements surface
    per_statement_k: int = 3  # paragraphs retrieved inside each statement of a comparison
    max_compared: int = 12  # a comparison of more statements than this is answered as an ordinary question


def asks_which(question: str) -> bool:
    return bool(_WHICH.search(question))


def mode_for(query: Query, scope: Scope | None, statements: int, policy: AcrossPolicy = AcrossPolicy()
             ) -> Mode | None:
    """`which` for a question asking which statements say something, `compare` for a scope naming several
    values of one field; None for an ordinary question (or a single statement)."""
    if statements < 2:
        return None
    if asks_which(query.original):
        return "which"
    if scope is not None and 1 < len(scope.doc_ids) <= policy.max_compared and any(
            len(values) > 1 for _, values in scope.where):
        return "compare"
    return None


def compose(mode: Mode, query: Query, scope: Scope | None, retrieve: Retrieve, generator: Generator,
            documents: DocumentLookup, catalogue: Catalogue, floor: float,
            policy: AcrossPolicy = AcrossPolicy()) -> tuple[list[ParagraphHit], Draft | None]:
    """The hits used and the answer (None when no statement answers well enough: the caller abstains).

    `floor` is the relevance a statement's best paragraph needs at all (the answer policy's threshold)."""
    single = replace(query, wants_list=False, wants_points=False)  # one sentence per statement
    groups = _groups(mode, scope, retrieve, policy)
    best = {d: max((h.relevance for h in hits if h.paragraph != 0), default=0.0) for d, hits in groups.items()}
    top = max(best.values(), default=0.0)
    wanted = [d for d in groups if best[d] >= floor and (mode == "compare" or best[d] >= policy.keep_ratio * top)]
    if mode == "compare":
        wanted.sort(key=catalogue.order_key)
    picked: list[tuple[str, Citation]] = []
    for doc_id in wanted[: policy.max_statements if mode == "which" else None]:
        draft = generator.generate(single, [h for h in groups[doc_id] if h.paragraph != 0], documents)
        if not draft.abstained and draft.citations:
            picked.append((catalogue.label(doc_id), draft.citations[0]))
    used = [h for hits in groups.values() for h in hits]
    return used, (_draft(picked) if picked else None)


def _groups(mode: Mode, scope: Scope | None, retrieve: Retrieve, policy: AcrossPolicy
            ) -> dict[str, list[ParagraphHit]]:
    """Hits per statement: each statement of a comparison searched on its own, or one search for `which`."""
    if mode == "compare" and scope is not None:
        return {d: retrieve([d], policy.per_statement_k) for d in scope.doc_ids}
    ids = list(scope.doc_ids) if scope is not None else None
    groups: dict[str, list[ParagraphHit]] = {}
    for hit in retrieve(ids, policy.fetch_per_statement * policy.max_statements):
        groups.setdefault(hit.doc_id, []).append(hit)
    return groups


def _draft(picked: list[tuple[str, Citation]]) -> Draft:
    """One line per statement: 'Kenya (2024): the sentence [n]'; the citation's title names it too."""
    lines, citations = [], []
    for number, (label, citation) in enumerate(picked, start=1):
        lines.append(f"{label}: {citation.quote} [{number}]" if label else f"{citation.quote} [{number}]")
        title = f"{label} — {citation.doc_title}" if label else citation.doc_title
        citations.append(replace(citation, doc_title=title))
    return Draft("\n".join(lines), tuple(citations), False)
