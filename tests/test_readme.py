"""The README's promises: its two commands exist, its quickstart works, its tables match the code.

`make run` is interactive (it ends in the chat UI), so its non-interactive part runs here as a user
would type it: `speechqa ingest` into an empty index, then `speechqa ask` about Haiti, in real
processes. The printed ingest summary and the answer-object example in the README are compared
with what the code really prints, so the README cannot drift from the product silently.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from rag.settings import Settings

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
SPEECH = "zhang-jun-unsc-transnational-organized-crime-2023-12-07"

pytestmark = pytest.mark.skipif(not README.is_file(), reason="README.md not written yet")


def readme() -> str:
    return README.read_text(encoding="utf-8")


def code_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", readme(), flags=re.DOTALL)


def make_targets() -> set[str]:
    return set(re.findall(r"^([A-Za-z][\w-]*):", (REPO / "Makefile").read_text(encoding="utf-8"), flags=re.MULTILINE))


def make_recipe(target: str) -> str:
    text = (REPO / "Makefile").read_text(encoding="utf-8")
    match = re.search(rf"^{target}:.*\n((?:\t.*\n?)*)", text, flags=re.MULTILINE)
    assert match, f"no recipe for make {target}"
    return match.group(1)


def speechqa(*args: str, index_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SPEECHQA_INDEX_DIR": str(index_dir), "HF_HUB_OFFLINE": "1"}
    return subprocess.run([str(Path(sys.executable).with_name("speechqa")), *args], capture_output=True, text=True,
                          env=env, cwd=REPO, timeout=300)


def test_readme_opens_with_the_two_make_commands() -> None:
    first_block = code_blocks("bash")[0]
    commands = [line.split("#")[0].strip() for line in first_block.splitlines() if line.strip()]
    assert commands == ["make run", "make test"]
    assert {"run", "test"} <= make_targets()
    assert readme().index("make run") < readme().index("## ")  # before the first section


def test_make_run_ingests_then_serves_and_make_test_runs_pytest() -> None:
    run = make_recipe("run")
    assert run.index("speechqa ingest") < run.index("speechqa serve")
    assert "pytest" in make_recipe("test")
    ci = REPO / ".ci" / "run"
    if ci.is_file():
        assert "make test" in ci.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def quickstart(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    index_dir = tmp_path_factory.mktemp("readme") / "index"
    ingested = speechqa("ingest", index_dir=index_dir)
    assert ingested.returncode == 0, ingested.stderr
    asked = speechqa("ask", "What does the statement say about Haiti?", index_dir=index_dir)
    assert asked.returncode == 0, asked.stderr
    return ingested.stdout, asked.stdout


def test_quickstart_ingest_prints_what_the_readme_says(quickstart: tuple[str, str]) -> None:
    promised = re.search(r"`(added [^`]+)`", readme())
    assert promised, "the README shows the ingest summary line"
    before, _, after = promised.group(1).partition("…")  # the README shortens the doc id with an ellipsis
    line = next(line for line in quickstart[0].splitlines() if line.startswith("added"))
    squeezed = " ".join(line.split())
    assert squeezed.startswith(" ".join(before.split())) and squeezed.endswith(after)
    assert f"{SPEECH}: 10 paragraphs" in line


def test_quickstart_ask_answers_with_a_marker_and_cites_paragraph_7(quickstart: tuple[str, str]) -> None:
    answer = quickstart[1]
    assert "Haiti" in answer and "[1]" in answer
    assert f"[1] {SPEECH} ¶7:" in answer


def test_the_answer_object_example_has_the_real_keys(assistant: Any) -> None:
    (example_text,) = [block for block in code_blocks("json") if '"citations"' in block]
    example = json.loads(example_text)
    real = assistant.ask("What does the statement say about Haiti?").to_dict()
    assert set(example) == set(real)
    assert set(example["citations"][0]) == set(real["citations"][0])
    assert set(example["timings_ms"]) == set(real["timings_ms"])


def test_every_documented_variable_is_read_by_the_code() -> None:
    documented = set(re.findall(r"SPEECHQA_[A-Z_]+[A-Z]", readme()))
    sources = "\n".join(p.read_text(encoding="utf-8") for d in ("index", "rag", "ui", "evals")
                        for p in (REPO / d).rglob("*.py"))
    assert documented, "the README has a configuration table"
    assert sorted(v for v in documented if v not in sources) == []


@pytest.mark.parametrize("field", ["top_k", "retrieval", "generator", "abstain_threshold"])
def test_configuration_table_defaults_match_the_settings(field: str) -> None:
    row = re.search(rf"^\| `SPEECHQA_{field.upper()}` \|[^|]*\| `([^`]+)` \|", readme(), flags=re.MULTILINE)
    assert row, f"SPEECHQA_{field.upper()} is in the configuration table"
    default = getattr(Settings(), field)
    assert type(default)(row.group(1)) == default
