"""Scoped dense search (`index.scoped_search`): the same hits as Chroma's filtered query, only in-scope hits,
and no stale chunk after a document is changed or removed, in the store and in a running library.

The fast tests use a real Chroma with hand-made vectors (the search is about vectors, not the model); the
slow ones use the real model on real UN statements and the bundled speech.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index.chroma import open_store
from index.model import Chunk, content_hash, doc_id_of
from index.scoped_search import ScopedSearch, SearchPolicy
from index.store import ChromaStore

DOCS, CHUNKS_PER_DOC, DIM = 40, 12, 16


def _chunks(doc_id: str, count: int) -> list[Chunk]:
    texts = [f"{doc_id} sentence {i}" for i in range(count)]
    return [Chunk(doc_id, i + 1, 0, t, 0, len(t), content_hash(t)) for i, t in enumerate(texts)]


@pytest.fixture()
def store(tmp_path: Path) -> ChromaStore:
    """A real on-disk Chroma holding DOCS documents (ids with a ':' in some) of random unit vectors."""
    store = open_store(tmp_path / "index")
    rng = np.random.default_rng(7)
    for d in range(DOCS):
        chunks = _chunks(f"doc:{d}" if d % 5 == 0 else f"doc-{d}", CHUNKS_PER_DOC)
        vectors = rng.normal(size=(len(chunks), DIM)).astype(np.float32)
        store.upsert_chunks(chunks, vectors / np.linalg.norm(vectors, axis=1, keepdims=True))
    return store


def _doc_ids(store: ChromaStore) -> list[str]:
    return sorted({doc_id_of(c) for c in store._chunks.get(include=[])["ids"]})


def _same(got: list, expected: list) -> None:
    assert [h.chunk_id for h in got] == [h.chunk_id for h in expected]
    assert np.allclose([h.score for h in got], [h.score for h in expected], atol=1e-5)
    assert [(h.doc_id, h.paragraph, h.text, h.paragraph_hash) for h in got] == [
        (h.doc_id, h.paragraph, h.text, h.paragraph_hash) for h in expected]


def test_a_chunk_id_names_its_document_even_when_the_doc_id_holds_colons() -> None:
    chunk = _chunks("un:ga:79", 1)[0]
    assert doc_id_of(chunk.chunk_id) == "un:ga:79"


def test_a_small_scope_is_searched_exactly_with_chromas_filtered_hits(store: ChromaStore) -> None:
    ids = _doc_ids(store)
    rng = np.random.default_rng(1)
    for size in (1, 2, 5, 24):
        scope = list(rng.choice(ids, size=size, replace=False))
        query = rng.normal(size=DIM).astype(np.float32)
        got = store.query(query, 10, scope)
        assert {h.doc_id for h in got} <= set(scope) and len(got) == 10
        _same(got, store._query(query, 10, scope))


def test_a_large_scope_takes_the_unfiltered_path_and_keeps_only_in_scope_hits(store: ChromaStore) -> None:
    ids = _doc_ids(store)
    search = ScopedSearch(store._chunks, lambda: DOCS, SearchPolicy(exact_max_docs=0))
    exact = ScopedSearch(store._chunks, lambda: DOCS, SearchPolicy(exact_max_docs=DOCS))
    rng = np.random.default_rng(2)
    for size in (10, 20, 30):
        scope = list(rng.choice(ids, size=size, replace=False))
        query = rng.normal(size=DIM).astype(np.float32)
        got = search.query(query, 10, scope)
        assert got is not None, "a scope this large should not need Chroma's filter"
        assert {h.doc_id for h in got} <= set(scope)
        _same(got, exact.query(query, 10, scope) or [])  # 480 vectors: HNSW finds the true nearest


def test_too_few_widened_hits_in_scope_falls_back_to_the_filter(store: ChromaStore) -> None:
    scope = _doc_ids(store)[:2]
    search = ScopedSearch(store._chunks, lambda: DOCS, SearchPolicy(exact_max_docs=0, max_wide=20))
    query = np.random.default_rng(3).normal(size=DIM).astype(np.float32)
    assert search.query(query, 10, scope) is None  # 20 unfiltered hits hold about one in scope
    assert {h.doc_id for h in store._query(query, 10, scope)} <= set(scope)


def test_a_document_written_again_or_removed_is_never_served_from_the_cache(store: ChromaStore) -> None:
    doc_id = _doc_ids(store)[0]
    query = np.ones(DIM, dtype=np.float32)
    assert {h.doc_id for h in store.query(query, 5, [doc_id])} == {doc_id}  # its table is now kept
    new = [Chunk(doc_id, 1, 0, "rewritten", 0, 9, content_hash("rewritten"))]
    store.upsert_chunks(new, np.ones((1, DIM), dtype=np.float32) / np.sqrt(DIM))
    store.delete_stale_chunks(doc_id, {new[0].chunk_id})
    assert [h.text for h in store.query(query, 5, [doc_id])] == ["rewritten"]
    store.delete_document(doc_id)
    assert store.query(query, 5, [doc_id]) == []


STATEMENT = """Statement by the delegation of Norlandia on fjord fisheries

Mr. President,

Norlandia has protected the {fish} of the Skarvik fjord for forty years, and the Skarvik stocks are recovering.

We ask the Fisheries Commission to extend the Skarvik model to every fjord of the northern coast this year.
"""


def test_an_ingested_statements_table_is_read_by_id_and_equals_its_stored_rows(archive_index: Path) -> None:
    """A committed statement's chunks are known from its text, so only their vectors are read (by id); the
    table is the one the filtered read of every stored row gives."""
    store = open_store(archive_index)
    ids = [d.doc_id for d in store.documents()][:3]
    calls: list[dict] = []

    class Spy:
        def get(self, **kwargs):
            calls.append(kwargs)
            return store._chunks.get(**kwargs)

    search = ScopedSearch(Spy(), lambda: 3, expected=store._expected_chunks)
    known = search._load(ids)
    assert calls and all(c.get("include") == ["embeddings"] and "ids" in c for c in calls)
    filtered = search._load_filtered(ids)
    for doc_id in ids:
        assert known[doc_id].hits and set(known[doc_id].hits) == set(filtered[doc_id].hits)
        order = {h.chunk_id: i for i, h in enumerate(filtered[doc_id].hits)}
        rows = [order[h.chunk_id] for h in known[doc_id].hits]
        assert np.allclose(known[doc_id].unit, filtered[doc_id].unit[rows], atol=1e-6)


@pytest.mark.slow
def test_scoped_search_gives_chromas_hits_on_real_statements(archive_index: Path, embedder) -> None:
    """A scope of one or two statements: exactly Chroma's filtered hits. The widened unfiltered search (taken
    for large scopes, forced here) agrees with exact search on the best ten. Chroma's filtered HNSW query is
    approximate and its graph differs from build to build, so against it only the best hit and most of the
    best ten must agree."""
    from index.fast_embed import query_embedder

    store, model = open_store(archive_index), query_embedder(embedder.name)
    ids = [d.doc_id for d in store.documents()]
    widened = ScopedSearch(store._chunks, lambda: len(ids), SearchPolicy(exact_max_docs=0))
    exact = ScopedSearch(store._chunks, lambda: len(ids), SearchPolicy(exact_max_docs=len(ids)))
    questions = ("What was said about climate finance?", "How is the Amazon protected?",
                 "What did the speaker say about Haiti?", "Which reforms of the Security Council were asked for?")
    for question in questions:
        vector = model.embed_query(question)
        for scope in (ids[:1], ids[2:4]):
            _same(store.query(vector, 40, scope), store._query(vector, 40, scope))
        for scope in (ids[1:3], ids[::2], ids[:5]):
            got, best = widened.query(vector, 40, scope), exact.query(vector, 40, scope)
            assert got is not None and best is not None and {h.doc_id for h in got} <= set(scope)
            _same(got[:10], best[:10])
            chroma = store._query(vector, 40, scope)
            assert got[0].chunk_id == chroma[0].chunk_id
            assert len({h.chunk_id for h in got[:10]} & {h.chunk_id for h in chroma[:10]}) >= 8
            assert len({h.chunk_id for h in got} & {h.chunk_id for h in best}) >= 36


@pytest.mark.slow
def test_a_running_library_never_answers_from_a_changed_or_removed_statement(tmp_path: Path, embedder) -> None:
    from index.chroma import reopen_store
    from index.corpus import BUNDLED_SPEECH
    from index.ingest import Ingestor
    from rag.assistant import build_assistant
    from rag.library import Library
    from rag.settings import Settings

    index_dir, source = tmp_path / "index", tmp_path / "fjords.txt"
    source.write_text(STATEMENT.format(fish="cod"), encoding="utf-8")
    Ingestor(open_store(index_dir), embedder).ingest_paths([BUNDLED_SPEECH, source])
    now = [0.0]
    library = Library(build_assistant(Settings(index_dir=index_dir)), lambda: reopen_store(index_dir),
                      clock=lambda: now[0])
    question = "What has Norlandia protected in the Skarvik fjord?"
    assert "cod" in library.current().ask(question, doc_ids=["fjords"]).citations[0].quote  # caches warm

    source.write_text(STATEMENT.format(fish="salmon"), encoding="utf-8")
    Ingestor(reopen_store(index_dir), embedder).ingest_paths([source])  # another process changes it
    now[0] += 1.0
    quote = library.current().ask(question, doc_ids=["fjords"]).citations[0].quote
    assert "salmon" in quote and "cod" not in quote

    Ingestor(reopen_store(index_dir), embedder).ingest_paths([BUNDLED_SPEECH])  # unchanged: nothing swaps
    library.remove("fjords")  # this process removes it
    answer = library.current().ask(question)
    assert all(c.doc_id != "fjords" for c in answer.citations)
    assert library.add(source).doc_id == "fjords"  # and adds it back
    assert "salmon" in library.current().ask(question, doc_ids=["fjords"]).citations[0].quote
