"""Reading an index ahead of questions (`Assistant.read_ahead`, `Library(read_ahead=...)`): afterwards a
question about any statement reads no document and no chunk vector from the store, so the first question
about a statement costs what later ones do. Real statements in a real on-disk Chroma."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

QUESTIONS = ("What does the statement say about climate finance?", "How does the speaker describe the reform of "
             "the Security Council?", "What is said about debt?")


class Reads:
    """Counts the store reads that answering makes: documents by id, and chunk rows of the collection."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, store: Any) -> None:
        self.count = 0
        for name in ("get_document", "get_documents"):
            monkeypatch.setattr(store, name, self._counted(getattr(store, name)))
        chunks = store._scoped._chunks
        counted = self._counted(chunks.get)

        class Collection:  # the scoped search's collection, with `get` counted
            def __getattr__(self, name: str) -> Any:
                return counted if name == "get" else getattr(chunks, name)

        monkeypatch.setattr(store._scoped, "_chunks", Collection())

    def _counted(self, method: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return method(*args, **kwargs)
        return call


def _ask_each(assistant: Any) -> None:
    for info in assistant.documents():
        for question in QUESTIONS:
            assistant.ask(question, doc_ids=[info.doc_id])


def test_after_reading_ahead_a_question_about_any_statement_reads_nothing_more(
        archive_index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rag.assistant import build_assistant
    from rag.settings import Settings

    cold = build_assistant(Settings(index_dir=archive_index))
    reads = Reads(monkeypatch, cold.store)
    _ask_each(cold)
    assert reads.count > 0  # without reading ahead, a first question about a statement reads it

    warm = build_assistant(Settings(index_dir=archive_index))
    assert warm.read_ahead(stop=lambda: True) == 0  # asked to stop before the first batch
    assert warm.read_ahead() == len(warm.documents())
    reads = Reads(monkeypatch, warm.store)
    _ask_each(warm)
    assert reads.count == 0


def test_a_library_reads_its_view_ahead_and_says_how_many_documents(archive_index: Path) -> None:
    from index.chroma import reopen_store
    from rag.assistant import build_assistant
    from rag.library import Library
    from rag.settings import Settings

    said: list[int] = []
    done = threading.Event()

    def read(count: int, seconds: float) -> None:
        said.append(count)
        done.set()

    library = Library(build_assistant(Settings(index_dir=archive_index)), lambda: reopen_store(archive_index),
                      read_ahead=read)
    assert done.wait(120)
    assert said == [len(library.documents())]
