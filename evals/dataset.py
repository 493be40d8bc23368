"""Gold question sets: the frozen values (GoldItem, GoldRef, ...) and a strict JSONL loader.

One JSON object per line, schema in docs/EVAL_DATASET.md. The loader checks every field and raises
`InputError` naming the file, the line number and the field, so a typo in a hand-written gold set is
found before a run, not averaged into a score. Unknown fields are errors for the same reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar, cast, get_args

from index.errors import InputError
from rag.question import Role, Turn

Category = Literal[
    "single_fact", "list", "who_what_when", "paraphrase", "metadata", "follow_up", "unanswerable", "injection"
]
# A conversation turn is the assistant's own `Turn`, so gold histories feed `Assistant.ask` unchanged.
CATEGORIES: tuple[str, ...] = get_args(Category)
ROLES: tuple[str, ...] = get_args(Role)
_REQUIRED = ("id", "question", "category", "answerable", "gold_paragraphs", "key_facts", "reference_answer")
_OPTIONAL = ("doc", "history", "answer_spans")
_T = TypeVar("_T")


@dataclass(frozen=True)
class GoldRef:
    """A paragraph that answers the question; paragraph 0 is the heading, the body starts at 1."""

    doc_id: str
    paragraph: int

    @property
    def key(self) -> tuple[str, int]:
        """The (doc_id, paragraph) tuple the metrics compare against."""
        return (self.doc_id, self.paragraph)


@dataclass(frozen=True)
class AnswerSpan:
    """An extractive answer: `text` starts at character `start` of the paragraph's text."""

    doc_id: str
    paragraph: int
    start: int
    text: str


@dataclass(frozen=True)
class GoldItem:
    """One gold question with what a correct answer must find, cite and say."""

    id: str
    question: str
    category: Category
    answerable: bool
    gold_paragraphs: tuple[GoldRef, ...]
    key_facts: tuple[tuple[str, ...], ...]  # each fact: acceptable alternatives, any one suffices
    reference_answer: str
    doc: str | None = None  # restrict retrieval to this doc_id
    history: tuple[Turn, ...] = ()
    answer_spans: tuple[AnswerSpan, ...] = ()  # extractive datasets only (PolicyQA)

    @property
    def gold_keys(self) -> frozenset[tuple[str, int]]:
        return frozenset(ref.key for ref in self.gold_paragraphs)


class _Where:
    """Where a value came from, to build `file:line: field ...` error messages."""

    def __init__(self, path: Path, line: int) -> None:
        self.path, self.line = path, line

    def error(self, field: str, problem: str) -> InputError:
        return InputError(f"{self.path}:{self.line}: field '{field}' {problem}; fix that line and rerun.")


class _Nested(_Where):
    """A `_Where` that prefixes field names with the enclosing field, e.g. `gold_paragraphs[0].doc_id`."""

    def __init__(self, outer: _Where, prefix: str) -> None:
        super().__init__(outer.path, outer.line)
        self.prefix = prefix

    def error(self, field: str, problem: str) -> InputError:
        return super().error(f"{self.prefix}.{field}", problem)


def _typed(obj: Mapping[str, Any], field: str, kind: type[_T], where: _Where) -> _T:
    value = obj[field]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise where.error(field, f"must be {kind.__name__}, got {type(value).__name__} {value!r}")
    return value


def _text(obj: Mapping[str, Any], field: str, where: _Where) -> str:
    value = _typed(obj, field, str, where)
    if not value.strip():
        raise where.error(field, "must not be empty")
    return value


def _items(obj: Mapping[str, Any], field: str, where: _Where, parse: Callable[[Any, str], _T]) -> tuple[_T, ...]:
    values = _typed(obj, field, list, where)
    return tuple(parse(value, f"{field}[{i}]") for i, value in enumerate(values))


def _ref(value: Any, field: str, where: _Where) -> GoldRef:
    obj = _object(value, field, where, ("doc_id", "paragraph"))
    paragraph = _typed(obj, "paragraph", int, _Nested(where, field))
    if paragraph < 0:
        raise where.error(f"{field}.paragraph", f"must be >= 0, got {paragraph}")
    return GoldRef(_text(obj, "doc_id", _Nested(where, field)), paragraph)


def _turn(value: Any, field: str, where: _Where) -> Turn:
    obj = _object(value, field, where, ("role", "content"))
    role = _typed(obj, "role", str, _Nested(where, field))
    if role not in ROLES:
        raise where.error(f"{field}.role", f"must be one of {', '.join(ROLES)}, got {role!r}")
    return Turn(cast(Role, role), _text(obj, "content", _Nested(where, field)))


def _span(value: Any, field: str, where: _Where) -> AnswerSpan:
    obj = _object(value, field, where, ("doc_id", "paragraph", "start", "text"))
    ref, nested = _ref(obj, field, where), _Nested(where, field)
    return AnswerSpan(ref.doc_id, ref.paragraph, _typed(obj, "start", int, nested), _text(obj, "text", nested))


def _fact(value: Any, field: str, where: _Where) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise where.error(field, f"must be a non-empty list of alternative strings, got {value!r}")
    if not all(isinstance(v, str) and v.strip() for v in value):
        raise where.error(field, f"alternatives must be non-empty strings, got {value!r}")
    return tuple(value)


def _object(value: Any, field: str, where: _Where, required: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise where.error(field, f"must be an object, got {value!r}")
    missing = [key for key in required if key not in value]
    if missing:
        raise where.error(field, f"is missing {', '.join(missing)}")
    return value


def _parse_item(obj: Any, where: _Where) -> GoldItem:
    """Validate one decoded JSON line into a GoldItem."""
    if not isinstance(obj, dict):
        raise where.error("(line)", "must hold a JSON object")
    for key in _REQUIRED:
        if key not in obj:
            raise where.error(key, "is required")
    for key in obj:
        if key not in _REQUIRED + _OPTIONAL:
            raise where.error(key, f"is unknown (known: {', '.join(_REQUIRED + _OPTIONAL)})")
    category = _typed(obj, "category", str, where)
    if category not in CATEGORIES:
        raise where.error("category", f"must be one of {', '.join(CATEGORIES)}, got {category!r}")
    item = GoldItem(
        id=_text(obj, "id", where),
        question=_text(obj, "question", where),
        category=cast(Category, category),
        answerable=_typed(obj, "answerable", bool, where),
        gold_paragraphs=_items(obj, "gold_paragraphs", where, lambda v, f: _ref(v, f, where)),
        key_facts=_items(obj, "key_facts", where, lambda v, f: _fact(v, f, where)),
        reference_answer=_typed(obj, "reference_answer", str, where),
        doc=_text(obj, "doc", where) if obj.get("doc") is not None else None,
        history=_items(obj, "history", where, lambda v, f: _turn(v, f, where)) if "history" in obj else (),
        answer_spans=_items(obj, "answer_spans", where, lambda v, f: _span(v, f, where))
        if "answer_spans" in obj
        else (),
    )
    _check_consistency(item, where)
    return item


def _check_consistency(item: GoldItem, where: _Where) -> None:
    if item.category in ("unanswerable", "injection") and item.answerable:
        raise where.error("answerable", f"must be false for category {item.category}")
    if item.answerable and not (item.gold_paragraphs and item.key_facts):
        raise where.error("gold_paragraphs", "and key_facts must be non-empty when answerable is true")
    if not item.answerable and item.gold_paragraphs:
        raise where.error("gold_paragraphs", "must be empty when answerable is false")
    if item.category == "follow_up" and not item.history:
        raise where.error("history", "must hold the earlier turns for a follow_up question")


def parse_lines(lines: list[str], path: Path) -> tuple[GoldItem, ...]:
    """Parse JSONL text lines (blank lines skipped); ids must be unique across the file."""
    items: list[GoldItem] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = _Where(path, number)
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise where.error("(line)", f"is not valid JSON ({e.msg} at column {e.colno})") from e
        item = _parse_item(obj, where)
        if item.id in seen:
            raise where.error("id", f"{item.id!r} repeats the id of line {seen[item.id]}")
        seen[item.id] = number
        items.append(item)
    return tuple(items)


def load_gold(path: Path) -> tuple[GoldItem, ...]:
    """Read and validate a gold JSONL file; an empty or unreadable file is an InputError."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"Cannot read gold set {path}: {e}. Check the path (see docs/EVAL_DATASET.md).") from e
    items = parse_lines(lines, path)
    if not items:
        raise InputError(f"Gold set {path} holds no questions; add one JSON object per line.")
    return items
