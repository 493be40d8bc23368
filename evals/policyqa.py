"""PolicyQA dev (SQuAD v1 format, 20 privacy policies) as SpeechQA documents and gold items.

Each policy ("data" entry) becomes one `Document`: doc_id is the slug of its title (the website, e.g.
`ticketmaster.com` -> `ticketmaster-com`), the heading (paragraph 0) is the title, and the contexts
become paragraphs numbered from 1 in file order, each stripped of surrounding whitespace. Answer
offsets are shifted by the stripped prefix, so `paragraph.text[start:start + len(text)]` is the
answer. Each question becomes an answerable `GoldItem` (category `single_fact`) scoped to its
policy, with its paragraph as gold, all answer texts as alternatives of one key fact, and the
answer spans kept so "a paragraph containing the span" can count as correct.

`split` halves the set by policy, like the gold collections: "tune" keeps the policies at even positions
in the file (1st, 3rd, ...), "report" those at odd positions; settings are fitted on the tune half only.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evals.dataset import AnswerSpan, GoldItem, GoldRef
from index.errors import InputError
from index.model import Document, Paragraph
from index.parse import slugify


@dataclass(frozen=True)
class PolicyQA:
    """The loaded dataset: every policy document, and the (possibly sampled) questions."""

    documents: tuple[Document, ...]
    items: tuple[GoldItem, ...]


def _read(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InputError(f"Cannot read PolicyQA file {path}: {e}. Point to the SQuAD-format dev.json.") from e
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise InputError(f"PolicyQA file {path} has no 'data' list; is it a SQuAD v1 file?")
    entries: list[dict[str, Any]] = data["data"]
    return entries


def _document(entry: dict[str, Any], doc_id: str, path: Path) -> Document:
    paragraphs = tuple(Paragraph(n, p["context"].strip()) for n, p in enumerate(entry["paragraphs"], start=1))
    title = entry["title"]
    return Document(doc_id=doc_id, title=title, paragraphs=paragraphs, source=str(path), heading=title)


def _span(answer: dict[str, Any], context: str, doc_id: str, number: int, qa_id: str) -> AnswerSpan:
    """The answer with its offset moved into the stripped paragraph; checked against the text."""
    start = answer["answer_start"] - (len(context) - len(context.lstrip()))
    text = answer["text"]
    if context.strip()[start : start + len(text)] != text:
        where = f"PolicyQA question {qa_id}: answer_start {answer['answer_start']}"
        raise InputError(f"{where} does not point at {text!r}; is the file a SQuAD v1 dev/train file?")
    return AnswerSpan(doc_id, number, start, text)


def _item(qa: dict[str, Any], context: str, doc_id: str, number: int) -> GoldItem:
    spans = tuple(_span(a, context, doc_id, number, qa["id"]) for a in qa["answers"])
    if not spans:
        raise InputError(f"PolicyQA question {qa['id']} has no answers; only SQuAD v1 (answerable) is supported.")
    return GoldItem(
        id=qa["id"],
        question=qa["question"],
        category="single_fact",
        answerable=True,
        gold_paragraphs=(GoldRef(doc_id, number),),
        key_facts=(tuple(dict.fromkeys(s.text for s in spans)),),
        reference_answer=spans[0].text,
        doc=doc_id,
        answer_spans=spans,
    )


def _entry_items(entry: dict[str, Any], doc_id: str) -> list[GoldItem]:
    return [
        _item(qa, p["context"], doc_id, number)
        for number, p in enumerate(entry["paragraphs"], start=1)
        for qa in p["qas"]
    ]


def span_refs(item: GoldItem, document: Document) -> frozenset[tuple[str, int]]:
    """Gold paragraphs plus every paragraph of `document` that contains one of the item's answer spans.

    Lenient gold for retrieval: short spans ("may", "personal information") recur across a policy, so
    report it beside the strict gold, not instead of it.
    """
    spans = {s.text for s in item.answer_spans}
    found = {(document.doc_id, p.number) for p in document.paragraphs if any(s in p.text for s in spans)}
    return item.gold_keys | found


def sample(items: tuple[GoldItem, ...], limit: int | None, seed: int = 0) -> tuple[GoldItem, ...]:
    """A deterministic subset of `limit` items (drawn with `random.Random(seed)`), in original order."""
    if limit is not None and limit < 1:
        raise InputError(f"The PolicyQA sample limit must be a positive integer, got {limit}.")
    if limit is None or limit >= len(items):
        return items
    chosen = sorted(random.Random(seed).sample(range(len(items)), limit))
    return tuple(items[i] for i in chosen)


def _unique_ids(titles: list[str]) -> list[str]:
    """Slugs of the titles, with `-2`, `-3`, ... added should two titles share a slug."""
    ids: list[str] = []
    seen: Counter[str] = Counter()
    for title in titles:
        base = slugify(title)
        seen[base] += 1
        ids.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return ids


SPLITS = ("tune", "report", "all")


def load_policyqa(path: Path, *, limit: int | None = None, seed: int = 0, split: str = "all") -> PolicyQA:
    """Load the policies of `split` as Documents and their questions as GoldItems; `limit` samples questions."""
    if split not in SPLITS:
        raise InputError(f"Unknown PolicyQA split {split!r}; use one of {', '.join(SPLITS)}.")
    entries = _read(path)
    if split != "all":
        entries = entries[0 if split == "tune" else 1::2]
    try:
        doc_ids = _unique_ids([e["title"] for e in entries])
        documents = tuple(_document(e, doc_id, path) for e, doc_id in zip(entries, doc_ids, strict=True))
        items = tuple(item for e, doc_id in zip(entries, doc_ids, strict=True) for item in _entry_items(e, doc_id))
    except (KeyError, TypeError, AttributeError) as e:
        raise InputError(f"PolicyQA file {path} is not in SQuAD v1 form ({e!r} missing or malformed).") from e
    return PolicyQA(documents, sample(items, limit, seed))
