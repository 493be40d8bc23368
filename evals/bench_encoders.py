"""Passage encoders side by side in one process on the same chunk texts: the ingestion rows of `speechqa bench`.

Rows: sentence-transformers `encode` (batch 16 and 64), the float ONNX graph as queries run it (one batch at a
time on two ONNX threads, the passage path before int8), the float and int8 ONNX graphs as `passage_embedder`
runs them (two batches at once, one thread each), and int8 at other batch sizes. Each row keeps wall and CPU
seconds: on a shared machine wall time moves with the others' load, CPU per chunk much less. The vectors'
agreement (least and mean cosine per text) is kept for float against sentence-transformers and int8 against
float. Every call sorts its texts by length first, as the ingestor does across documents.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

BATCH_SIZES = (16, 32, 64)


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def timed(encode: Callable[[list[str], int], np.ndarray], texts: list[str], batch_size: int
          ) -> tuple[dict[str, float], np.ndarray]:
    """One encode of all `texts`: wall and CPU seconds, chunks per second of each, and the vectors."""
    wall, cpu = time.perf_counter(), _cpu()
    vectors = np.asarray(encode(texts, batch_size))
    wall, cpu = time.perf_counter() - wall, _cpu() - cpu
    row = {"batch_size": batch_size, "wall_s": wall, "cpu_s": cpu, "chunks_per_s": len(texts) / wall,
           "chunks_per_cpu_s": len(texts) / max(cpu, 1e-9)}
    return row, vectors


def agreement(vectors: np.ndarray, reference: np.ndarray) -> dict[str, float]:
    """Least and mean cosine per text (both sets are L2-normalised)."""
    cosine = (vectors * reference).sum(axis=1) if len(vectors) else np.ones(1)
    return {"min_cosine": float(cosine.min()), "mean_cosine": float(cosine.mean()),
            "share_below_0_99": float((cosine < 0.99).mean())}


def encoders(name: str) -> dict[str, Any]:
    """The encoders compared, by row name, each warmed up (model loaded, session made) before timing."""
    from index.embed import SentenceTransformerEmbedder
    from index.fast_embed import BertEmbedder, passage_embedder, spec_for

    spec = spec_for(name)
    found: dict[str, Any] = {"sentence_transformers": SentenceTransformerEmbedder(name)}
    if spec is not None:
        found["onnx_float_serial"] = BertEmbedder(name, spec)  # queries' settings: 2 ONNX threads, one batch
        found["onnx_float"] = passage_embedder(name, "float")
        found["onnx_int8"] = passage_embedder(name, "int8")
    for embedder in found.values():
        embedder.embed(["warm up the model"])
    return found


def encoder_rows(name: str, texts: Sequence[str], batch_sizes: Sequence[int] = BATCH_SIZES) -> dict[str, Any]:
    """Every encoder on the same texts in this process: rows of timings and the vectors' agreement."""
    found, texts = encoders(name), list(texts)
    rows: dict[str, Any] = {}
    vectors: dict[str, np.ndarray] = {}
    plan = [("sentence_transformers", 16), ("sentence_transformers", 64), ("onnx_float_serial", 16),
            ("onnx_float", 16), *(("onnx_int8", size) for size in batch_sizes)]
    for key, size in plan:
        if key in found:
            rows[f"{key}_batch{size}"], vectors[f"{key}_{size}"] = timed(found[key].embed, texts, size)
    out: dict[str, Any] = {"chunks": len(texts), "rows": rows,
                           "int8_encoder": getattr(found.get("onnx_int8"), "precision_used", "absent")}
    if "onnx_float_16" in vectors:
        out["float_vs_sentence_transformers"] = agreement(vectors["onnx_float_16"], vectors["sentence_transformers_16"])
        out["int8_vs_float"] = agreement(vectors["onnx_int8_16"], vectors["onnx_float_16"])
    return out


def table(encoders: dict[str, Any]) -> list[str]:
    """Lines for `speechqa bench`'s summary: one per row, then the agreement."""
    rows = encoders["rows"]
    base = rows.get("onnx_float_serial_batch16") or next(iter(rows.values()))
    lines = [f"  {'encoder (batch)':<36} {'chunks/s':>9} {'chunks/CPU s':>13} {'CPU s':>8} {'CPU vs float serial':>20}"]
    for key, row in rows.items():
        lines.append(f"  {key:<36} {row['chunks_per_s']:9.1f} {row['chunks_per_cpu_s']:13.1f} {row['cpu_s']:8.1f} "
                     f"{base['cpu_s'] / max(row['cpu_s'], 1e-9):19.2f}x")
    for key in ("float_vs_sentence_transformers", "int8_vs_float"):
        if key in encoders:
            a = encoders[key]
            lines.append(f"  cosine {key}: least {a['min_cosine']:.5f}, mean {a['mean_cosine']:.5f}, "
                         f"{a['share_below_0_99']:.1%} below 0.99")
    return lines
