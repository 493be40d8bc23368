"""Incremental, batched and resumable ingestion of real UN General Debate statements.

Statements are shortened to their first paragraphs (so the bundled model embeds little) and ingested
into a real Chroma in `tmp_path`. A recording embedder wraps the session's real one to see exactly
which texts are embedded, and can be told to fail mid-run the way a Ctrl-C would.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index.chroma import open_store
from index.chunk import ChunkerConfig, chunk_document
from index.embed import SentenceTransformerEmbedder
from index.ingest import Ingestor, Status, read_by_model
from index.parse import parse_file

REPO = Path(__file__).resolve().parents[1]
SESSION = REPO.parent / "shared" / "corpus" / "external" / "ungdc_2014_2024" / "session_78_2023"
NAMES = ("AGO_78_2023", "ALB_78_2023", "AND_78_2023", "ARE_78_2023", "ARG_78_2023")

pytestmark = pytest.mark.slow


class Recorder:
    """The real embedder, recording every call; `fail_after` calls it raises KeyboardInterrupt instead."""

    def __init__(self, inner, fail_after: int | None = None) -> None:
        self.inner, self.fail_after = inner, fail_after
        self.name = inner.name
        self.calls: list[list[str]] = []

    @property
    def dimension(self) -> int:
        return int(self.inner.dimension)

    def embed(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        if self.fail_after is not None and len(self.calls) >= self.fail_after:
            raise KeyboardInterrupt
        self.calls.append(list(texts))
        return self.inner.embed(texts, batch_size=batch_size)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

    @property
    def embedded(self) -> list[str]:
        return [t for call in self.calls for t in call]


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in NAMES:
        lines = [line for line in (SESSION / f"{name}.txt").read_text(encoding="utf-8").splitlines() if line.strip()]
        (folder / f"{name}.txt").write_text("\n\n".join(lines[:4]) + "\n", encoding="utf-8")
    return folder


def chunk_texts(folder: Path) -> dict[str, list[str]]:
    """The texts of each document's chunks that the model reads (a long paragraph's whole chunk is not read)."""
    documents = [parse_file(p) for p in sorted(folder.glob("*.txt"))]
    return {d.doc_id: [c.text for c in read_by_model(chunk_document(d), ChunkerConfig())] for d in documents}


def chunk_count(folder: Path) -> dict[str, int]:
    return {d.doc_id: len(chunk_document(d)) for d in (parse_file(p) for p in sorted(folder.glob("*.txt")))}


def stored_ids(index_dir: Path) -> set[str]:
    return set(open_store(index_dir)._chunks.get(include=[])["ids"])


def test_chunks_of_several_documents_are_embedded_together(tmp_path: Path, corpus: Path, embedder) -> None:
    recorder = Recorder(embedder)
    results = Ingestor(open_store(tmp_path / "index"), recorder).ingest_paths([corpus])
    expected = chunk_texts(corpus)
    assert [r.status for r in results] == [Status.ADDED] * len(NAMES)
    assert [r.doc_id for r in results] == sorted(expected)  # reported in source order
    assert [r.embedded for r in results] == [chunk_count(corpus)[r.doc_id] for r in results]
    assert len(recorder.calls) == 1  # one batch for all five documents, not five small ones
    assert sorted(recorder.embedded) == sorted(t for texts in expected.values() for t in texts)


def test_unchanged_corpus_is_skipped_without_loading_the_model(tmp_path: Path, corpus: Path, embedder) -> None:
    Ingestor(open_store(tmp_path / "index"), embedder).ingest_paths([corpus])
    before = stored_ids(tmp_path / "index")
    fresh = SentenceTransformerEmbedder()  # as `speechqa ingest` makes it: nothing loaded yet
    results = Ingestor(open_store(tmp_path / "index"), fresh).ingest_paths([corpus])
    assert {r.status for r in results} == {Status.UNCHANGED}
    assert fresh._model is None
    assert stored_ids(tmp_path / "index") == before


def test_a_changed_statement_re_embeds_only_its_changed_chunks(tmp_path: Path, corpus: Path, embedder) -> None:
    Ingestor(open_store(tmp_path / "index"), embedder).ingest_paths([corpus])
    old = chunk_texts(corpus)
    path = corpus / "ALB_78_2023.txt"
    path.write_text(path.read_text(encoding="utf-8") + "\nAlbania will host a conference on clean water.\n",
                    encoding="utf-8")
    recorder = Recorder(embedder)
    results = {r.doc_id: r for r in Ingestor(open_store(tmp_path / "index"), recorder).ingest_paths([corpus])}
    new = chunk_texts(corpus)
    changed = results.pop("alb-78-2023")
    assert changed.status is Status.UPDATED
    assert recorder.embedded == [t for t in new["alb-78-2023"] if t not in old["alb-78-2023"]]
    assert changed.embedded == 1 and changed.chunks == chunk_count(corpus)["alb-78-2023"]
    assert {r.status for r in results.values()} == {Status.UNCHANGED}
    expected_ids = {c.chunk_id for p in corpus.glob("*.txt") for c in chunk_document(parse_file(p))}
    assert stored_ids(tmp_path / "index") == expected_ids


def test_an_interrupted_ingestion_continues_where_it_stopped(tmp_path: Path, corpus: Path, embedder) -> None:
    expected = chunk_texts(corpus)
    total = sum(len(t) for t in expected.values())
    first_doc, second_doc = sorted(expected)[:2]
    assert len(expected[second_doc]) >= 6
    # With flush_chunks=3 every document is its own flush, and group_chunks=3 embeds it in several calls:
    # see which calls an uninterrupted run makes, then stop on the second call of the second document.
    rehearsal = Recorder(embedder)
    Ingestor(open_store(tmp_path / "rehearsal"), rehearsal, flush_chunks=3, group_chunks=3).ingest_paths([corpus])
    sizes = [len(call) for call in rehearsal.calls]
    first_calls = next(i for i in range(len(sizes) + 1) if sum(sizes[:i]) == len(expected[first_doc]))
    interrupted = Recorder(embedder, fail_after=first_calls + 1)
    with pytest.raises(KeyboardInterrupt):
        Ingestor(open_store(tmp_path / "index"), interrupted, flush_chunks=3, group_chunks=3).ingest_paths([corpus])
    committed = {d.doc_id for d in open_store(tmp_path / "index").documents()}
    assert committed == {first_doc}
    kept = len(stored_ids(tmp_path / "index"))
    second_part = sizes[first_calls]
    assert 3 <= second_part < len(expected[second_doc])  # a part of the second document, not all of it
    # stored, not committed; the whole-paragraph vectors of a flush are made from its windows after them
    assert len(interrupted.embedded) == len(expected[first_doc]) + second_part
    assert kept == chunk_count(corpus)[first_doc] + second_part

    resumed = Recorder(embedder)
    results = Ingestor(open_store(tmp_path / "index"), resumed, flush_chunks=3, group_chunks=3).ingest_paths([corpus])
    statuses = {r.doc_id: r.status for r in results}
    assert {d for d, s in statuses.items() if s is Status.UNCHANGED} == committed
    assert {d for d, s in statuses.items() if s is Status.ADDED} == set(expected) - committed
    # nothing is read twice but the stored windows of a paragraph whose whole vector was not stored yet
    again = [t for t in resumed.embedded if t in interrupted.embedded]
    second = chunk_document(parse_file(corpus / f"{second_doc.upper().replace('-', '_')}.txt"))
    spanned = {c.paragraph for c in second if c.whole and c.index > 0}
    assert set(again) <= {c.text for c in second if not c.whole and c.paragraph in spanned}
    assert len(resumed.embedded) - len(again) == total - len(interrupted.embedded)
    clean = tmp_path / "clean"
    Ingestor(open_store(clean), embedder).ingest_paths([corpus])
    assert stored_ids(tmp_path / "index") == stored_ids(clean)
    assert [d.hash for d in open_store(tmp_path / "index").documents()] == \
        [d.hash for d in open_store(clean).documents()]


def test_the_command_line_ingests_a_folder_with_a_progress_bar(tmp_path: Path, corpus: Path, capsys) -> None:
    from rag.settings import Settings
    from ui.ingest_view import run_ingest

    assert run_ingest(Settings(index_dir=tmp_path / "index"), [corpus], rebuild=False) == 0
    out = capsys.readouterr().out
    assert f"{len(NAMES)} documents in the index at" in out
    assert out.count("added ") == len(NAMES)


def test_a_long_paragraph_is_found_as_a_whole_by_the_mean_of_its_windows(tmp_path: Path, corpus: Path,
                                                                         embedder) -> None:
    Ingestor(open_store(tmp_path / "index"), embedder).ingest_paths([corpus])
    got = open_store(tmp_path / "index")._chunks.get(include=["embeddings", "metadatas"])
    vectors = dict(zip(got["ids"], np.asarray(got["embeddings"]), strict=True))
    chunks = [c for p in sorted(corpus.glob("*.txt")) for c in chunk_document(parse_file(p))]
    wholes = [c for c in chunks if c.whole and c.index > 0]
    assert wholes, "the shortened statements still hold paragraphs longer than the model reads at once"
    for whole in wholes:
        windows = [vectors[c.chunk_id] for c in chunks
                   if (c.doc_id, c.paragraph) == (whole.doc_id, whole.paragraph) and not c.whole]
        mean = np.mean(windows, axis=0)
        assert np.allclose(vectors[whole.chunk_id], mean / np.linalg.norm(mean), atol=1e-6)
        assert not np.allclose(vectors[whole.chunk_id], embedder.embed([whole.text])[0], atol=1e-3)
