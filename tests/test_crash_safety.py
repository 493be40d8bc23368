"""Crash-safe ingestion: a child ingesting 30 real UNGDC statements is SIGKILLed at seeded random moments.

After every kill the index must only show retrieval committed, complete documents whose paragraph
hashes match; the next ingest must finish and equal an uninterrupted one (evals/reliability.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.reliability import QUERIES, check_store, corpus_files, crash_trials, store_state

pytestmark = pytest.mark.slow


def test_corpus_is_present() -> None:
    files = corpus_files()
    assert len(files) == 30
    assert files[0].parent == Path(__file__).resolve().parents[2] / "shared" / "corpus" / "external" / \
        "ungdc_2014_2024" / "session_78_2023"


def test_sigkill_mid_ingest_never_exposes_partial_documents(tmp_path: Path) -> None:
    report = crash_trials(tmp_path, rounds=2, kills_per_round=10, seed=78)
    assert report.problems == []
    assert report.kills >= 10  # most kills landed while the child was still ingesting
    assert report.rounds == 2
    assert report.resumed_equal == 2
    reference = store_state(tmp_path / "reference")
    assert len(reference.hashes) == 30 and reference.chunks > 1000
    assert check_store(tmp_path / "reference", QUERIES) == []
