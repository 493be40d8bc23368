"""A new view of a changed index keeps what the old one read of its unchanged documents (`Assistant.hand_over`).

A `Library` over six real General Debate statements in an on-disk Chroma, read ahead of questions as `serve`
does. Each change (a statement added through the library, one changed under the same file name by another
writer, one removed) gives a new view, whose store is watched from the moment it is opened: it must be asked
only for the documents that changed, while building the view, reading it ahead and answering questions about
the others.
"""

from __future__ import annotations

import queue
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ARCHIVE

ADDED = ARCHIVE / "session_79_2024" / "FRA_79_2024.txt"
CHANGED = "tuv-79-2024"  # session_79_2024/TUV_79_2024.txt, in the archive index
SEAWALL = "Tuvalu will raise a seawall of coral stone around the whole Funafuti lagoon before the next cyclone season."
QUESTIONS = ("What does the statement say about climate finance?", "What is said about debt?")


class Reads:
    """The documents a store is asked for: records by id, and chunk rows (by chunk id or filtered on doc_id)."""

    def __init__(self) -> None:
        self.doc_ids: set[str] = set()

    def watch(self, store: Any) -> Any:
        from index.model import doc_id_of

        for name in ("get_document", "get_documents"):
            setattr(store, name, self._recorded(getattr(store, name), lambda a, kw: a[0]))

        def chunk_docs(args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[str]:
            if "ids" in kwargs:
                return [doc_id_of(c) for c in kwargs["ids"]]
            wanted = kwargs["where"]["doc_id"]
            return wanted["$in"] if isinstance(wanted, dict) else [wanted]

        chunks, get = store._scoped._chunks, self._recorded(store._scoped._chunks.get, chunk_docs)

        class Collection:  # the scoped search's collection, with `get` recorded
            def __getattr__(self, name: str) -> Any:
                return get if name == "get" else getattr(chunks, name)

        store._scoped._chunks = Collection()
        return store

    def _recorded(self, method: Any, doc_ids: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            found = doc_ids(args, kwargs)
            self.doc_ids.update([found] if isinstance(found, str) else found)
            return method(*args, **kwargs)
        return call

    def take(self) -> set[str]:
        taken, self.doc_ids = self.doc_ids, set()
        return taken


Live = tuple[Any, Reads, "queue.Queue[int]", Path]


@pytest.fixture()
def live(archive_index: Path, tmp_path: Path) -> Iterator[Live]:
    """A library over a copy of the archive index, read ahead once; every store it opens later is watched."""
    from index.chroma import reopen_store
    from rag.assistant import build_assistant
    from rag.library import Library
    from rag.settings import Settings

    index_dir = tmp_path / "index"
    shutil.copytree(archive_index, index_dir)
    reads, said = Reads(), queue.Queue[int]()
    library = Library(build_assistant(Settings(index_dir=index_dir)), lambda: reads.watch(reopen_store(index_dir)),
                      index_dir / "lexical", read_ahead=lambda count, seconds: said.put(count))
    assert said.get(timeout=300) == 6
    yield library, reads, said, index_dir


def _ask_each(assistant: Any, doc_ids: list[str]) -> None:
    """Retrieve and answer (or abstain) from each statement: its record, profile and chunk vectors are needed."""
    for doc_id in doc_ids:
        for question in QUESTIONS:
            assert assistant.ask(question, doc_ids=[doc_id]).retrieved


def test_after_a_statement_is_added_only_it_is_read(live: Live) -> None:
    library, reads, said, _ = live
    before = [d.doc_id for d in library.documents()]
    library.add(ADDED)
    assert said.get(timeout=300) == 1  # the new view read one document ahead of questions
    assert reads.take() == {"fra-79-2024"}  # to build the view (BM25) and read it ahead: the new statement only
    _ask_each(library.current(), before + ["fra-79-2024"])
    assert library.current().ask("Which countries spoke about the reform of the Security Council?").citations
    assert reads.take() == set()


def test_a_changed_statement_is_read_afresh_and_a_removed_one_is_gone(live: Live, tmp_path: Path) -> None:
    from index.chroma import reopen_store
    from index.errors import IndexMissingError
    from index.ingest import Ingestor

    library, reads, said, index_dir = live
    old = library.current()
    old_hash = {d.doc_id: d.hash for d in library.documents()}[CHANGED]
    assert old.retriever.document(CHANGED).hash == old_hash
    assert old.store._scoped._tables[CHANGED].version == old_hash  # read ahead: the old view holds it all
    lines = (ARCHIVE / "session_79_2024" / "TUV_79_2024.txt").read_text(encoding="utf-8").splitlines()
    changed = tmp_path / "TUV_79_2024.txt"  # the same file name: the same document, with other text
    changed.write_text("\n".join([*lines[:12], "", SEAWALL, ""]), encoding="utf-8")
    # another writer (the CLI, another `serve`): the old view's store is not told, only the new one sees it
    Ingestor(reopen_store(index_dir), old.retriever.embedder).ingest_paths([changed])
    library.view(force=True)
    assert said.get(timeout=300) == 1
    assert reads.take() == {CHANGED}
    new = library.current()
    new_hash = {d.doc_id: d.hash for d in library.documents()}[CHANGED]
    assert new_hash != old_hash
    assert new.retriever.document(CHANGED).hash == new_hash
    assert (CHANGED, new_hash) in new._profiles and (CHANGED, old_hash) not in new._profiles
    assert new.store._scoped._tables[CHANGED].version == new_hash
    assert new.generators is old.generators and (CHANGED, new_hash) in new.generators["extractive"]._weights
    paragraphs = {p.text for p in new.document(CHANGED).paragraphs}
    answer = new.ask("What will Tuvalu raise around the Funafuti lagoon?", doc_ids=[CHANGED])
    assert answer.citations and "seawall" in answer.citations[0].text
    for question in QUESTIONS:
        assert all(c.text in paragraphs for c in new.ask(question, doc_ids=[CHANGED]).citations)
    others = [d.doc_id for d in library.documents() if d.doc_id != CHANGED]
    _ask_each(new, others)
    assert reads.take() == set()

    library.remove(CHANGED)
    assert said.get(timeout=300) == 0  # nothing left to read: the other five were handed over
    assert reads.take() == set()
    gone = library.current()
    assert CHANGED not in {d.doc_id for d in gone.documents()}
    assert CHANGED not in gone.retriever._cache and CHANGED not in gone.store._scoped._tables
    assert not any(doc_id == CHANGED for doc_id, _ in gone._profiles)
    with pytest.raises(IndexMissingError):
        gone.ask("What will Tuvalu raise around the Funafuti lagoon?", doc_ids=[CHANGED])
    assert all(c.doc_id != CHANGED for c in gone.ask("What is said about a seawall around a lagoon?").citations)
