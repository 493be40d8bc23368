"""Bad input on the command line: a one-line `error: ...` on stderr, exit code 2, no traceback, nothing lost.

Every bad command runs once, as a real process, against a copy of an index holding the bundled
speech (the module fixture `outcomes` runs them all first); each test then reads its outcome. The
last tests check that the index survived all of them: `docs` still lists the speech and a batch of
questions is still answered, with bad lines of the batch reported in place.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from index.chroma import open_store
from index.chunk import chunk_document
from index.corpus import BUNDLED_SPEECH
from index.parse import parse_file

REPO = Path(__file__).resolve().parents[1]
SPEECH = "zhang-jun-unsc-transnational-organized-crime-2023-12-07"
GOOD_TEXT = (
    "Statement by the delegate of Gammaland on ocean protection\n\n"
    "Madam President,\n\n"
    "Plastic pollution is choking our coral reefs and the fisheries our coastal towns depend on.\n\n"
    "Thank you.\n"
)
Run = subprocess.CompletedProcess[str]


def cli(*args: str, index_dir: Path, env: dict[str, str] | None = None) -> Run:
    full_env = {**os.environ, "SPEECHQA_INDEX_DIR": str(index_dir), "HF_HUB_OFFLINE": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "ui", *args], capture_output=True, text=True, env=full_env,
                          cwd=REPO, timeout=300)


def one_line_error(result: Run) -> str:
    """Assert the contract for a refused command and return its message."""
    assert result.returncode == 2, f"exit {result.returncode}; stderr: {result.stderr}"
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got: {result.stderr!r}"
    assert lines[0].startswith("error: ")
    assert result.stdout == ""
    return lines[0]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory, speech_index: Path) -> Path:
    root = tmp_path_factory.mktemp("bad-input")
    shutil.copytree(speech_index, root / "index")
    mixed = root / "mixed"
    mixed.mkdir()
    (mixed / "gammaland-oceans.txt").write_text(GOOD_TEXT, encoding="utf-8")
    (mixed / "binary.txt").write_bytes(bytes(range(256)) * 8)  # NUL bytes: not text
    (mixed / "latin1.txt").write_bytes("Déclaration sur la sécurité maritime.\n\nMerci.\n".encode("latin-1"))
    (root / "history-not-json.json").write_text("[{\"role\": \"user\", ", encoding="utf-8")
    (root / "history-not-list.json").write_text(json.dumps({"role": "user", "content": "hi"}), encoding="utf-8")
    (root / "history-bad-role.json").write_text(json.dumps([{"role": "bot", "content": "hi"}]), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def outcomes(workdir: Path) -> dict[str, Run]:
    """Run every bad command once, in this order, against the same index."""
    index = workdir / "index"
    commands: dict[str, tuple[list[str], dict[str, str]]] = {
        "empty question": (["ask", ""], {}),
        "whitespace question": (["ask", "   \n\t  "], {}),
        "no question": (["ask"], {}),
        "2,001-char question": (["ask", "Haiti " * 333 + "abc"], {}),
        "missing path": (["ingest", str(workdir / "no-such-speech.txt")], {}),
        "unknown doc": (["ask", "What about Haiti?", "--doc", "no-such-doc"], {}),
        "show out of range": (["show", SPEECH, "11"], {}),
        "show unknown doc": (["show", "no-such-doc", "3"], {}),
        "show not a number": (["show", SPEECH, "seven"], {}),
        "history not json": (["ask", "Why?", "--history", str(workdir / "history-not-json.json")], {}),
        "history not a list": (["ask", "Why?", "--history", str(workdir / "history-not-list.json")], {}),
        "history bad role": (["ask", "Why?", "--history", str(workdir / "history-bad-role.json")], {}),
        "history missing": (["ask", "Why?", "--history", str(workdir / "no-history.json")], {}),
        "bad top k": (["ask", "What about Haiti?"], {"SPEECHQA_TOP_K": "many"}),
        "zero top k": (["docs"], {"SPEECHQA_TOP_K": "0"}),
        "bad generator": (["ask", "What about Haiti?"], {"SPEECHQA_GENERATOR": "gpt-9"}),
        "mixed folder": (["ingest", str(workdir / "mixed")], {}),
    }
    return {name: cli(*args, index_dir=index, env=env) for name, (args, env) in commands.items()}


@pytest.mark.parametrize(
    ("case", "needles"),
    [
        ("empty question", ["question is empty"]),
        ("whitespace question", ["question is empty"]),
        ("no question", ["speechqa ask \""]),
        ("2,001-char question", ["2,001 characters", "2,000"]),
        ("missing path", ["no-such-speech.txt"]),
        ("unknown doc", ["'no-such-doc'", "speechqa docs"]),
        ("show out of range", ["1 to 10", "11"]),
        ("show unknown doc", ["'no-such-doc'", "speechqa docs"]),
        ("show not a number", ["speechqa show DOC_ID N"]),
        ("history not json", ["history-not-json.json", "JSON list"]),
        ("history not a list", ["history-not-list.json", "JSON list"]),
        ("history bad role", ["history item 1", "role"]),
        ("history missing", ["no-history.json"]),
        ("bad top k", ["SPEECHQA_TOP_K", "'many'"]),
        ("zero top k", ["SPEECHQA_TOP_K", "'0'"]),
        ("bad generator", ["SPEECHQA_GENERATOR", "'gpt-9'"]),
    ],
)
def test_bad_input_is_one_line_with_exit_code_2(outcomes: dict[str, Run], case: str, needles: list[str]) -> None:
    message = one_line_error(outcomes[case])
    for needle in needles:
        assert needle in message, f"{case}: {needle!r} not in {message!r}"


def test_bad_files_fail_alone_and_are_named(outcomes: dict[str, Run], workdir: Path) -> None:
    result = outcomes["mixed folder"]
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "added      gammaland-oceans: 3 paragraphs" in result.stdout
    assert "documents in the index at" in result.stdout and "(this run: 1 added, 2 failed)" in result.stdout
    failures = result.stderr.strip().splitlines()
    assert len(failures) == 2, result.stderr
    assert "binary.txt" in failures[0] and "binary" in failures[0]
    assert "latin1.txt" in failures[1] and "UTF-8" in failures[1]


def test_asking_before_anything_is_ingested_says_how(tmp_path: Path) -> None:
    empty = tmp_path / "empty-index"
    message = one_line_error(cli("ask", "What does the statement say about Haiti?", index_dir=empty))
    assert "speechqa ingest" in message
    assert "speechqa ingest" in one_line_error(cli("show", "7", index_dir=empty))
    listed = cli("docs", index_dir=empty)
    assert listed.returncode == 0 and "speechqa ingest" in listed.stdout


def test_the_index_is_intact_after_every_bad_input(outcomes: dict[str, Run], workdir: Path) -> None:
    docs = cli("docs", index_dir=workdir / "index")
    assert docs.returncode == 0, docs.stderr
    rows = [line.split("\t")[:2] for line in docs.stdout.splitlines()]
    assert rows == [["gammaland-oceans", "3 paragraphs"], [SPEECH, "10 paragraphs"]]
    store = open_store(workdir / "index")
    speech_ids = [c.chunk_id for c in chunk_document(parse_file(BUNDLED_SPEECH))]
    assert store.existing_ids(speech_ids) == set(speech_ids)


def test_asking_still_works_and_bad_batch_lines_are_reported_in_place(outcomes: dict[str, Run], workdir: Path) -> None:
    batch = workdir / "batch.jsonl"
    lines = [
        {"id": "good", "question": "What does the statement say about Haiti?", "doc": SPEECH},
        {"id": "empty", "question": "  "},
        {"id": "unknown-doc", "question": "What about Haiti?", "doc": "no-such-doc"},
        {"id": "bad-history", "question": "Why?", "history": "not a list of turns"},
    ]
    batch.write_text("\n".join(json.dumps(line) for line in lines) + "\nnot json\n", encoding="utf-8")
    result = cli("ask", "--batch", str(batch), index_dir=workdir / "index")
    assert result.returncode == 2  # some lines failed: scripts notice
    assert "Traceback" not in result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["id"] for a in answers] == ["good", "empty", "unknown-doc", "bad-history", None]
    good = answers[0]
    assert not good["abstained"] and 7 in [c["paragraph"] for c in good["citations"]]
    assert all(set(a) == {"id", "error"} and a["error"] for a in answers[1:])
    assert "empty" in answers[1]["error"] and "no-such-doc" in answers[2]["error"]
    assert "line 5" in answers[4]["error"]
