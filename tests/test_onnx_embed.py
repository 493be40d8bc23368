"""ONNX Runtime speeds up the query forward pass but never decides whether a question gets answered.

Its weights always come from the model folder being loaded (a copy with changed weights gives that
copy's vectors), and when ONNX Runtime is missing, refuses the graph or fails while running, the
embedder logs it and gives the same vectors from the numpy forward pass.
"""

from __future__ import annotations

import logging
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

from index import onnx_embed
from index.embed import DEFAULT_MODEL, bundled_model_path
from index.fast_embed import BertEmbedder, inspect_model, spec_for

TEXTS = ["What does the statement say about Haiti?", "Which anniversary does this year mark?",
         "The Council must act. " * 40]  # the last one pads the batch and is truncated at 256 word pieces


def embedder(accelerate: bool = True, folder: Path | None = None) -> BertEmbedder:
    spec = inspect_model(folder) if folder is not None else spec_for(DEFAULT_MODEL)
    assert spec is not None
    return BertEmbedder(str(folder or DEFAULT_MODEL), spec, accelerate=accelerate)


@pytest.fixture(scope="module")
def numpy_vectors() -> np.ndarray:
    return embedder(accelerate=False).embed(TEXTS)


def test_onnx_runtime_gives_the_numpy_vectors_in_a_padded_batch(numpy_vectors: np.ndarray) -> None:
    fast = embedder()
    assert fast.accelerated
    vectors = fast.embed(TEXTS)
    assert vectors.dtype == np.float32 and vectors.shape == (3, 384)
    assert (vectors * numpy_vectors).sum(axis=1).min() > 0.99999


def test_without_onnx_runtime_the_numpy_pass_answers(monkeypatch: pytest.MonkeyPatch,
                                                     numpy_vectors: np.ndarray) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import onnxruntime now raises ImportError
    fallback = embedder()
    assert not fallback.accelerated
    assert np.allclose(fallback.embed(TEXTS), numpy_vectors, atol=1e-6)


def test_a_graph_onnx_runtime_refuses_is_logged_and_the_numpy_pass_answers(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, numpy_vectors: np.ndarray) -> None:
    monkeypatch.setattr(onnx_embed, "graph_bytes", lambda spec, weights, precision="float": b"\x08\x07 not a model")
    with caplog.at_level(logging.WARNING, logger="index.onnx_embed"):
        fallback = embedder()
        assert not fallback.accelerated
    assert "numpy forward pass" in caplog.text
    assert np.allclose(fallback.embed(TEXTS), numpy_vectors, atol=1e-6)


class FailingSession:
    def run(self, *args: object) -> object:
        from onnxruntime.capi.onnxruntime_pybind11_state import Fail

        raise Fail("simulated kernel failure")


def test_a_failure_while_running_switches_to_numpy_for_good(caplog: pytest.LogCaptureFixture,
                                                             numpy_vectors: np.ndarray) -> None:
    fast = embedder()
    assert fast.accelerated
    fast._encoder._session = FailingSession()
    with caplog.at_level(logging.WARNING, logger="index.fast_embed"):
        vectors = fast.embed(TEXTS)
    assert "simulated kernel failure" in caplog.text and not fast.accelerated
    assert np.allclose(vectors, numpy_vectors, atol=1e-6)


def test_weights_come_from_the_folder_being_loaded(tmp_path: Path, numpy_vectors: np.ndarray) -> None:
    source = bundled_model_path()
    assert source is not None
    folder = tmp_path / "model"
    shutil.copytree(source, folder)
    weights = load_file(str(folder / "model.safetensors"))
    name = "encoder.layer.3.intermediate.dense.weight"
    weights[name] = weights[name] * np.float32(0.5)
    save_file(weights, str(folder / "model.safetensors"))
    changed_fast, changed_numpy = embedder(folder=folder), embedder(accelerate=False, folder=folder)
    assert changed_fast.accelerated
    vectors = changed_fast.embed(TEXTS)
    assert (vectors * changed_numpy.embed(TEXTS)).sum(axis=1).min() > 0.99999  # the copy's own vectors
    assert (vectors * numpy_vectors).sum(axis=1).max() < 0.999  # not the bundled model's


def test_the_graph_holds_structure_only() -> None:
    spec = spec_for(DEFAULT_MODEL)
    assert spec is not None
    weights = onnx_embed.layer_weights(load_file(str(spec.folder / "model.safetensors")), spec.layers)
    assert len(onnx_embed.graph_bytes(spec, weights)) < 100_000  # the 86 MB of weights are handed over
