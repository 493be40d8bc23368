"""The PolicyQA ablation on a tiny SQuAD-format file: every row reported, sane values, BM25 and the ceiling behave."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from evals.policyqa_ablation import bm25, load, main

ALPHA = [
    "We collect your email address and phone number when you register an account.",
    "Cookies and web beacons track browsing activity for our advertising partners.",
    "You may request deletion of your data by writing to our privacy officer.",
]
BETA = [
    "Children under thirteen are not permitted to use the service.",
    "We retain server logs for ninety days before deleting them.",
    "Payment details are encrypted with industry standard encryption.",
]
# (paragraph index, question, answer); the repeated question has two different gold paragraphs
ALPHA_QS = [(0, "Do you collect my email address when I register?", "email address"),
            (1, "Are web beacons used for advertising?", "web beacons"),
            (2, "How do I request deletion of my data?", "writing to our privacy officer"),
            (0, "What information is shared?", "phone number"),
            (1, "What information is shared?", "browsing activity")]
BETA_QS = [(0, "Can children under thirteen use the service?", "Children under thirteen"),
           (1, "How long are server logs retained?", "ninety days"),
           (2, "Are payment details encrypted?", "industry standard encryption")]
ROWS = ("random order", "dense paragraph", "dense best sentence", "BM25", "product RRF", "MaxSim",
        "z-fusion, a from the other half", "z-fusion, full set", "oracle")


def policy(title: str, paragraphs: list[str], questions: list[tuple[int, str, str]]) -> dict[str, Any]:
    def qa(i: int, number: int, question: str, answer: str) -> dict[str, Any]:
        start = paragraphs[number].index(answer) + 2  # the loader strips the leading whitespace
        return {"id": f"{title}-{i}", "question": question, "answers": [{"text": answer, "answer_start": start}]}

    return {"title": title, "paragraphs": [
        {"context": f"  {text}", "qas": [qa(i, n, q, a) for i, (n, q, a) in enumerate(questions) if n == number]}
        for number, text in enumerate(paragraphs)]}


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("policyqa") / "dev.json"
    path.write_text(json.dumps({"data": [policy("alpha.com", ALPHA, ALPHA_QS), policy("beta.org", BETA, BETA_QS)]}))
    return path


@pytest.fixture(scope="module")
def run(dev: Path) -> tuple[str, dict[str, Any]]:
    out, printed = dev.with_name("results.json"), io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["--file", str(dev), "--out", str(out)]) == 0
    return printed.getvalue(), json.loads(out.read_text())


def test_every_row_is_printed_and_written_with_values_in_range(run: tuple[str, dict[str, Any]]) -> None:
    printed, result = run
    names = [r["name"] for r in result["rows"]]
    for prefix in ROWS:
        assert any(n.startswith(prefix) for n in names), prefix
        assert f"| {prefix}" in printed
    values = [r[k] for r in result["rows"] for k in ("first_span", "hit3_span", "first_gold")]
    assert all(0.0 <= v <= 1.0 for v in values)
    assert (result["questions"], result["policies"], result["half A"], result["half B"]) == (8, 2, 5, 3)


def test_reference_rows_follow_from_the_data(run: tuple[str, dict[str, Any]]) -> None:
    rows = {r["name"].split(" (")[0].split(":")[0]: r for r in run[1]["rows"]}
    assert rows["random order"]["first_gold"] == pytest.approx(1 / 3)  # three paragraphs per policy, one gold
    assert rows["random order"]["hit3_span"] == pytest.approx(1.0)  # a top 3 of three paragraphs holds them all
    # the two "What information is shared?" questions want different paragraphs: one of them must miss
    assert rows["oracle"]["first_span"] == pytest.approx(7 / 8)
    assert rows["oracle"]["hit3_span"] == pytest.approx(1.0)


def test_bm25_ranks_an_obviously_answerable_question_first_within_its_policy(dev: Path) -> None:
    corpus = load(dev)
    scores = bm25(corpus)
    i = next(i for i, q in enumerate(corpus.questions) if q.text == "How long are server logs retained?")
    assert len(scores[i]) == len(BETA)  # scoped to its own policy
    assert corpus.questions[i].gold[int(np.argmax(scores[i]))]


def test_bad_files_get_a_clear_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--file", str(tmp_path / "missing.json")]) == 2
    assert "not found" in capsys.readouterr().err
    one = tmp_path / "one.json"
    one.write_text(json.dumps({"data": [policy("beta.org", BETA, BETA_QS)]}))
    assert main(["--file", str(one)]) == 2
    assert "at least two policies" in capsys.readouterr().err
