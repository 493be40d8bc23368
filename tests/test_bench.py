"""`speechqa bench --quick` runs end to end and writes the JSON the docs are made from (numbers are not checked)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from evals.bench_parts import summarize

REPO = Path(__file__).resolve().parents[1]


def test_summaries_use_the_nearest_rank_percentiles() -> None:
    stats = summarize([float(v) for v in range(1, 21)])
    assert (stats["n"], stats["p50"], stats["p95"], stats["min"], stats["max"]) == (20, 10.5, 19.0, 1.0, 20.0)
    assert summarize([]) == {"n": 0}


@pytest.mark.slow
def test_quick_bench_writes_every_section(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-m", "ui", "bench", "--quick", "--ingest-docs", "1", "--work-dir",
                           str(tmp_path / "work"), "--out", str(out)], capture_output=True, text=True, env=env,
                          cwd=REPO, timeout=1200)
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads(out.read_text())
    assert {"machine", "config", "cold_start", "warm", "ingestion", "growth", "targets", "command"} <= set(results)
    assert results["machine"]["nproc"] >= 1 and results["machine"]["cpu"]
    assert set(results["cold_start"]) == {"speechqa", "tutorial"}
    assert results["warm"]["tutorial"]["chunks"] > 1  # the tutorial really split and indexed the speech
    assert results["ingestion"]["reingest_unchanged"]["unchanged"] == results["ingestion"]["documents"] == 1
    assert set(results["growth"]) == {"speech"} and results["growth"]["speech"]["vectors"] == "real"
    assert {"cold_ratio", "warm_speech_ratio", "ingest_efficiency_wall", "reingest_speedup"} <= set(results["targets"])
    encoders = results["ingestion"]["encoders"]  # every passage encoder timed on the same chunks
    assert {"sentence_transformers_batch16", "onnx_float_batch16", "onnx_int8_batch16"} <= set(encoders["rows"])
    assert encoders["int8_encoder"] == "int8" and encoders["int8_vs_float"]["mean_cosine"] > 0.98
    assert {"float_passage_min_cosine", "int8_passage_mean_cosine"} <= set(results["targets"])
    assert "cold start to first answer" in done.stdout and str(out) in done.stdout
    assert "passage encoders on the same" in done.stdout
