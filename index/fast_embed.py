"""A torch-free embedder for BERT-style sentence-transformers models, for a fast cold start.

Importing sentence-transformers (and with it torch and transformers) costs seconds, while a
question needs one forward pass of a small encoder. `BertEmbedder` reads the model's own files
(`model.safetensors` with `safetensors.numpy`, `tokenizer.json` with `tokenizers`), looks up the
embeddings in numpy, runs the encoder layers on ONNX Runtime (`index/onnx_embed.py`) or, where that
is unavailable or fails, in numpy, and pools as the model's sentence-transformers recipe does (mean
of token states, then L2 normalisation), so its vectors match `SentenceTransformerEmbedder` to float
precision. `inspect_model` accepts only the layout it implements (a local folder with a
BERT encoder, absolute positions, GELU, mean pooling, optional Normalize); `query_embedder` falls
back to sentence-transformers for anything else.
"""

from __future__ import annotations

import json
import logging
import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.embed import DEFAULT_PASSAGE_ENCODER, Embedder, PassageEncoder, SentenceTransformerEmbedder, resolve_model
from index.errors import InputError

log = logging.getLogger(__name__)

SUPPORTED_MODULES = ("sentence_transformers.models.Transformer", "sentence_transformers.models.Pooling",
                     "sentence_transformers.models.Normalize")


@dataclass(frozen=True)
class BertSpec:
    """What the forward pass needs to know about a supported model folder."""

    folder: Path
    layers: int
    heads: int
    hidden: int
    eps: float
    max_tokens: int  # sentence-transformers' max_seq_length, special tokens included

    @property
    def dimension(self) -> int:
        return self.hidden


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _pooling_is_mean(folder: Path, modules: list[dict[str, Any]]) -> bool:
    pooling = [m for m in modules if m.get("type") == SUPPORTED_MODULES[1]]
    if len(pooling) != 1:
        return False
    config = _read_json(folder / str(pooling[0].get("path", "")) / "config.json") or {}
    modes = {k for k, v in config.items() if k.startswith("pooling_mode") and v is True}
    return modes == {"pooling_mode_mean_tokens"}


def _modules_supported(folder: Path) -> bool:
    modules = _read_json(folder / "modules.json")
    if not isinstance(modules, list) or not modules:
        return False
    types = [m.get("type") for m in modules if isinstance(m, dict)]
    if len(types) != len(modules) or any(t not in SUPPORTED_MODULES for t in types):
        return False
    transformer = [m for m in modules if m["type"] == SUPPORTED_MODULES[0]]
    return len(transformer) == 1 and transformer[0].get("path", "") == "" and _pooling_is_mean(folder, modules)


def _bert_config_supported(config: dict[str, Any]) -> bool:
    return (config.get("model_type") == "bert" and config.get("hidden_act") == "gelu"
            and config.get("position_embedding_type", "absolute") == "absolute"
            and int(config.get("hidden_size", 0)) % max(1, int(config.get("num_attention_heads", 0))) == 0)


def inspect_model(folder: Path) -> BertSpec | None:
    """The spec of a model folder this module can run exactly, or None (then use sentence-transformers)."""
    if not folder.is_dir() or not (folder / "model.safetensors").is_file() or not (folder / "tokenizer.json").is_file():
        return None
    config = _read_json(folder / "config.json")
    if not isinstance(config, dict) or not _bert_config_supported(config) or not _modules_supported(folder):
        return None
    st_config = _read_json(folder / "sentence_bert_config.json") or {}
    if st_config.get("do_lower_case"):  # an extra lower-casing step we do not replicate
        return None
    max_tokens = min(int(st_config.get("max_seq_length") or 512), int(config.get("max_position_embeddings", 512)))
    return BertSpec(folder, int(config["num_hidden_layers"]), int(config["num_attention_heads"]),
                    int(config["hidden_size"]), float(config.get("layer_norm_eps", 1e-12)), max_tokens)


def spec_for(name: str) -> BertSpec | None:
    """The spec for a model name or path (the default name maps to the bundled folder), or None."""
    try:
        return inspect_model(Path(resolve_model(name)))
    except (InputError, OSError):
        return None


def _erf(x: np.ndarray) -> np.ndarray:
    """erf to ~1e-7 (Abramowitz & Stegun 7.1.26 refined: Numerical Recipes erfc), numpy has none."""
    z = np.abs(x)
    t = 1.0 / (1.0 + 0.5 * z)
    poly = -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (
        -0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))))
    erfc = t * np.exp(poly)
    return np.where(x >= 0, 1.0 - erfc, erfc - 1.0).astype(x.dtype)


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + _erf(x * (1.0 / math.sqrt(2.0))))


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


class BertEmbedder:
    """Mean-pooled, normalised BERT sentence embeddings without torch: ONNX Runtime, else numpy.

    `precision` "int8" asks for the quantised encoder graph (the float graph, then numpy, when ONNX Runtime
    refuses it; `precision_used` says which ran). `threads` is ONNX Runtime's per call; `workers` > 1 runs
    that many batches at once, each on its own threads, instead of handing every product of one batch
    between threads (less CPU per text in two of three measurements, and wall time when cores are free;
    docs/ARCHIVE.md). Long passage lists only: a query is one batch.
    """

    def __init__(self, name: str, spec: BertSpec, accelerate: bool = True, precision: PassageEncoder = "float",
                 threads: int | None = None, workers: int = 1) -> None:
        self.name, self.spec, self.accelerate = name, spec, accelerate
        self.precision, self.threads, self.workers = precision, threads, max(1, workers)
        self.precision_used: str = "numpy"
        self._weights: dict[str, np.ndarray] | None = None
        self._numpy: dict[str, np.ndarray] | None = None
        self._tokenizer: Any = None
        self._encoder: Any = None  # index.onnx_embed.OnnxEncoder while it works
        self._errors: tuple[type[BaseException], ...] = ()

    @property
    def dimension(self) -> int:
        return self.spec.dimension

    @property
    def accelerated(self) -> bool:
        """Whether the encoder layers run on ONNX Runtime (decided on first use)."""
        self._load()
        return self._encoder is not None

    def _load(self) -> tuple[dict[str, np.ndarray], Any]:
        if self._weights is None:
            from safetensors.numpy import load_file
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(self.spec.folder / "tokenizer.json"))
            tokenizer.enable_truncation(max_length=self.spec.max_tokens)
            tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
            self._tokenizer = tokenizer
            self._weights = load_file(str(self.spec.folder / "model.safetensors"))
            if self.accelerate:
                from index.onnx_embed import ort_errors

                self._encoder, self._errors = self._session(self._weights), ort_errors()
        return self._weights, self._tokenizer

    def _session(self, weights: dict[str, np.ndarray]) -> Any:
        """The asked precision's ONNX session, else the float one, else None (numpy)."""
        from index.onnx_embed import onnx_encoder

        for precision in dict.fromkeys((self.precision, "float")):
            encoder = onnx_encoder(self.spec, weights, self.threads, precision)
            if encoder is not None:
                self.precision_used = precision
                return encoder
        return None

    def embed(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # similar lengths pad less
        batches = [order[start : start + batch_size] for start in range(0, len(order), batch_size)]
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        encoded = self._map(lambda rows: self._embed_batch([texts[i] for i in rows]), batches)
        for rows, vectors in zip(batches, encoded, strict=True):
            out[rows] = vectors
        return out

    def _map(self, embed: Any, batches: list[list[int]]) -> Any:
        """`embed` over the batches, `workers` at a time when ONNX Runtime runs them (it releases the GIL;
        the numpy pass limits BLAS to one thread process-wide, so it stays serial)."""
        self._load()
        if self.workers == 1 or len(batches) == 1 or self._encoder is None:
            return map(embed, batches)
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="speechqa-embed") as pool:
            return list(pool.map(embed, batches))

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        weights, tokenizer = self._load()
        encodings = tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.float32)
        states = self._encode(weights, ids, mask)
        summed = (states * mask[:, :, None]).sum(axis=1)
        pooled = summed / np.clip(mask.sum(axis=1, keepdims=True), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)

    def _encode(self, w: dict[str, np.ndarray], ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        length = ids.shape[1]
        x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:length]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.spec.eps)
        if self._encoder is not None:
            try:
                return self._encoder(x, mask)
            except self._errors as e:
                log.warning("ONNX Runtime failed (%s): using the numpy forward pass from now on", e)
                self._encoder = None
        return self._numpy_layers(w, x, mask)

    def _numpy_layers(self, w: dict[str, np.ndarray], x: np.ndarray, mask: np.ndarray) -> np.ndarray:
        if self._numpy is None:
            self._numpy = _transposed(w)
        bias = ((1.0 - mask) * -1e9)[:, None, None, :].astype(np.float32)  # padding gets no attention
        with _one_blas_thread():
            for layer in range(self.spec.layers):
                x = self._layer(self._numpy, f"encoder.layer.{layer}.", x, bias)
        return x

    def _layer(self, w: dict[str, np.ndarray], p: str, x: np.ndarray, bias: np.ndarray) -> np.ndarray:
        eps = self.spec.eps
        attended = self._attention(w, p + "attention.self.", x, bias)
        x = _layer_norm(_linear(w, p + "attention.output.dense", attended) + x,
                        w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"], eps)
        inner = _gelu(_linear(w, p + "intermediate.dense", x))
        return _layer_norm(_linear(w, p + "output.dense", inner) + x,
                           w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], eps)

    def _attention(self, w: dict[str, np.ndarray], p: str, x: np.ndarray, bias: np.ndarray) -> np.ndarray:
        batch, length, hidden = x.shape
        heads = self.spec.heads
        size = hidden // heads

        def split(name: str) -> np.ndarray:
            return _linear(w, p + name, x).reshape(batch, length, heads, size).transpose(0, 2, 1, 3)

        q, k, v = split("query"), split("key"), split("value")
        scores = q @ k.transpose(0, 1, 3, 2) * np.float32(1.0 / math.sqrt(size)) + bias
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        probs = scores / scores.sum(axis=-1, keepdims=True)
        return (probs @ v).transpose(0, 2, 1, 3).reshape(batch, length, hidden)


def _one_blas_thread() -> Any:
    """Query-sized matrices are too small to share: OpenBLAS's spinning worker threads cost ~10x the CPU
    (and far more wall time on a busy machine) for no speed-up."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def _transposed(weights: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each dense layer's weight as a contiguous (in, out) matrix, made once: multiplying by a transposed
    view costs about 1.6x as much on every query."""
    dense = [n for n in weights if n.endswith(".weight") and weights[n].ndim == 2 and "embeddings" not in n]
    out = {name: value for name, value in weights.items() if name not in dense}
    out.update({name[: -len(".weight")] + ".weight_t": np.ascontiguousarray(weights[name].T) for name in dense})
    return out


def _linear(w: dict[str, np.ndarray], name: str, x: np.ndarray) -> np.ndarray:
    flat = x.reshape(-1, x.shape[-1]) @ w[name + ".weight_t"] + w[name + ".bias"]  # one BLAS call
    return flat.reshape(*x.shape[:-1], flat.shape[-1])


def query_embedder(name: str) -> Embedder:
    """The fastest embedder that gives this model's exact vectors: torch-free when supported, else torch."""
    spec = spec_for(name)
    if spec is None:
        return SentenceTransformerEmbedder(name)
    return BertEmbedder(name, spec)


PASSAGE_WORKERS = 2  # batches encoded at once, one ONNX Runtime thread each: the machine's two cores


def passage_embedder(name: str, precision: PassageEncoder = DEFAULT_PASSAGE_ENCODER) -> Embedder:
    """The encoder for ingestion: the torch-free one on ONNX Runtime when it runs this model ("float": the same
    vectors as sentence-transformers to float precision; "int8": quantised dense layers, cheaper, measured by
    `speechqa bench`), batches in parallel, else sentence-transformers, which beats the numpy forward pass on
    long batches."""
    spec = spec_for(name)
    if spec is not None:
        embedder = BertEmbedder(name, spec, precision=precision, threads=1, workers=PASSAGE_WORKERS)
        if embedder.accelerated:
            return embedder
    return SentenceTransformerEmbedder(name)
