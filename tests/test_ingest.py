"""Ingestion into a real on-disk Chroma: idempotent, incremental per document, and guarded by the manifest.

Small real text files in `tmp_path` are embedded with the bundled model (the session `embedder`),
so every test sees exactly what `speechqa ingest` would store. The rebuild flow is run through the
real command line, because `--rebuild` is the fix the mismatch error tells users to type.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from index.chroma import open_store
from index.chunk import ChunkerConfig, chunk_document
from index.embed import DEFAULT_MODEL, bundled_model_path
from index.errors import IndexMismatchError
from index.ingest import Ingestor, Status
from index.manifest import Manifest
from index.parse import parse_file
from index.store import ChromaStore

REPO = Path(__file__).resolve().parents[1]

ALPHA = (
    "Statement by the delegate of Alphaland on water security\n\n"
    "Mr. President,\n\n"
    "Water scarcity threatens the livelihoods of millions of farmers across the region. "
    "We call for a shared early-warning system for droughts.\n\n"
    "Alphaland will host a regional conference on river basin management next spring.\n\n"
    "Thank you.\n"
)

BETA = (
    "Statement by the delegate of Betaland on digital cooperation\n\n"
    "Madam Chair,\n\n"
    "Digital public infrastructure must remain open and interoperable. "
    "Small states need help to train engineers and regulators.\n\n"
    "Betaland supports a global fund for connectivity in rural areas.\n\n"
    "I thank you.\n"
)


def all_chunk_ids(store: ChromaStore) -> set[str]:
    """Every chunk id in the store (read straight from Chroma, bypassing the store's own bookkeeping)."""
    return set(store._chunks.get(include=[])["ids"])


def expected_ids(path: Path) -> set[str]:
    return {c.chunk_id for c in chunk_document(parse_file(path))}


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "alpha.txt").write_text(ALPHA, encoding="utf-8")
    (folder / "beta.md").write_text(BETA, encoding="utf-8")
    return folder


def ingest(index_dir: Path, paths: list[Path], embedder) -> tuple[ChromaStore, dict[str, Status]]:
    store = open_store(index_dir)
    results = Ingestor(store, embedder).ingest_paths(paths)
    return store, {r.doc_id: r.status for r in results}


def test_ingesting_twice_changes_nothing(tmp_path: Path, corpus: Path, embedder) -> None:
    store, first = ingest(tmp_path / "index", [corpus], embedder)
    assert first == {"alpha": Status.ADDED, "beta": Status.ADDED}
    ids = all_chunk_ids(store)
    assert ids == expected_ids(corpus / "alpha.txt") | expected_ids(corpus / "beta.md")
    store, second = ingest(tmp_path / "index", [corpus], embedder)
    assert second == {"alpha": Status.UNCHANGED, "beta": Status.UNCHANGED}
    assert all_chunk_ids(store) == ids
    assert [d.doc_id for d in store.documents()] == ["alpha", "beta"]


def test_a_changed_file_replaces_exactly_its_own_chunks(tmp_path: Path, corpus: Path, embedder) -> None:
    store, _ = ingest(tmp_path / "index", [corpus], embedder)
    alpha_ids, old_beta = expected_ids(corpus / "alpha.txt"), expected_ids(corpus / "beta.md")
    (corpus / "beta.md").write_text(BETA.replace("a global fund for connectivity", "a regional satellite network"),
                                    encoding="utf-8")
    new_beta = expected_ids(corpus / "beta.md")
    assert old_beta - new_beta and new_beta - old_beta  # the edit really changed some chunks

    store, statuses = ingest(tmp_path / "index", [corpus], embedder)
    assert statuses == {"alpha": Status.UNCHANGED, "beta": Status.UPDATED}
    assert all_chunk_ids(store) == alpha_ids | new_beta
    stored = store.get_document("beta")
    assert "regional satellite network" in stored.paragraph(3).text
    assert store.get_document("alpha").paragraph(3).text.startswith("Alphaland will host")


def test_only_changed_chunks_are_embedded_again(tmp_path: Path, corpus: Path, embedder) -> None:
    ingest(tmp_path / "index", [corpus], embedder)
    (corpus / "beta.md").write_text(BETA.replace("I thank you.", "I thank you, Madam Chair."), encoding="utf-8")
    store = open_store(tmp_path / "index")
    (result,) = Ingestor(store, embedder).ingest_paths([corpus / "beta.md"])
    assert result.status is Status.UPDATED
    assert result.embedded == 1 and result.chunks == len(expected_ids(corpus / "beta.md"))


def test_the_manifest_records_model_dimension_and_chunker(tmp_path: Path, corpus: Path, embedder) -> None:
    store, _ = ingest(tmp_path / "index", [corpus / "alpha.txt"], embedder)
    assert store.manifest() == Manifest(embedding_model=DEFAULT_MODEL, dimension=384, chunker=ChunkerConfig().version)
    (info,) = store.documents()
    assert (info.doc_id, info.paragraphs, info.hash) == ("alpha", 4, parse_file(corpus / "alpha.txt").hash)


class OtherModel:
    """An embedder that claims another model name (the test is about the manifest, not vectors)."""

    name = "intfloat/e5-small-v2"
    dimension = 384

    def embed(self, texts: list[str], batch_size: int = 64):
        raise AssertionError("a mismatched index must be refused before anything is embedded")

    def embed_query(self, text: str):
        raise AssertionError("not reached")


def test_another_embedding_model_is_refused_with_the_rebuild_command(
    tmp_path: Path, corpus: Path, embedder
) -> None:
    store, _ = ingest(tmp_path / "index", [corpus / "alpha.txt"], embedder)
    with pytest.raises(IndexMismatchError) as caught:
        Ingestor(open_store(tmp_path / "index"), OtherModel())  # type: ignore[arg-type]  # a deliberately wrong embedder
    message = str(caught.value)
    assert "speechqa ingest --rebuild" in message
    assert DEFAULT_MODEL in message and OtherModel.name in message
    assert [d.doc_id for d in store.documents()] == ["alpha"]  # refused, not wiped


def test_another_chunker_is_refused_too(tmp_path: Path, corpus: Path, embedder) -> None:
    ingest(tmp_path / "index", [corpus / "alpha.txt"], embedder)
    with pytest.raises(IndexMismatchError, match="speechqa ingest --rebuild"):
        Ingestor(open_store(tmp_path / "index"), embedder, ChunkerConfig(max_word_pieces=64))


def test_the_assistant_refuses_an_index_built_with_another_model(speech_index: Path) -> None:
    from rag.assistant import build_assistant
    from rag.settings import Settings

    with pytest.raises(IndexMismatchError) as caught:
        build_assistant(Settings(index_dir=speech_index, embedding_model="intfloat/e5-small-v2"))
    assert "speechqa ingest --rebuild" in str(caught.value)
    assert "SPEECHQA_EMBEDDING_MODEL" in str(caught.value)


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ui", *args], capture_output=True, text=True, env=env, cwd=REPO,
                          timeout=300)


@pytest.mark.slow
def test_rebuild_with_another_model_through_the_command_line(tmp_path: Path, speech_index: Path) -> None:
    """The bundled model under another name (its folder path) is 'another model' for the manifest."""
    index_dir = tmp_path / "index"
    shutil.copytree(speech_index, index_dir)
    model_path = str(bundled_model_path())
    env = {**os.environ, "SPEECHQA_INDEX_DIR": str(index_dir), "SPEECHQA_EMBEDDING_MODEL": model_path,
           "HF_HUB_OFFLINE": "1"}

    refused = run_cli("ingest", env=env)
    assert refused.returncode == 2, refused.stderr
    assert "Traceback" not in refused.stderr
    (line,) = refused.stderr.strip().splitlines()
    assert line.startswith("error: ") and "speechqa ingest --rebuild" in line

    rebuilt = run_cli("ingest", "--rebuild", env=env)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "zhang-jun-unsc-transnational-organized-crime-2023-12-07: 10 paragraphs" in rebuilt.stdout
    store = open_store(index_dir)
    manifest = store.manifest()
    assert manifest is not None and manifest.embedding_model == model_path
    assert len(store.documents()) == 1
