"""The torch-free query embedder gives the model's own vectors, is used only where it is exact, and keeps torch out.

Vectors are compared with the bundled model run by sentence-transformers (the session `embedder`) on
real UN General Debate paragraphs, including ones longer than the model's 256 word pieces, which
must be truncated the same way, an empty and a blank text and non-Latin scripts; both forward passes
(ONNX Runtime, and the numpy one it falls back to) must match. Folders it cannot run exactly must
fall back to sentence-transformers. The ONNX Runtime fallbacks are in tests/test_onnx_embed.py.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from index.embed import DEFAULT_MODEL, SentenceTransformerEmbedder, bundled_model_path
from index.fast_embed import BertEmbedder, inspect_model, query_embedder, spec_for

REPO = Path(__file__).resolve().parents[1]
SESSION = REPO.parent / "shared" / "corpus" / "external" / "ungdc_2014_2024" / "session_78_2023"


def real_paragraphs() -> list[str]:
    """Two paragraphs from each of five statements, the two longest of forty, and a short question."""
    texts: list[str] = []
    every: list[str] = []
    for number, path in enumerate(sorted(SESSION.glob("*.txt"))[:40]):
        paragraphs = [p.strip() for p in path.read_text(encoding="utf-8").splitlines() if p.strip()]
        texts += paragraphs[1:3] if number < 5 else []
        every += paragraphs
    longest = sorted(every, key=len)[-2:]
    return [*texts, *longest, "", "   ", "Ça coûte 5 € à Genève — 北京, Кыргызстан 🙂",
            "What does the statement say about Haiti?"]


@pytest.fixture(scope="module", params=["onnxruntime", "numpy"])
def fast(request: pytest.FixtureRequest) -> BertEmbedder:
    spec = spec_for(DEFAULT_MODEL)
    assert spec is not None
    embedder = BertEmbedder(DEFAULT_MODEL, spec, accelerate=request.param == "onnxruntime")
    assert embedder.accelerated == (request.param == "onnxruntime")
    return embedder


def test_questions_get_the_onnx_runtime_forward_pass() -> None:
    chosen = query_embedder(DEFAULT_MODEL)
    assert isinstance(chosen, BertEmbedder) and chosen.accelerated


def test_the_bundled_model_is_supported_with_its_own_settings() -> None:
    spec = spec_for(DEFAULT_MODEL)
    assert spec is not None
    assert (spec.layers, spec.heads, spec.dimension, spec.max_tokens) == (6, 12, 384, 256)


@pytest.mark.slow
def test_vectors_match_sentence_transformers_on_real_paragraphs(fast: BertEmbedder, embedder) -> None:
    texts = real_paragraphs()
    _, tokenizer = fast._load()
    lengths = [len(tokenizer.encode(t).ids) for t in texts]
    assert max(lengths) == 256 and sum(n == 256 for n in lengths) >= 2  # truncation is exercised
    reference = embedder.embed(texts)
    mine = fast.embed(texts)
    assert mine.shape == reference.shape == (len(texts), 384) and mine.dtype == np.float32
    assert np.allclose(np.linalg.norm(mine, axis=1), 1.0, atol=1e-5)
    cosines = (mine * reference).sum(axis=1)
    assert cosines.min() > 0.9999, cosines
    assert np.allclose(fast.embed_query(texts[-1]), reference[-1], atol=1e-4)


def test_batching_does_not_change_vectors(fast: BertEmbedder) -> None:
    texts = real_paragraphs()[:6]
    together = fast.embed(texts, batch_size=4)
    alone = np.stack([fast.embed_query(t) for t in texts])
    assert np.allclose(together, alone, atol=1e-5)
    assert fast.embed([]).shape == (0, 384)


def copy_model(tmp_path: Path) -> Path:
    source = bundled_model_path()
    assert source is not None
    target = tmp_path / "model"
    shutil.copytree(source, target)
    return target


def edit_json(path: Path, **changes: object) -> None:
    data = json.loads(path.read_text())
    data.update(changes)
    path.write_text(json.dumps(data))


def test_a_copy_of_the_bundled_folder_is_supported(tmp_path: Path) -> None:
    folder = copy_model(tmp_path)
    assert isinstance(query_embedder(str(folder)), BertEmbedder)


@pytest.mark.parametrize("change", ["cls pooling", "dense layer", "no safetensors", "gelu_new activation",
                                    "relative positions", "lower-casing step"])
def test_models_it_cannot_run_exactly_fall_back_to_sentence_transformers(tmp_path: Path, change: str) -> None:
    folder = copy_model(tmp_path)
    if change == "cls pooling":
        edit_json(folder / "1_Pooling" / "config.json", pooling_mode_cls_token=True, pooling_mode_mean_tokens=False)
    elif change == "dense layer":
        modules = json.loads((folder / "modules.json").read_text())
        modules.insert(2, {"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"})
        (folder / "modules.json").write_text(json.dumps(modules))
    elif change == "no safetensors":
        (folder / "model.safetensors").unlink()
    elif change == "gelu_new activation":
        edit_json(folder / "config.json", hidden_act="gelu_new")
    elif change == "relative positions":
        edit_json(folder / "config.json", position_embedding_type="relative_key")
    else:
        edit_json(folder / "sentence_bert_config.json", do_lower_case=True)
    assert inspect_model(folder) is None
    chosen = query_embedder(str(folder))
    assert isinstance(chosen, SentenceTransformerEmbedder) and chosen.name == str(folder)


def test_unknown_model_names_fall_back_without_loading_anything() -> None:
    chosen = query_embedder("intfloat/e5-small-v2")
    assert isinstance(chosen, SentenceTransformerEmbedder)
    assert chosen._model is None


def test_the_dimension_is_read_from_the_model_files_without_loading_it() -> None:
    embedder = SentenceTransformerEmbedder()
    assert embedder.dimension == 384
    assert embedder._model is None


PROBE = """
import sys
from rag.assistant import build_assistant
from rag.settings import Settings
answer = build_assistant(Settings(index_dir=__import__("pathlib").Path(sys.argv[1]))).ask("What about Haiti?")
heavy = sorted(m for m in ("torch", "sentence_transformers", "transformers") if m in sys.modules)
print(answer.citations[0].paragraph, ",".join(heavy) or "none")
"""


@pytest.mark.slow
def test_answering_from_a_built_index_never_imports_torch(speech_index: Path) -> None:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-c", PROBE, str(speech_index)], capture_output=True, text=True, env=env,
                          cwd=REPO, timeout=300)
    assert done.returncode == 0, done.stderr
    paragraph, heavy = done.stdout.split()
    assert paragraph == "7"  # the Haiti paragraph, as with sentence-transformers
    assert heavy == "none"
