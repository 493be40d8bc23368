"""The speech gold set is well-formed and true to the source text; the loaders validate and convert."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from evals.dataset import CATEGORIES, load_gold
from evals.policyqa import load_policyqa, sample, span_refs
from index.errors import InputError
from index.parse import parse_file

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "evals" / "data" / "speech_gold.jsonl"
DOC_ID = "zhang-jun-unsc-transnational-organized-crime-2023-12-07"
SHARED = ROOT.parent / "shared" / "corpus"  # the shared corpus sits beside the repository
SPEECH = ROOT / "index" / "corpus" / f"{DOC_ID}.txt"  # the bundled copy
POLICYQA = SHARED / "external" / "policyqa_dev" / "dev.json"
needs_speech = pytest.mark.skipif(not SPEECH.exists(), reason=f"speech source not found at {SPEECH}")
needs_policyqa = pytest.mark.skipif(not POLICYQA.exists(), reason=f"PolicyQA dev set not found at {POLICYQA}")


def speech_paragraphs() -> list[str]:
    """Paragraph 0 = title line + dateline; then the blank-line blocks up to 'Suggest to a friend'.

    Odd spaces are squeezed to plain ones, as the ingester does: the source has U+2002 in
    "illicit assets" and no-break spaces at line ends.
    """
    blocks = [b.strip() for b in re.split(r"\n\s*\n", SPEECH.read_text(encoding="utf-8"))]
    dateline = next(i for i, b in enumerate(blocks) if re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", b))
    end = next(i for i, b in enumerate(blocks) if b.startswith("Suggest to a friend"))
    heading = _squeeze(blocks[dateline - 1].splitlines()[-1]) + "\n" + blocks[dateline]
    return [heading, *(_squeeze(b) for b in blocks[dateline + 1 : end])]


def _squeeze(text: str) -> str:
    return " ".join(text.split())


# --- the speech gold set ---------------------------------------------------------------------------


@needs_speech
def test_simple_parse_matches_the_fixed_numbering() -> None:
    paragraphs = speech_paragraphs()
    assert len(paragraphs) == 11
    assert paragraphs[0].startswith("Remarks by Ambassador Zhang Jun") and paragraphs[0].endswith("2023-12-07 13:00")
    starts = {
        1: "Mr. President,",
        2: "I welcome Ecuador",
        3: "As we speak",
        4: "First,",
        5: "Second,",
        6: "Third,",
        7: "Fourth,",
        8: "Mr. President,",
        9: "China has been",
        10: "Thank you, Mr. President.",
    }
    assert all(paragraphs[n].startswith(s) for n, s in starts.items())


@needs_speech
def test_the_ingester_numbers_paragraphs_like_the_gold_set() -> None:
    document = parse_file(SPEECH)
    assert document.doc_id == DOC_ID
    assert (document.speaker, document.date, document.venue) == ("Zhang Jun", "2023-12-07", "UN Security Council")
    assert [document.heading, *(p.text for p in document.paragraphs)] == speech_paragraphs()


def test_gold_set_size_and_coverage() -> None:
    items = load_gold(GOLD)
    counts = Counter(item.category for item in items)
    assert len(items) >= 70
    assert sum(not item.answerable for item in items) >= 12
    assert counts["unanswerable"] >= 12
    assert set(counts) == set(CATEGORIES)
    assert all(item.history for item in items if item.category == "follow_up")


def test_gold_refs_are_in_range_and_name_the_speech() -> None:
    for item in load_gold(GOLD):
        assert all(ref.doc_id == DOC_ID and 0 <= ref.paragraph <= 10 for ref in item.gold_paragraphs), item.id
        assert item.doc in (None, DOC_ID), item.id


@needs_speech
def test_every_key_fact_appears_in_its_gold_paragraphs() -> None:
    """The first alternative of each fact is the literal one; later ones may paraphrase it."""
    paragraphs = speech_paragraphs()
    for item in load_gold(GOLD):
        gold_text = "\n".join(paragraphs[ref.paragraph] for ref in item.gold_paragraphs).lower()
        missing = [fact[0] for fact in item.key_facts if fact[0].lower() not in gold_text]
        assert not missing, f"{item.id}: {missing} not in paragraphs {[r.paragraph for r in item.gold_paragraphs]}"


# --- loader validation -----------------------------------------------------------------------------

VALID = {
    "id": "x1",
    "question": "Who spoke?",
    "category": "metadata",
    "answerable": True,
    "gold_paragraphs": [{"doc_id": "d", "paragraph": 0}],
    "key_facts": [["Zhang Jun"]],
    "reference_answer": "Zhang Jun.",
}


def write_lines(tmp_path: Path, *objects: object) -> Path:
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(o if isinstance(o, str) else json.dumps(o) for o in objects) + "\n", encoding="utf-8")
    return path


def test_valid_lines_load_into_frozen_values(tmp_path: Path) -> None:
    history = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello [1]"}]
    path = write_lines(tmp_path, VALID, "", {**VALID, "id": "x2", "category": "follow_up", "history": history})
    first, second = load_gold(path)
    assert first.gold_keys == {("d", 0)} and first.key_facts == (("Zhang Jun",),)
    assert [t.role for t in second.history] == ["user", "assistant"]
    with pytest.raises(AttributeError):
        first.id = "y"  # type: ignore[misc]  # the test proves it is frozen


@pytest.mark.parametrize(
    ("bad", "line", "field"),
    [
        ({"category": "trivia"}, 2, "'category' must be one of"),
        ({"answerable": "yes"}, 2, "'answerable' must be bool"),
        ({"gold_paragraphs": [{"doc_id": "d", "paragraph": -1}]}, 2, "'gold_paragraphs[0].paragraph' must be >= 0"),
        ({"gold_paragraphs": [{"doc_id": "d", "paragraph": True}]}, 2, "'gold_paragraphs[0].paragraph' must be int"),
        ({"gold_paragraphs": [{"doc_id": "d"}]}, 2, "'gold_paragraphs[0]' is missing paragraph"),
        ({"key_facts": [[]]}, 2, "'key_facts[0]' must be a non-empty list"),
        ({"key_facts": ["UNODC"]}, 2, "'key_facts[0]' must be a non-empty list"),
        ({"history": [{"role": "bot", "content": "x"}]}, 2, "'history[0].role' must be one of"),
        ({"answerable": False}, 2, "'gold_paragraphs' must be empty when answerable is false"),
        ({"category": "unanswerable", "gold_paragraphs": [], "key_facts": []}, 2, "'answerable' must be false"),
        ({"category": "follow_up"}, 2, "'history' must hold the earlier turns"),
        ({"question": "  "}, 2, "'question' must not be empty"),
        ({"extra": 1}, 2, "'extra' is unknown"),
        ({"id": "x1"}, 2, "'id' 'x1' repeats the id of line 1"),
    ],
)
def test_errors_name_file_line_and_field(tmp_path: Path, bad: dict[str, object], line: int, field: str) -> None:
    path = write_lines(tmp_path, VALID, {**VALID, "id": "x2", **bad})
    with pytest.raises(InputError, match=re.escape(f"{path}:{line}: field {field}")):
        load_gold(path)


def test_missing_field_bad_json_and_empty_file(tmp_path: Path) -> None:
    without_question = {k: v for k, v in VALID.items() if k != "question"}
    with pytest.raises(InputError, match=r":1: field 'question' is required"):
        load_gold(write_lines(tmp_path, without_question))
    with pytest.raises(InputError, match=r":1: field '\(line\)' is not valid JSON"):
        load_gold(write_lines(tmp_path, "{not json"))
    with pytest.raises(InputError, match="holds no questions"):
        load_gold(write_lines(tmp_path, ""))
    with pytest.raises(InputError, match="Cannot read gold set"):
        load_gold(tmp_path / "absent.jsonl")


# --- PolicyQA --------------------------------------------------------------------------------------


@needs_policyqa
def test_policyqa_counts_and_offsets() -> None:
    data = load_policyqa(POLICYQA)
    assert len(data.documents) == 20
    assert sum(len(d.paragraphs) for d in data.documents) == 574
    assert len(data.items) == 3809
    assert len({d.doc_id for d in data.documents}) == 20
    assert "mlb-mlb-com" in {d.doc_id for d in data.documents}
    docs = {d.doc_id: d for d in data.documents}
    for item in data.items:
        (ref,) = item.gold_paragraphs
        assert item.doc == ref.doc_id and item.answerable and item.reference_answer == item.answer_spans[0].text
        text = docs[ref.doc_id].paragraph(ref.paragraph).text
        assert all(text[s.start : s.start + len(s.text)] == s.text for s in item.answer_spans), item.id
        assert {s.text for s in item.answer_spans} == set(item.key_facts[0])


@needs_policyqa
def test_policyqa_sample_is_deterministic_and_keeps_documents() -> None:
    small = load_policyqa(POLICYQA, limit=25, seed=7)
    assert len(small.items) == 25 and len(small.documents) == 20
    assert small.items == load_policyqa(POLICYQA, limit=25, seed=7).items
    assert small.items != load_policyqa(POLICYQA, limit=25, seed=8).items


@needs_policyqa
def test_policyqa_halves_split_by_policy_and_cover_it_once() -> None:
    tune, report = load_policyqa(POLICYQA, split="tune"), load_policyqa(POLICYQA, split="report")
    titles = [d.title for d in load_policyqa(POLICYQA).documents]
    assert [d.title for d in tune.documents] == titles[0::2]
    assert [d.title for d in report.documents] == titles[1::2]
    assert len(tune.items) + len(report.items) == 3809
    assert {i.doc for i in tune.items}.isdisjoint({i.doc for i in report.items})
    with pytest.raises(InputError, match="tune, report, all"):
        load_policyqa(POLICYQA, split="half")


def test_policyqa_strips_contexts_and_shifts_offsets(tmp_path: Path) -> None:
    context = "  \n We sell data. We keep it. \n"
    answer = {"text": "We keep it.", "answer_start": context.index("We keep it.")}
    qa = {"id": "q1", "question": "Do they keep it?", "answers": [answer, {"text": "keep it", "answer_start": 21}]}
    other = {"context": "Partners keep it too.", "qas": []}  # holds the span "keep it" but is not gold
    raw = {"data": [{"title": "Shop.example.COM", "paragraphs": [{"context": context, "qas": [qa]}, other]}]}
    path = tmp_path / "dev.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    data = load_policyqa(path)
    (doc,) = data.documents
    assert len(doc.paragraphs) == 2 and len(data.items) == 1
    assert (doc.doc_id, doc.paragraph(1).text) == ("shop-example-com", "We sell data. We keep it.")
    assert [(s.start, s.text) for s in data.items[0].answer_spans] == [(14, "We keep it."), (17, "keep it")]
    assert data.items[0].key_facts == (("We keep it.", "keep it"),)
    assert span_refs(data.items[0], doc) == {("shop-example-com", 1), ("shop-example-com", 2)}


def test_policyqa_errors_and_helpers(tmp_path: Path) -> None:
    qa = {"id": "q", "question": "?", "answers": [{"text": "zzz", "answer_start": 0}]}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"data": [{"title": "t", "paragraphs": [{"context": "abc", "qas": [qa]}]}]}), "utf-8")
    with pytest.raises(InputError, match="does not point at 'zzz'"):
        load_policyqa(bad)
    with pytest.raises(InputError, match="Cannot read PolicyQA file"):
        load_policyqa(tmp_path / "absent.json")
    with pytest.raises(InputError, match="positive integer"):
        sample((), 0)
