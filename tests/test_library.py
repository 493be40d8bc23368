"""The document library: removal and retitling in a real Chroma, the live view's swap, the panel's rendering,
example questions drawn from the documents, and the CLI's `rm` and unknown `--doc`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from index.model import Document, Paragraph
from index.store import DocumentInfo
from ui.examples import example_questions, topics
from ui.library_view import FileStatus, documents_table, header, placeholder, upload_status

SPEECH_DOC_ID = "zhang-jun-unsc-transnational-organized-crime-2023-12-07"
FJORDS = """Statement by the delegation of Norlandia on fjord fisheries

Mr. President,

Norlandia has protected the cod of the Skarvik fjord for forty years, and the Skarvik stocks are recovering.

We ask the Fisheries Commission to extend the Skarvik model to every fjord of the northern coast this year.
"""


def _doc(*paragraphs: str, title: str = "A statement", speaker: str | None = None) -> Document:
    return Document("d", title, tuple(Paragraph(i, t) for i, t in enumerate(paragraphs, 1)), speaker=speaker)


def test_topics_are_recurring_names_not_title_words_or_salutations() -> None:
    doc = _doc("Mr. President, Excellencies,",
               "The floods in Moravia destroyed the harvest, and the Danube Commission must act on the floods now.",
               "We thank the Danube Commission; Moravia needs seed and credit before the next planting season.",
               title="Statement on Moravia")
    assert topics(doc, 1) == ["Danube Commission"]  # Moravia is in the title; President only in a salutation


def test_example_questions_follow_the_documents() -> None:
    doc = _doc("The reef of Talua is bleaching, and the Talua fishermen have lost their income this season.",
               "We ask partners to restore the Talua reef and to train fishermen in new trades before next year.",
               speaker="A. Speaker")
    questions = example_questions([doc])
    assert questions[0] == "What does the statement say about Talua?"
    assert questions[-1] == "Who delivered this statement, and when?"
    assert example_questions([]) == []


def test_panel_rendering_escapes_and_counts() -> None:
    docs = [DocumentInfo("a", "<b>Title</b>", "h", 4, "", "Ann", "2024-01-02"), DocumentInfo("b", "Other", "h", 2, "")]
    table = documents_table(docs)
    assert "&lt;b&gt;Title&lt;/b&gt;" in table and "<b>Title" not in table
    assert "2 documents in the index" in table and ">Ann<" in table and ">—<" in table
    status = upload_status([FileStatus("x.txt", "added", "x: 3 paragraphs"), FileStatus("y.pdf", "adding"),
                            FileStatus("z.md", "failed", "the file is empty")])
    assert "1 of 3 files processed" not in status and "2 of 3 files processed" in status
    assert 'data-state="failed"' in status and "the file is empty" in status
    assert "Other" in header(docs, "b") and "the 2 documents" in placeholder(docs, "")
    assert "Loading the model" in header(docs, None, "Loading the model")


@pytest.mark.slow
def test_remove_and_retitle_in_a_real_store(tmp_path: Path, embedder) -> None:
    from index.chroma import open_store
    from index.corpus import BUNDLED_SPEECH
    from index.ingest import Ingestor
    from index.store import set_title

    source = tmp_path / "fjords.txt"
    source.write_text(FJORDS, encoding="utf-8")
    store = open_store(tmp_path / "index")
    Ingestor(store, embedder).ingest_paths([BUNDLED_SPEECH, source])
    assert set_title(store, "fjords", "  Fjords   of the north ").title == "Fjords of the north"
    assert store.get_document("fjords").title == "Fjords of the north"
    assert store.delete_document("fjords") is True
    assert [d.doc_id for d in store.documents()] == [SPEECH_DOC_ID]
    assert store._chunks.get(where={"doc_id": "fjords"}, include=[])["ids"] == []
    assert store.delete_document("fjords") is False


@pytest.mark.slow
def test_library_swaps_to_a_new_view_when_another_writer_changes_the_index(tmp_path: Path, embedder) -> None:
    from index.chroma import open_store, reopen_store
    from index.corpus import BUNDLED_SPEECH
    from index.ingest import Ingestor
    from rag.assistant import build_assistant
    from rag.library import Library
    from rag.settings import Settings

    index_dir = tmp_path / "index"
    Ingestor(open_store(index_dir), embedder).ingest_paths([BUNDLED_SPEECH])
    now = [0.0]
    library = Library(build_assistant(Settings(index_dir=index_dir)), lambda: reopen_store(index_dir),
                      clock=lambda: now[0])  # a hand-driven clock: the test decides when a check is due
    before = library.current()
    source = tmp_path / "fjords.txt"
    source.write_text(FJORDS, encoding="utf-8")
    Ingestor(reopen_store(index_dir), embedder).ingest_paths([source])  # another writer, its own client
    assert library.current() is before  # not checked yet: the same view
    now[0] += 1.0
    after = library.current()
    assert after is not before and {d.doc_id for d in after.documents()} == {SPEECH_DOC_ID, "fjords"}
    answer = after.ask("What happened to the cod of the Skarvik fjord?", doc_ids=["fjords"])
    assert answer.citations and answer.citations[0].doc_id == "fjords"
    assert before.ask("What does the statement say about Haiti?").citations  # a held view still answers
    library.remove("fjords")
    assert [d.doc_id for d in library.documents()] == [SPEECH_DOC_ID]


@pytest.mark.slow
def test_a_question_about_a_document_just_added_elsewhere_is_answered_before_the_next_check(
        tmp_path: Path, embedder) -> None:
    """The CLI returned, so the document is committed: a question naming it must not fail as unknown because
    the server's periodic check is not due yet, nor because its open store still reads the older index."""
    from index.chroma import open_store, reopen_store
    from index.corpus import BUNDLED_SPEECH
    from index.ingest import Ingestor
    from rag.assistant import build_assistant
    from rag.library import Library
    from rag.settings import Settings
    from ui.app import Handlers

    index_dir = tmp_path / "index"
    Ingestor(open_store(index_dir), embedder).ingest_paths([BUNDLED_SPEECH])
    first = build_assistant(Settings(index_dir=index_dir))
    stale = tuple(first.store.documents())
    first.store.documents = lambda: list(stale)  # type: ignore[method-assign]  # an open store behind the index
    library = Library(first, lambda: reopen_store(index_dir),
                      clock=lambda: 0.0)  # the clock never moves: no periodic check is ever due
    handlers = Handlers(lambda: library)
    source = tmp_path / "fjords.txt"
    source.write_text(FJORDS, encoding="utf-8")
    Ingestor(reopen_store(index_dir), embedder).ingest_paths([source])  # another writer, its own client
    got = handlers.api_ask("What happened to the cod of the Skarvik fjord?", None, "fjords")
    assert got["citations"] and got["citations"][0]["doc_id"] == "fjords"
    assert handlers.api_ask("What does the statement say about Haiti?")["citations"]  # unscoped: as before


@pytest.mark.slow
def test_a_document_the_open_store_cannot_see_yet_is_found_through_a_fresh_one(tmp_path: Path, embedder) -> None:
    """An open store may read an older state of the index than the one another process just committed;
    asked for a document its view lacks, the library reads the index through a store opened afresh."""
    from index.chroma import open_store, reopen_store
    from index.corpus import BUNDLED_SPEECH
    from index.ingest import Ingestor
    from rag.assistant import build_assistant
    from rag.library import Library
    from rag.settings import Settings

    index_dir = tmp_path / "index"
    Ingestor(open_store(index_dir), embedder).ingest_paths([BUNDLED_SPEECH])
    first = build_assistant(Settings(index_dir=index_dir))
    stale = tuple(first.store.documents())
    first.store.documents = lambda: list(stale)  # type: ignore[method-assign]  # an open store behind the index
    library = Library(first, lambda: reopen_store(index_dir), clock=lambda: 0.0)
    source = tmp_path / "fjords.txt"
    source.write_text(FJORDS, encoding="utf-8")
    Ingestor(reopen_store(index_dir), embedder).ingest_paths([source])
    assert library.view(force=True).assistant is first  # the open store still reads the old state
    view = library.holding("fjords")
    assert {d.doc_id for d in view.documents} == {SPEECH_DOC_ID, "fjords"}
    answer = view.assistant.ask("What happened to the cod of the Skarvik fjord?", doc_ids=["fjords"])
    assert answer.citations and answer.citations[0].doc_id == "fjords"
    assert library.holding("nowhere") is view  # a document that is not there changes nothing


@pytest.mark.slow
def test_cli_rm_and_unknown_doc_exit_2_before_asking(speech_index: Path, tmp_path: Path) -> None:
    import shutil

    index_dir = tmp_path / "index"
    shutil.copytree(speech_index, index_dir)
    base = [sys.executable, "-m", "ui"]
    chat = subprocess.run([*base, "chat", "--doc", "unknown", "--index-dir", str(index_dir)], input="Haiti?\n",
                          capture_output=True, text=True, timeout=300)
    assert chat.returncode == 2 and "Unknown document 'unknown'" in chat.stderr and "Ask about" not in chat.stdout
    rm = subprocess.run([*base, "rm", "nope", "--index-dir", str(index_dir)], capture_output=True, text=True,
                        timeout=300)
    assert rm.returncode == 2 and "No document 'nope'" in rm.stderr
    rm = subprocess.run([*base, "rm", SPEECH_DOC_ID, "--index-dir", str(index_dir)], capture_output=True, text=True,
                        timeout=300)
    assert rm.returncode == 0 and f"removed    {SPEECH_DOC_ID}" in rm.stdout and "0 documents in the index" in rm.stdout
