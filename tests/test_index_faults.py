"""Index directories that are not what they should be: one `error:` line, exit code 2, a way out, nothing harmed.

Each fault is made for real on disk (garbage over Chroma's SQLite file, a folder of someone else's
files, a path under a regular file, an index built by another embedding model) and the real
`speechqa` command runs against it in a subprocess. Every file that was there before is compared
byte for byte (and by mtime) afterwards; an index Chroma could open (and so rewrote) is compared by
the documents and chunks it holds. A Chroma server that is down is covered in
tests/test_chroma_server.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
HAITI = "What does the statement say about Haiti?"


def speechqa(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "ui", *args], capture_output=True, text=True, env=env,
                          timeout=300)


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file under `folder`: its content hash and modification time."""
    return {str(p.relative_to(folder)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    """The single `error:` line a refused command prints, after checking the exit code and the absence of a trace."""
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    return lines[0]


def test_a_corrupt_index_is_refused_with_the_rebuild_command(speech_index: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    shutil.copytree(speech_index, index)
    (index / "chroma" / "chroma.sqlite3").write_bytes(b"not a database \x00\xff" * 4096)
    before = snapshot(index)
    for command in (["ask", HAITI], ["ingest"], ["docs"]):
        line = one_error_line(speechqa(*command, "--index-dir", str(index)))
        assert f"Cannot open the index at {index}" in line and "speechqa ingest --rebuild" in line
    assert snapshot(index) == before


def test_a_foreign_folder_is_never_written_to(tmp_path: Path) -> None:
    foreign = tmp_path / "my-documents"
    (foreign / "photos").mkdir(parents=True)
    (foreign / "notes.txt").write_text("shopping: bread, milk\n")
    (foreign / "photos" / "cat.jpg").write_bytes(bytes(range(256)))
    before = snapshot(foreign)
    for command in (["ingest"], ["ask", HAITI]):
        line = one_error_line(speechqa(*command, "--index-dir", str(foreign)))
        assert "not a SpeechQA index" in line and "notes.txt" in line and "empty folder" in line
    assert snapshot(foreign) == before
    assert sorted(p.name for p in foreign.iterdir()) == ["notes.txt", "photos"]


def test_an_index_dir_that_cannot_be_created_names_the_setting(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("I am a regular file\n")
    before = snapshot(tmp_path)
    for command in (["ingest"], ["ask", HAITI]):
        line = one_error_line(speechqa(*command, "--index-dir", str(blocker / "index")))
        assert f"Cannot create the index directory {blocker / 'index'}" in line
        assert "--index-dir" in line and "SPEECHQA_INDEX_DIR" in line
    assert snapshot(tmp_path) == before


def test_a_manifest_from_another_model_is_refused_and_the_index_still_answers(speech_index: Path,
                                                                              tmp_path: Path) -> None:
    from evals.reliability import store_state

    index = tmp_path / "index"
    shutil.copytree(speech_index, index)
    state = store_state(index)
    line = one_error_line(speechqa("ask", HAITI, "--index-dir", str(index),
                                   env={"SPEECHQA_EMBEDDING_MODEL": "another/embedding-model"}))
    assert "built with embedding model 'sentence-transformers/all-MiniLM-L6-v2'" in line
    assert "'another/embedding-model'" in line and "speechqa ingest --rebuild" in line
    assert store_state(index) == state  # Chroma rewrites its files on open: compare what they hold
    done = speechqa("ask", HAITI, "--json", "--index-dir", str(index))
    assert done.returncode == 0 and json.loads(done.stdout)["citations"][0]["paragraph"] == 7
