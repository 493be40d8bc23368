"""The passage encoder ingestion uses: int8 or float ONNX graphs, two batches at once, chosen by a setting.

The int8 graph (opt-in: it cost one item on two gold sets, docs/ARCHIVE.md) must stay close to the float
one on real UN chunks, as measured when it was evaluated, the parallel batches must give the serial vectors
in the texts' order, a graph ONNX Runtime refuses must fall back (int8 -> float -> sentence-transformers),
and a wrong SPEECHQA_PASSAGE_ENCODER must say what to set.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from index import onnx_embed
from index.chunk import chunk_document
from index.embed import DEFAULT_MODEL, SentenceTransformerEmbedder
from index.errors import InputError
from index.fast_embed import BertEmbedder, passage_embedder, spec_for
from index.parse import parse_file
from rag.settings import Settings, settings_from_env

SESSION = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "external" / "ungdc_2014_2024" / "session_78_2023"


def corpus_chunks(statements: int = 3) -> list[str]:
    files = sorted(SESSION.glob("*.txt"))[:statements]
    return [c.text for path in files for c in chunk_document(parse_file(path))]


def float_serial() -> BertEmbedder:
    spec = spec_for(DEFAULT_MODEL)
    assert spec is not None
    return BertEmbedder(DEFAULT_MODEL, spec)


def test_quantised_columns_reconstruct_each_weight_within_half_a_step() -> None:
    weight = np.random.default_rng(7).standard_normal((96, 64)).astype(np.float32) * np.linspace(0.01, 3, 96)[:, None]
    q, scale = onnx_embed.quantize_columns(weight)  # (out, in) -> (in, out) int8, one scale per output
    assert q.dtype == np.int8 and q.shape == (64, 96) and scale.shape == (96,)
    assert np.abs(q).max(axis=0).min() == onnx_embed.INT8_MAX  # every column uses the whole range
    assert np.all(np.abs(q.astype(np.float32) * scale - weight.T) <= scale / 2 + 1e-7)


def test_the_passage_encoder_setting_defaults_to_float_and_names_itself_when_wrong() -> None:
    assert settings_from_env({}).passage_encoder == Settings().passage_encoder == "float"
    assert settings_from_env({"SPEECHQA_PASSAGE_ENCODER": "int8"}).passage_encoder == "int8"
    with pytest.raises(InputError, match="SPEECHQA_PASSAGE_ENCODER must be one of float, int8, got 'fp16'"):
        settings_from_env({"SPEECHQA_PASSAGE_ENCODER": "fp16"})


@pytest.mark.slow
def test_int8_passages_stay_close_to_the_float_vectors_on_real_chunks() -> None:
    texts = corpus_chunks()
    int8 = passage_embedder(DEFAULT_MODEL, "int8")
    assert isinstance(int8, BertEmbedder) and int8.precision_used == "int8"
    cosine = (int8.embed(texts, batch_size=16) * float_serial().embed(texts, batch_size=16)).sum(axis=1)
    # Measured on 1,249 chunks of session 78: least 0.973 (one-word sentences such as "Indeed."), mean 0.9935.
    assert len(texts) > 100 and cosine.mean() >= 0.99 and cosine.min() >= 0.96
    assert (cosine >= 0.99).mean() >= 0.9


@pytest.mark.slow
def test_two_batches_at_once_give_the_serial_vectors_in_order() -> None:
    texts = corpus_chunks(1)[:70]
    parallel = passage_embedder(DEFAULT_MODEL, "float")
    assert isinstance(parallel, BertEmbedder) and parallel.workers == 2
    vectors = parallel.embed(texts, batch_size=8)  # several batches, finishing in any order
    assert (vectors * float_serial().embed(texts, batch_size=8)).sum(axis=1).min() > 0.99999


@pytest.mark.slow
def test_a_refused_int8_graph_falls_back_to_the_float_graph(monkeypatch: pytest.MonkeyPatch,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    real = onnx_embed.graph_bytes

    def refuse_int8(spec, weights, precision="float"):  # type: ignore[no-untyped-def]
        return b"\x08\x07 not a model" if precision == "int8" else real(spec, weights, precision)

    monkeypatch.setattr(onnx_embed, "graph_bytes", refuse_int8)
    with caplog.at_level(logging.WARNING, logger="index.onnx_embed"):
        embedder = passage_embedder(DEFAULT_MODEL, "int8")
    assert isinstance(embedder, BertEmbedder) and embedder.precision_used == "float"
    assert "as int8" in caplog.text
    texts = corpus_chunks(1)[:5]
    assert (embedder.embed(texts) * float_serial().embed(texts)).sum(axis=1).min() > 0.99999


def test_when_onnx_runtime_refuses_every_graph_ingestion_uses_sentence_transformers(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(onnx_embed, "graph_bytes", lambda spec, weights, precision="float": b"\x08\x07 not a model")
    assert isinstance(passage_embedder(DEFAULT_MODEL, "int8"), SentenceTransformerEmbedder)
