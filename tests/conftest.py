"""Shared fixtures: the bundled speech ingested once per test session into a real on-disk Chroma.

Tests that need the real model and index use `speech_index` / `assistant`; tests about other
things build small parts directly.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
SPEECH_DOC_ID = "zhang-jun-unsc-transnational-organized-crime-2023-12-07"


def pytest_sessionstart(session: pytest.Session) -> None:
    """The tests read real files from the shared corpus beside the repository; say so once, clearly,
    instead of failing dozens of tests one by one."""
    if not CORPUS.is_dir():
        pytest.exit(f"The tests read the shared corpus at {CORPUS}, which is missing: clone the repository "
                    "next to the workspace's shared/ folder (as CI does) and run them again.", returncode=2)


# Fixtures that load the embedding model or build a real index: a test using one is slow by definition,
# so `make check` (pytest -m "not slow") never waits for them and nobody has to remember the marker.
HEAVY_FIXTURES = frozenset({"embedder", "speech_index", "assistant", "index_copy", "server", "app_url",
                            "ingested", "batch", "quickstart", "run", "numpy_vectors", "fast", "workdir", "outcomes",
                            "archive_index", "archive_assistant"})
# Tests that read the whole external corpus (thousands of files) rather than a sample.
CORPUS_WIDE = frozenset({"test_every_ungdc_speech_parses_and_keeps_its_lines",
                         "test_ungdc_layout_counts_match_the_corpus_readme",
                         "test_asking_before_anything_is_ingested_says_how",
                         "test_every_resolution_parses_with_a_date"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        name = getattr(item, "originalname", item.name)
        if HEAVY_FIXTURES & set(getattr(item, "fixturenames", ())) or name in CORPUS_WIDE:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def embedder():
    from index.embed import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder()


@pytest.fixture(scope="session")
def speech_index(tmp_path_factory: pytest.TempPathFactory, embedder) -> Path:
    """An index directory holding the bundled speech (do not write to it; copy it if you must)."""
    from index.chroma import open_store
    from index.corpus import BUNDLED_SPEECH
    from index.ingest import Ingestor

    index_dir = tmp_path_factory.mktemp("speech-index")
    Ingestor(open_store(index_dir), embedder).ingest_paths([BUNDLED_SPEECH])
    return index_dir


@pytest.fixture(scope="session")
def assistant(speech_index: Path):
    from rag.assistant import build_assistant
    from rag.settings import Settings

    return build_assistant(Settings(index_dir=speech_index))


@pytest.fixture(scope="session")
def library(assistant, speech_index: Path):
    """The session's assistant as `serve` holds it: a Library over the (read-only) speech index."""
    from index.chroma import reopen_store
    from rag.library import Library

    return Library(assistant, lambda: reopen_store(speech_index), speech_index / "lexical")


@pytest.fixture()
def env_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh, empty index dir exported as SPEECHQA_INDEX_DIR (for CLI subprocess tests)."""
    index_dir = tmp_path / "index"
    monkeypatch.setenv("SPEECHQA_INDEX_DIR", str(index_dir))
    yield index_dir


ARCHIVE = CORPUS / "external" / "ungdc_2014_2024"
ARCHIVE_FILES = ("session_78_2023/KEN_78_2023.txt", "session_79_2024/KEN_79_2024.txt",
                 "session_78_2023/BRA_78_2023.txt", "session_79_2024/BRA_79_2024.txt",
                 "session_79_2024/TUV_79_2024.txt", "session_79_2024/JPN_79_2024.txt")


@pytest.fixture(scope="session")
def archive_index(tmp_path_factory: pytest.TempPathFactory, embedder) -> Path:
    """Six General Debate statements (Kenya and Brazil in 2023 and 2024, Tuvalu and Japan in 2024) ingested
    with the archive's own manifest.csv as metadata (do not write to it)."""
    from index.chroma import open_store
    from index.ingest import Ingestor
    from index.metadata import read_catalogue

    index_dir = tmp_path_factory.mktemp("archive-index")
    catalogue = read_catalogue(ARCHIVE / "manifest.csv")
    Ingestor(open_store(index_dir), embedder, catalogue=catalogue).ingest_paths([ARCHIVE / f for f in ARCHIVE_FILES])
    return index_dir


@pytest.fixture(scope="session")
def archive_assistant(archive_index: Path):
    from rag.assistant import build_assistant
    from rag.settings import Settings

    return build_assistant(Settings(index_dir=archive_index))
