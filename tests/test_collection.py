"""The gold collections over unseen documents: every quote anchors to exactly one parsed paragraph,
each document belongs to one split, and both halves hold answerable and unanswerable questions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.collection import load_collection, paragraph_of
from index.errors import InputError
from index.model import Document, Paragraph

DATA = Path(__file__).resolve().parents[1] / "evals" / "data"


@pytest.mark.parametrize("split", ["tune", "report"])
def test_each_half_resolves_and_mixes_answerable_and_unanswerable(split: str) -> None:
    collection = load_collection(DATA / "unseen", split)  # raises on a quote that lies in no paragraph
    assert set(collection.splits.values()) == {split}
    assert len(collection.splits) >= 4
    unanswerable = sum(1 for item in collection.items if not item.answerable)
    assert unanswerable >= len(collection.items) / 4
    assert all(ref.doc_id in collection.splits for item in collection.items for ref in item.gold_paragraphs)


def test_the_halves_share_no_document() -> None:
    tune, report = (load_collection(DATA / "unseen", s) for s in ("tune", "report"))
    assert not set(tune.splits) & set(report.splits)
    assert len(tune.items) + len(report.items) >= 250


def test_conversation_quotes_anchor_to_one_paragraph_each() -> None:
    from evals.collection import default_corpus_root
    from index.parse import parse_file

    sources = json.loads((DATA / "conversations" / "sources.json").read_text())
    for doc_id, meta in sources.items():
        document = parse_file(default_corpus_root() / meta["path"])
        for line in (DATA / "conversations" / f"{doc_id}.jsonl").read_text().splitlines():
            for turn in json.loads(line)["turns"]:
                for ref in turn["gold_paragraphs"]:
                    assert paragraph_of(document, ref["quote"]) is not None, (doc_id, ref["quote"])


def test_a_quote_folds_whitespace_and_typographic_quotes() -> None:
    doc = Document("d", "T", (Paragraph(1, "The People’s Republic   spoke."), Paragraph(2, "Other text.")))
    assert paragraph_of(doc, "The People's Republic spoke") == 1
    assert paragraph_of(doc, "spoke. Other") is None  # across two paragraphs: no single home


def test_a_missing_sources_file_says_what_a_collection_needs(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="sources.json"):
        load_collection(tmp_path)


@pytest.mark.parametrize("folder", sorted(p.parent.name for p in DATA.glob("*/sources.json")))
def test_every_collection_loads_with_each_quote_in_one_paragraph(folder: str) -> None:
    from evals.conversations import is_conversation_folder, load_conversations

    path = DATA / folder
    if is_conversation_folder(path):
        conversations, _, _ = load_conversations(path)  # raises on a quote that lies in no paragraph
        assert conversations and all(c.turns for c in conversations)
    else:
        collection = load_collection(path)
        assert any(not item.answerable for item in collection.items)
        assert all(ref.doc_id in collection.splits for item in collection.items for ref in item.gold_paragraphs)
