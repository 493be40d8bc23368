"""The evaluation harness end to end: runner, reports, failure reasons, gate, sweep, tutorial chunks, PolicyQA.

Runs use the session `assistant` (bundled speech, real model, real Chroma) on a small subset of the
gold set plus one deliberately failing item; the sweep, the gate command and PolicyQA build their
own indexes from real files. The PolicyQA corpus is always beside the repository (../shared/corpus).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import pytest

from evals.dataset import GoldItem, GoldRef, load_gold
from evals.gate import compare, gate_report, read_baseline, write_baseline
from evals.run import RunConfig, evaluate, parse_config
from evals.summary import HEADLINE
from evals.tutorial import TutorialRetriever, joined_text, paragraph_spans, paragraphs_of, split_document
from index.errors import InputError
from index.model import Document, Paragraph

REPO = Path(__file__).resolve().parents[1]
GOLD = REPO / "evals" / "data" / "speech_gold.jsonl"
POLICYQA = REPO.parent / "shared" / "corpus" / "external" / "policyqa_dev" / "dev.json"
SPEECH = "zhang-jun-unsc-transnational-organized-crime-2023-12-07"
SUBSET = ("zj-sf-01", "zj-sf-02", "zj-li-01", "zj-pa-01", "zj-fu-01", "zj-un-01", "zj-md-01")
BROKEN = GoldItem(
    id="broken-01", question="What does the statement say about Haiti?", category="single_fact", answerable=True,
    gold_paragraphs=(GoldRef(SPEECH, 3),), key_facts=(("purple elephants",),),
    reference_answer="Purple elephants.", doc=SPEECH,
)


def _items() -> tuple[GoldItem, ...]:
    wanted = set(SUBSET)
    return tuple(i for i in load_gold(GOLD) if i.id in wanted) + (BROKEN,)


@pytest.fixture(scope="module")
def evaluation(assistant):
    return evaluate(assistant, _items(), RunConfig(), {"dataset": "subset", "command": "pytest"})


@pytest.fixture(scope="module")
def reports(evaluation, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from evals.report import write_reports

    return write_reports(tmp_path_factory.mktemp("eval-out"), evaluation.records, evaluation.summary)


# --- the tutorial splitter mapped to paragraphs (pure) -------------------------------------------


def test_a_chunk_maps_to_every_paragraph_it_overlaps() -> None:
    doc = Document("d", "Title", (Paragraph(1, "a" * 10), Paragraph(2, "b" * 10), Paragraph(3, "c" * 10)), heading="H")
    spans = paragraph_spans(doc)
    assert spans == [(0, 0, 1), (1, 3, 13), (2, 15, 25), (3, 27, 37)]
    assert paragraphs_of(5, 20, spans) == (1, 2)  # starts in 1, ends in 2
    assert paragraphs_of(13, 15, spans) == ()  # only the blank line between paragraphs
    assert paragraphs_of(0, 37, spans) == (0, 1, 2, 3)


def test_tutorial_chunks_of_the_speech_span_several_paragraphs() -> None:
    from index.corpus import BUNDLED_SPEECH
    from index.parse import parse_file

    document = parse_file(BUNDLED_SPEECH)
    text, spans = joined_text(document), paragraph_spans(document)
    chunks = split_document(document)
    assert all(len(c.text) <= 1000 for c in chunks)
    for chunk in chunks:
        assert text[chunk.start : chunk.start + len(chunk.text)] == chunk.text
        for number in chunk.paragraphs:  # every mapped paragraph shares text with the chunk
            _, start, end = next(s for s in spans if s[0] == number)
            assert chunk.start < end and start < chunk.start + len(chunk.text)
    assert any(len(c.paragraphs) > 1 for c in chunks)  # the point: chunks cross paragraph boundaries
    covered = {p for c in chunks for p in c.paragraphs}
    assert covered == {p.number for p in document.citable()}


def test_tutorial_retriever_returns_all_paragraphs_of_its_top_chunks(embedder) -> None:
    from index.corpus import BUNDLED_SPEECH
    from index.parse import parse_file

    retriever = TutorialRetriever([parse_file(BUNDLED_SPEECH)], embedder)
    hits = retriever.retrieve("What about the violence in Haiti?", 1)
    top = [c for c in retriever.chunks if c.paragraphs == tuple(h.paragraph for h in hits)]
    assert top and any("Haiti" in c.text for c in top)  # k=1: exactly the paragraphs of the best chunk
    wider = retriever.retrieve("What about the violence in Haiti?", 3)
    assert [h.paragraph for h in wider[: len(hits)]] == [h.paragraph for h in hits]
    assert len({h.paragraph for h in wider}) == len(wider) >= len(hits)


# --- configuration -------------------------------------------------------------------------------


def test_parse_config_reads_settings_and_names_bad_ones() -> None:
    assert parse_config("k=3, retrieval=lexical") == RunConfig("lexical", "windows", 3)
    assert parse_config("chunker=tutorial,retrieval=dense,abstain=0.3").abstain_threshold == 0.3
    for bad, word in (("k=0", "k"), ("retrieval=magic", "retrieval"), ("colour=red", "colour"),
                      ("abstain=2", "abstain"), ("chunker=tutorial", "tutorial")):
        with pytest.raises(InputError, match=word):
            parse_config(bad)


# --- a run and its reports -----------------------------------------------------------------------


def test_every_headline_metric_is_a_finite_number(reports: dict[str, Path]) -> None:
    summary = json.loads(reports["summary.json"].read_text())
    assert set(HEADLINE) <= set(summary["metrics"])
    for name in HEADLINE:
        m = summary["metrics"][name]
        assert all(isinstance(m[k], float | int) and math.isfinite(m[k]) for k in ("mean", "low", "high")), name
        assert m["low"] <= m["mean"] <= m["high"]
    assert summary["items"] == len(SUBSET) + 1 and summary["unanswerable"] == 1
    assert summary["metrics"]["abstention_accuracy"]["n"] == 1
    assert all(summary["latency_ms"][s]["p95"] >= summary["latency_ms"][s]["p50"] >= 0 for s in ("retrieve", "total"))


def test_all_report_files_are_written(reports: dict[str, Path]) -> None:
    for name in ("results.jsonl", "summary.json", "summary.md", "report.html", "headline.png", "ragas.jsonl"):
        assert reports[name].stat().st_size > 0, name
    assert reports["headline.png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    lines = [json.loads(x) for x in reports["results.jsonl"].read_text().splitlines()]
    assert [r["id"] for r in lines] == [i.id for i in _items()]
    ragas = json.loads(reports["ragas.jsonl"].read_text().splitlines()[0])
    assert set(ragas) >= {"question", "answer", "contexts", "ground_truth"} and ragas["contexts"]
    assert "| hit@1 ↑ |" in reports["summary.md"].read_text()


def test_html_report_is_offline_and_lists_failures_first(reports: dict[str, Path]) -> None:
    html = reports["report.html"].read_text()
    assert not re.search(r"https?://", html)
    assert not re.search(r"<(script|link)\b", html)
    assert "<style>" in html and "data:image/png;base64," in html
    first_item = html.index("<details")
    assert html.index("broken-01") > 0 and "class=fail" in html[first_item : first_item + 40]
    assert "purple elephants" in html and "Haiti" in html  # the failing item, its answer and paragraphs


def test_a_failing_item_says_why(evaluation) -> None:
    record = next(r for r in evaluation.records if r["id"] == "broken-01")
    assert not record["passed"]
    assert "key fact missing: purple elephants" in record["reasons"]
    assert any(r.startswith("gold paragraph 3 not") for r in record["reasons"])
    assert record["retrieved"] and all("text" in r for r in record["retrieved"])
    assert evaluation.summary["failure_kinds"]["key fact missing"] >= 1


# --- the gate ------------------------------------------------------------------------------------


def _baseline(summary: dict[str, Any], tmp_path: Path, **changes: float) -> dict[str, Any]:
    path = write_baseline(summary, tmp_path / "baseline.json")
    data = read_baseline(path)
    data["metrics"].update(changes)
    return data


def test_gate_fails_on_a_drop_beyond_tolerance_and_passes_otherwise(evaluation, tmp_path: Path) -> None:
    summary = json.loads(json.dumps(evaluation.summary))
    summary["metrics"]["citation_validity"]["mean"] = 1.0  # floors are tested separately below
    current = summary["metrics"]["first_citation_correct"]["mean"]
    assert all(c.ok for c in compare(summary, _baseline(summary, tmp_path)))
    within = compare(summary, _baseline(summary, tmp_path, first_citation_correct=current + 0.015), 0.02)
    assert all(c.ok for c in within)
    worse = compare(summary, _baseline(summary, tmp_path, first_citation_correct=current + 0.05), 0.02)
    assert [c.metric for c in worse if not c.ok] == ["first_citation_correct"]
    assert "first_citation_correct fell" in gate_report(worse)
    lower = summary["metrics"]["false_abstention"]["mean"]
    rose = compare(summary, _baseline(summary, tmp_path, false_abstention=lower - 0.05), 0.02)
    assert [c.metric for c in rose if not c.ok] == ["false_abstention"]


def test_gate_enforces_the_citation_validity_floor(evaluation, tmp_path: Path) -> None:
    summary = json.loads(json.dumps(evaluation.summary))
    summary["metrics"]["citation_validity"]["mean"] = 0.99
    checks = compare(summary, _baseline(summary, tmp_path), tolerance=0.5)
    assert [c.metric for c in checks if not c.ok] == ["citation_validity"]
    assert "below its floor" in gate_report(checks)


@pytest.mark.slow
def test_gate_command_exits_1_against_a_better_baseline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from ui.cli import main

    perfect = {"metrics": {"hit@1": 1.0, "key_fact_recall": 1.0, "false_abstention": 0.0}}
    baseline = tmp_path / "better.json"
    baseline.write_text(json.dumps(perfect))
    assert main(["eval", "gate", "--baseline", str(baseline), "--out", str(tmp_path / "out")]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "gate: FAILED" in out
    assert (tmp_path / "out" / "report.html").exists()


# --- the sweep -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_sweep_on_a_tiny_grid_produces_a_table(tmp_path: Path) -> None:
    from evals.plots import sweep_chart
    from evals.sweep import RERANKING_NOTE, Workbench, run_sweep, sweep_table
    from index.corpus import BUNDLED_SPEECH
    from rag.settings import Settings

    configs = [RunConfig("lexical", "windows", 3), RunConfig("dense", "tutorial", 5)]
    bench = Workbench(tmp_path / "idx", Settings(), [BUNDLED_SPEECH])
    rows = run_sweep(_items()[:4], configs, bench, {"dataset": "subset"})
    table = sweep_table(rows)
    assert "| lexical / windows / k=3 |" in table and "| dense / tutorial / k=5 |" in table
    assert RERANKING_NOTE in table
    chars = {r["name"]: r["summary"]["retrieved_chars_mean"] for r in rows}
    assert chars["dense / tutorial / k=5"] > chars["lexical / windows / k=3"]  # big chunks cost context
    assert sweep_chart(rows, tmp_path / "sweep.png").read_bytes()[:4] == b"\x89PNG"


# --- PolicyQA ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_policyqa_sample_reports_first_citation_recall_and_hit(tmp_path: Path) -> None:
    from evals.benchmark import key_table, run_policyqa
    from rag.settings import Settings

    assert POLICYQA.is_file(), f"the PolicyQA corpus must be at {POLICYQA}"
    evaluation = run_policyqa(POLICYQA, 6, RunConfig(), Settings(), {"dataset": str(POLICYQA)})
    summary = evaluation.summary
    assert summary["items"] == 6 and summary["unanswerable"] == 0
    assert summary["lenient"]["first_citation_correct"]["mean"] >= summary["metrics"]["first_citation_correct"]["mean"]
    table = key_table(summary)
    assert "| recall@3 | gold paragraph |" in table and "| first_citation_correct | gold or answer span |" in table
    for record in evaluation.records:  # each question was asked of its own policy only
        assert {r["doc_id"] for r in record["retrieved"]} <= {record["doc"]}
