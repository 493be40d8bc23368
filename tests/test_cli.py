"""The command-line contract of issue 2, run as a user runs it: real processes, a real index in a temp folder.

One `speechqa ingest` builds the index (the bundled speech plus a second small statement, so
`--doc` scoping means something); one `speechqa ask --batch` answers every question in a single
process (one model load), and each answer object is checked against the JSON contract: exact keys,
markers that map one-to-one onto citations, quotes taken verbatim from the cited paragraph, and the
real paragraph text. The gold paragraphs of a handful of questions must be among the citations.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from index.corpus import BUNDLED_SPEECH
from index.model import Document
from index.parse import parse_file
from index.sentences import split_sentences

REPO = Path(__file__).resolve().parents[1]
SPEECH = "zhang-jun-unsc-transnational-organized-crime-2023-12-07"
OTHER = "alphaland-water-statement"
OTHER_TEXT = (
    "Statement by the delegate of Alphaland on water security\n\n"
    "Mr. President,\n\n"
    "Water scarcity threatens the livelihoods of millions of farmers across our region. "
    "We call for a shared early-warning system for droughts and floods.\n\n"
    "Alphaland will host a regional conference on river basin management next spring, "
    "and invites all riparian states to take part.\n\n"
    "Thank you.\n"
)
ANSWER_KEYS = {"id", "question", "answer", "abstained", "citations", "timings_ms"}
OPTIONAL_KEYS = {"retrieved", "abstain_reason", "scope"}
CITATION_KEYS = {"doc_id", "doc_title", "paragraph", "text", "quote", "score", "relevance"}
MARKER = re.compile(r"\[(\d+)\]")
HAITI_HISTORY = [
    {"role": "user", "content": "What does the statement say about Haiti?"},
    {"role": "assistant", "content": "The rampant violence in Haiti is closely linked to weapons influx. [1]"},
]
# (id, question, gold paragraph of the speech)
GOLD = [
    ("haiti", "What does the statement say about Haiti?", 7),
    ("interpol", "What does China hope UNODC and Interpol will do?", 4),
    ("extradition", "What does the speech say about extradition?", 5),
    ("capacity", "How should developing countries be helped with capacity building?", 6),
    ("gsi", "What does China say about the Global Security Initiative?", 9),
]
BATCH: list[dict[str, Any]] = [
    *({"id": i, "question": q} for i, q, _ in GOLD),
    {"id": "follow-up", "question": "And what should countries in the region do about it?", "history": HAITI_HISTORY},
    {"id": "scoped-speech", "question": "What should be done about droughts and telecom fraud?", "doc": SPEECH},
    {"id": "scoped-other", "question": "What should be done about droughts and telecom fraud?", "doc": OTHER},
    {"id": "off-topic", "question": "What does the statement say about climate change and renewable energy?",
     "doc": SPEECH},
    {"id": "who", "question": "Who delivered the statement?", "doc": SPEECH},
]


def cli(*args: str, index_dir: Path, script: bool = False, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run `speechqa` (the console script) or `python -m ui` with SPEECHQA_INDEX_DIR set."""
    command = [str(Path(sys.executable).with_name("speechqa"))] if script else [sys.executable, "-m", "ui"]
    env = {**os.environ, "SPEECHQA_INDEX_DIR": str(index_dir), "HF_HUB_OFFLINE": "1"}
    return subprocess.run([*command, *args], capture_output=True, text=True, env=env, cwd=REPO, timeout=timeout)


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, f"exit {result.returncode}\nstdout: {result.stdout}\nstderr: {result.stderr}"
    assert "Traceback" not in result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Document]:
    folder = tmp_path_factory.mktemp("sources")
    (folder / f"{OTHER}.md").write_text(OTHER_TEXT, encoding="utf-8")
    return {SPEECH: parse_file(BUNDLED_SPEECH), OTHER: parse_file(folder / f"{OTHER}.md")}


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory, sources: dict[str, Document]) -> tuple[Path, str]:
    index_dir = tmp_path_factory.mktemp("cli") / "index"
    stdout = ok(cli("ingest", str(BUNDLED_SPEECH), sources[OTHER].source, index_dir=index_dir, script=True))
    return index_dir, stdout


@pytest.fixture(scope="module")
def batch(ingested: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    path = tmp_path_factory.mktemp("batch") / "questions.jsonl"
    path.write_text("\n".join(json.dumps(item) for item in BATCH) + "\n", encoding="utf-8")
    lines = ok(cli("ask", "--batch", str(path), index_dir=ingested[0])).splitlines()
    answers = [json.loads(line) for line in lines]
    assert [a["id"] for a in answers] == [item["id"] for item in BATCH]  # same order, ids echoed
    return {a["id"]: a for a in answers}


def check_answer_object(answer: dict[str, Any], question: str, sources: dict[str, Document]) -> None:
    """The answer object of issue 2, field by field."""
    assert ANSWER_KEYS <= set(answer) <= ANSWER_KEYS | OPTIONAL_KEYS
    assert answer["question"] == question
    assert isinstance(answer["answer"], str) and answer["answer"].strip()
    assert isinstance(answer["abstained"], bool)
    assert set(answer["timings_ms"]) == {"retrieve", "generate", "total"}
    assert all(isinstance(v, int | float) and v >= 0 for v in answer["timings_ms"].values())
    citations = answer["citations"]
    markers = {int(n) for n in MARKER.findall(answer["answer"])}
    assert markers == set(range(1, len(citations) + 1)), "markers map one-to-one onto citations"
    assert len({(c["doc_id"], c["paragraph"]) for c in citations}) == len(citations)
    scores = [c["score"] for c in citations]
    assert scores == sorted(scores, reverse=True), "citations are most relevant first"
    for c in citations:
        check_citation(c, sources)
    if answer["abstained"]:
        assert citations == []


def check_citation(c: dict[str, Any], sources: dict[str, Document]) -> None:
    assert set(c) == CITATION_KEYS
    assert isinstance(c["paragraph"], int) and not isinstance(c["paragraph"], bool)
    assert isinstance(c["score"], int | float)
    document = sources[c["doc_id"]]
    assert c["doc_title"] == document.title
    assert c["text"] == document.paragraph(c["paragraph"]).text, "text is the real paragraph"
    assert c["quote"].strip()
    cursor = 0
    for start, end in split_sentences(c["quote"]):  # every quoted sentence is verbatim, in paragraph order
        at = c["text"].find(c["quote"][start:end], cursor)
        assert at >= 0, f"quote sentence not in paragraph {c['paragraph']}: {c['quote'][start:end]!r}"
        cursor = at + end - start


def claims(answer: dict[str, Any]) -> list[tuple[str, int]]:
    """(sentence text, marker number) pairs of an answer written as 'sentence [n] sentence [m]'."""
    parts = MARKER.split(answer["answer"])
    return [(parts[i].strip(), int(parts[i + 1])) for i in range(0, len(parts) - 1, 2)]


def test_ingest_prints_a_per_document_summary(ingested: tuple[Path, str]) -> None:
    index_dir, stdout = ingested
    assert f"added      {SPEECH}: 10 paragraphs" in stdout
    assert f"added      {OTHER}: 4 paragraphs" in stdout
    assert f"2 documents in the index at {index_dir} (this run: 2 added)" in stdout


@pytest.mark.parametrize(("item_id", "question", "gold"), GOLD, ids=[g[0] for g in GOLD])
def test_citations_point_at_the_right_paragraph(
    batch: dict[str, dict[str, Any]], sources: dict[str, Document], item_id: str, question: str, gold: int
) -> None:
    answer = batch[item_id]
    check_answer_object(answer, question, sources)
    assert not answer["abstained"]
    cited = [(c["doc_id"], c["paragraph"]) for c in answer["citations"]]
    assert (SPEECH, gold) in cited, f"expected paragraph {gold} among {cited}"
    for sentence, number in claims(answer):  # the extractive answer is made of the cited paragraphs' sentences
        citation = answer["citations"][number - 1]
        assert sentence in citation["text"] and sentence in citation["quote"]


def test_a_follow_up_uses_the_history(batch: dict[str, dict[str, Any]], sources: dict[str, Document]) -> None:
    answer = batch["follow-up"]
    check_answer_object(answer, BATCH[5]["question"], sources)
    assert not answer["abstained"]
    assert (SPEECH, 7) in [(c["doc_id"], c["paragraph"]) for c in answer["citations"]]


def test_doc_scopes_retrieval(batch: dict[str, dict[str, Any]], sources: dict[str, Document]) -> None:
    for item_id, doc_id in (("scoped-speech", SPEECH), ("scoped-other", OTHER)):
        answer = batch[item_id]
        check_answer_object(answer, BATCH[6]["question"], sources)
        assert {c["doc_id"] for c in answer["citations"]} <= {doc_id}
        assert {r["doc_id"] for r in answer.get("retrieved", [])} <= {doc_id}
    assert batch["scoped-other"]["citations"], "the water statement does address droughts"
    assert batch["scoped-other"]["citations"][0]["paragraph"] == 2


def test_off_topic_question_abstains_and_cites_nothing(
    batch: dict[str, dict[str, Any]], sources: dict[str, Document]
) -> None:
    answer = batch["off-topic"]
    check_answer_object(answer, BATCH[8]["question"], sources)
    assert answer["abstained"] is True and answer["citations"] == []
    assert answer["abstain_reason"]  # every abstention says why
    assert not MARKER.search(answer["answer"])


def test_metadata_question_cites_the_heading(batch: dict[str, dict[str, Any]], sources: dict[str, Document]) -> None:
    answer = batch["who"]
    check_answer_object(answer, "Who delivered the statement?", sources)
    assert "Zhang Jun" in answer["answer"]
    assert [(c["doc_id"], c["paragraph"]) for c in answer["citations"]] == [(SPEECH, 0)]


def test_ask_json_with_history_file_and_doc(
    ingested: tuple[Path, str], sources: dict[str, Document], tmp_path: Path
) -> None:
    history = tmp_path / "history.json"
    history.write_text(json.dumps(HAITI_HISTORY), encoding="utf-8")
    question = "And what should countries in the region do about it?"
    stdout = ok(cli("ask", question, "--json", "--history", str(history), "--doc", SPEECH, index_dir=ingested[0]))
    answer = json.loads(stdout)
    check_answer_object(answer, question, sources)
    assert answer["id"] is None
    assert (SPEECH, 7) in [(c["doc_id"], c["paragraph"]) for c in answer["citations"]]
    assert "region" in answer["citations"][0]["quote"]


def test_docs_lists_documents_with_paragraph_counts(ingested: tuple[Path, str], sources: dict[str, Document]) -> None:
    rows = [line.split("\t") for line in ok(cli("docs", index_dir=ingested[0])).splitlines()]
    assert [(r[0], r[1]) for r in rows] == [(OTHER, "4 paragraphs"), (SPEECH, "10 paragraphs")]
    assert rows[1][2] == sources[SPEECH].title


def test_show_doc_and_number_prints_the_paragraph(ingested: tuple[Path, str], sources: dict[str, Document]) -> None:
    stdout = ok(cli("show", SPEECH, "7", index_dir=ingested[0]))
    assert sources[SPEECH].paragraph(7).text in stdout
    assert "¶7" in stdout and sources[SPEECH].paragraph(6).text not in stdout


def test_show_number_alone_needs_a_single_document(ingested: tuple[Path, str]) -> None:
    result = cli("show", "7", index_dir=ingested[0])
    assert result.returncode == 2 and "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert "speechqa show DOC_ID 7" in line


def test_show_number_with_one_document(speech_index: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    shutil.copytree(speech_index, index_dir)
    speech = parse_file(BUNDLED_SPEECH)
    assert speech.paragraph(9).text in ok(cli("show", "9", index_dir=index_dir, script=True))
    assert speech.heading in ok(cli("show", "0", index_dir=index_dir))  # 0 is the heading


def test_help_lists_every_contract_command() -> None:
    stdout = ok(subprocess.run([sys.executable, "-m", "ui", "--help"], capture_output=True, text=True, cwd=REPO))
    for command in ("ingest", "ask", "show", "docs", "chat"):
        assert command in stdout
    ask_help = ok(subprocess.run([sys.executable, "-m", "ui", "ask", "--help"], capture_output=True, text=True,
                                 cwd=REPO))
    for flag in ("--json", "--history", "--doc", "--batch"):
        assert flag in ask_help
