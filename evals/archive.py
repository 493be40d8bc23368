"""The archive gold set: questions across the UN General Debate statements, scored by statement and scope.

`evals/data/archive/gold.jsonl` holds one question per line: `kind` (named: a country and a year in
words; filter: an explicit where-clause; which: "which countries ..."; compare: a field named with several
values; speaker: a speaker named in words), the `where` filter the question is asked with, the `scope`
every cited statement must satisfy, and `gold_statements` as `{"doc_id", "quote"}` (mapped to
paragraphs with `evals.collection.paragraph_of`). `gold_mode` "any": one of the gold statements must
be cited (a "which" question has many right answers); "all": each must be (a comparison cites every
year). Each item is scored on: the gold statement cited, a gold paragraph cited, every citation inside
the expected scope, and the scope the answer reports matching the expected one.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from evals.collection import default_corpus_root, paragraph_of
from index.errors import InputError
from index.parse import parse_file
from rag.answer import Answer
from rag.scope import Catalogue, Where, parse_where

DEFAULT_GOLD = Path(__file__).parent / "data" / "archive" / "gold.jsonl"
ARCHIVE = "ungdc_2014_2024"
Kind = Literal["named", "filter", "which", "compare", "speaker"]


@dataclass(frozen=True)
class ArchiveItem:
    id: str
    kind: Kind
    question: str
    where: Where  # the filter the question is asked with (empty: the question alone)
    scope: Where  # what every cited statement must satisfy
    gold_mode: Literal["any", "all"]
    gold: tuple[tuple[str, int | None], ...]  # (doc_id, paragraph or None when the quote is not in one paragraph)

    @property
    def gold_docs(self) -> set[str]:
        return {d for d, _ in self.gold}


def source_of(doc_id: str, root: Path | None = None) -> Path:
    """The archive file of a doc id: 'ken-79-2024' -> .../session_79_2024/KEN_79_2024.txt."""
    code, session, year = doc_id.upper().split("-")
    path = (root or default_corpus_root()) / ARCHIVE / f"session_{session}_{year}" / f"{code}_{session}_{year}.txt"
    if not path.is_file():
        raise InputError(f"{path} is missing; set SPEECHQA_CORPUS to the external corpus folder")
    return path


def load_archive(path: Path = DEFAULT_GOLD, root: Path | None = None) -> list[ArchiveItem]:
    """The gold items, quotes resolved to paragraph numbers with the product's own parser."""
    items = []
    parsed: dict[str, Any] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        raw = json.loads(line)
        gold = []
        for ref in raw["gold_statements"]:
            doc_id = ref["doc_id"]
            if doc_id not in parsed:
                parsed[doc_id] = parse_file(source_of(doc_id, root))
            gold.append((doc_id, paragraph_of(parsed[doc_id], ref["quote"])))
        if not gold:
            raise InputError(f"{path}, line {number}: an item needs at least one gold statement")
        items.append(ArchiveItem(raw["id"], raw["kind"], raw["question"], parse_where(raw.get("where") or {}),
                                 parse_where(raw.get("scope") or {}), raw.get("gold_mode", "any"), tuple(gold)))
    return items


@dataclass(frozen=True)
class ItemScore:
    id: str
    kind: str
    statement_cited: bool
    paragraph_cited: bool
    in_scope: bool  # every citation comes from a statement the expected scope allows
    scope_reported: bool  # the answer's scope holds the expected fields and values
    abstained: bool
    citations: int
    total_ms: float


def score_item(item: ArchiveItem, answer: Answer, catalogue: Catalogue) -> ItemScore:
    cited = {c.doc_id for c in answer.citations}
    pairs = {(c.doc_id, c.paragraph) for c in answer.citations}
    statement = item.gold_docs <= cited if item.gold_mode == "all" else bool(item.gold_docs & cited)
    allowed = set(catalogue.resolve(item.scope)) if item.scope else set(catalogue.meta)
    return ItemScore(item.id, item.kind, statement, any(p in pairs for p in item.gold), cited <= allowed,
                     _reported(item.scope, answer, catalogue), answer.abstained, len(answer.citations),
                     answer.timings_ms.get("total", 0.0))


def _reported(expected: Where, answer: Answer, catalogue: Catalogue) -> bool:
    """The scope the answer reports resolves to the same statements as the expected one."""
    if not expected:
        return True
    got = answer.scope.where if answer.scope is not None else ()
    return set(catalogue.resolve(got)) == set(catalogue.resolve(expected))


Ask = Callable[[ArchiveItem], Answer]


def run_archive(items: Sequence[ArchiveItem], ask: Ask, catalogue: Catalogue) -> dict[str, Any]:
    """Scores per item and the rates overall and per kind."""
    scores = [score_item(item, ask(item), catalogue) for item in items]
    return {"items": len(scores), "overall": _rates(scores),
            "by_kind": {k: _rates([s for s in scores if s.kind == k]) for k in sorted({s.kind for s in scores})},
            "latency_ms": _latency([s.total_ms for s in scores]), "scores": [s.__dict__ for s in scores]}


def _rates(scores: Sequence[ItemScore]) -> dict[str, float]:
    n = max(1, len(scores))
    names = ("statement_cited", "paragraph_cited", "in_scope", "scope_reported", "abstained")
    return {"n": len(scores), **{name: round(sum(bool(getattr(s, name)) for s in scores) / n, 3) for name in names}}


def _latency(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)
    return {"p50": round(statistics.median(ordered), 1), "p95": round(ordered[int(0.95 * (len(ordered) - 1))], 1)}
