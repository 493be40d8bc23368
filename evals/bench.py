"""`speechqa bench`: SpeechQA against the LangChain tutorial pipeline, measured side by side in one run.

The peer is the canonical tutorial (split 1,000/200 with `RecursiveCharacterTextSplitter`, the same
bundled MiniLM through `HuggingFaceEmbeddings`, an in-process `langchain_chroma.Chroma`, a top-4
retriever), run as its own process. Measured: cold start to the first answer (ours: `speechqa ask`
on a built index) against the tutorial's process start to its first retrieval; warm latency;
ingestion throughput against raw `encode` of the same chunk texts in the same process; re-ingesting
an unchanged corpus; query latency as the index grows (past `max_real_chunks` the dense vectors are
random unit vectors, labelled "synthetic", while BM25 indexes the real texts); and the peak RSS of
`speechqa serve`. Wall and CPU seconds are both kept, because a shared machine's load moves wall time.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from evals.bench_parts import (
    SPEECH_QUESTIONS,
    build_synthetic,
    free_port,
    serve_peak_rss,
    summarize,
    tutorial_run,
)
from index.corpus import BUNDLED_SPEECH

REPO = Path(__file__).resolve().parents[1]
UNGDC = REPO.parent / "shared" / "corpus" / "external" / "ungdc_2014_2024"
SESSION = UNGDC / "session_78_2023"
SIZES = ("speech", "session", "corpus")
Progress = Callable[[str], None]


@dataclass(frozen=True)
class BenchConfig:
    work_dir: Path
    sizes: tuple[str, ...] = ("speech", "session")
    quick: bool = False
    ingest_docs: int = 20  # statements of session 78 for the throughput runs
    cold_runs: int = 3
    warm_rounds: int = 3
    max_real_chunks: int = 2000  # bigger indexes get synthetic dense vectors
    serve: bool = True

    @classmethod
    def quick_config(cls, work_dir: Path) -> BenchConfig:
        return cls(work_dir, sizes=("speech",), quick=True, ingest_docs=2, cold_runs=1, warm_rounds=1, serve=False)


def machine() -> dict[str, Any]:
    import psutil

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return {"nproc": os.cpu_count(), "cpu": cpu, "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "python": platform.python_version(), "load_average": list(os.getloadavg())}


class Clock:
    """Wall and CPU seconds (this process and its finished children) of a block."""

    def __enter__(self) -> Clock:
        self._wall, self._cpu = time.perf_counter(), _cpu_now()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall, self.cpu = time.perf_counter() - self._wall, _cpu_now() - self._cpu


def _cpu_now() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def child_env(**extra: str) -> dict[str, str]:
    return {**os.environ, "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False", "TOKENIZERS_PARALLELISM": "false",
            "TRANSFORMERS_VERBOSITY": "error", "HF_HUB_DISABLE_PROGRESS_BARS": "1", **extra}


def ingest(index_dir: Path, files: Sequence[Path], embedder: Any) -> list[Any]:
    from index.chroma import open_store
    from index.ingest import Ingestor

    return Ingestor(open_store(index_dir), embedder).ingest_paths(list(files))


def cold_ours(index_dir: Path, question: str, runs: int) -> dict[str, Any]:
    """`speechqa ask` in a fresh process on a built index: wall and CPU seconds to the printed answer."""
    walls, cpus = [], []
    for _ in range(runs):
        with Clock() as clock:
            done = subprocess.run([sys.executable, "-m", "ui", "ask", "--index-dir", str(index_dir), "--json",
                                   question], capture_output=True, text=True, env=child_env(), cwd=REPO, timeout=600)
        if done.returncode != 0:
            raise RuntimeError(f"speechqa ask failed: {done.stderr.strip()[-500:]}")
        walls.append(clock.wall)
        cpus.append(clock.cpu)
    return {"wall_s": summarize(walls), "cpu_s": summarize(cpus)}


def warm_ours(index_dir: Path, questions: Sequence[str], rounds: int, read_ahead: bool = True) -> dict[str, Any]:
    """Answer times once the model is loaded and, with `read_ahead`, every document read ahead of questions
    as `serve` does at start (`Assistant.read_ahead`); without it, first questions about a statement read it."""
    from rag.assistant import build_assistant
    from rag.settings import Settings

    assistant = build_assistant(Settings(index_dir=index_dir))
    assistant.ask(questions[0])  # loads the model weights and the BM25 index
    started = time.perf_counter()
    read = assistant.read_ahead() if read_ahead else 0
    ahead = {"read_ahead_documents": read, "read_ahead_s": time.perf_counter() - started}
    parts: dict[str, list[float]] = {"retrieve": [], "generate": [], "total": []}
    for _ in range(rounds):
        for question in questions:
            answer = assistant.ask(question)
            for key in parts:
                parts[key].append(answer.timings_ms[key])
    return {**{f"{key}_ms": summarize(values) for key, values in parts.items()}, **ahead}


def ingestion(work: Path, files: Sequence[Path]) -> dict[str, Any]:
    """Ingest vs raw sentence-transformers `encode` of the same chunk texts (bracketed: raw, ingest, raw), then
    re-ingest unchanged.

    Ingestion uses `passage_embedder` with the default passage encoder (int8 or float ONNX when it runs the
    model); its raw encode and the agreement of its vectors with sentence-transformers' (cosine per text, the
    least of them) are measured on the same texts. The raw runs encode all texts in one call (sorted by
    length) at the ingestor's batch size; a raw run at sentence-transformers' customary batch of 64 is kept
    beside it. `encoders` holds every passage encoder's row on the same texts (`evals.bench_encoders`).
    """
    import numpy as np

    from evals.bench_encoders import encoder_rows
    from index.chunk import chunk_document
    from index.embed import SentenceTransformerEmbedder
    from index.fast_embed import passage_embedder
    from index.ingest import EMBED_BATCH
    from index.parse import parse_file

    embedder = SentenceTransformerEmbedder()
    embedder.embed(["warm up the model"])
    fast = passage_embedder(embedder.name)
    fast.embed(["warm up the model"])
    texts = [c.text for path in files for c in chunk_document(parse_file(path))]
    with Clock() as raw_before:
        reference = embedder.embed(texts, batch_size=EMBED_BATCH)
    with Clock() as fast_raw:
        vectors = fast.embed(texts, batch_size=EMBED_BATCH)
    with Clock() as first:
        ingest(work / "ingest", files, fast)
    with Clock() as raw_after:
        embedder.embed(texts, batch_size=EMBED_BATCH)
    with Clock() as raw_64:
        embedder.embed(texts, batch_size=64)
    with Clock() as again:
        results = ingest(work / "ingest", files, passage_embedder(embedder.name))  # cold, as `speechqa ingest` is
    with Clock() as cli_again:
        subprocess.run([sys.executable, "-m", "ui", "ingest", "--index-dir", str(work / "ingest"), *map(str, files)],
                       capture_output=True, env=child_env(), cwd=REPO, timeout=600, check=True)
    raw_wall, raw_cpu = (raw_before.wall + raw_after.wall) / 2, (raw_before.cpu + raw_after.cpu) / 2
    cosine = (np.asarray(reference) * np.asarray(vectors)).sum(axis=1) if texts else np.ones(1)
    encoders = encoder_rows(embedder.name, texts)
    return {"documents": len(files), "chunks": len(texts), "encoders": encoders,
            "encoder": f"{type(fast).__name__} {getattr(fast, 'precision_used', '')}".strip(),
            "agreement_min_cosine": float(cosine.min()), "agreement_mean_cosine": float(cosine.mean()),
            "raw_encode": {"wall_s": raw_wall, "cpu_s": raw_cpu, "chunks_per_s": len(texts) / raw_wall,
                           "batch_size": EMBED_BATCH},
            "raw_encode_batch_64": {"wall_s": raw_64.wall, "cpu_s": raw_64.cpu,
                                    "chunks_per_s": len(texts) / raw_64.wall},
            "fast_encode": {"wall_s": fast_raw.wall, "cpu_s": fast_raw.cpu, "chunks_per_s": len(texts) / fast_raw.wall},
            "ingest": {"wall_s": first.wall, "cpu_s": first.cpu, "chunks_per_s": len(texts) / first.wall},
            "efficiency_wall": raw_wall / first.wall, "efficiency_cpu": raw_cpu / first.cpu,
            "reingest_unchanged": {"wall_s": again.wall, "cpu_s": again.cpu,
                                   "unchanged": sum(r.status.value == "unchanged" for r in results),
                                   "cli_wall_s": cli_again.wall},
            "reingest_speedup": first.wall / again.wall}


def size_files(size: str, quick: bool) -> list[Path]:
    if size == "speech":
        return [BUNDLED_SPEECH]
    if size == "session":
        return sorted(SESSION.glob("*.txt"))[: 10 if quick else None]
    return sorted(UNGDC.glob("session_*/*.txt"))


def growth_point(work: Path, size: str, config: BenchConfig, speech_index: Path, questions: Sequence[str]
                 ) -> dict[str, Any]:
    """Build (or reuse) the index for one size, then time warm answers on it."""
    from index.chunk import chunk_document
    from index.parse import parse_file

    files = size_files(size, config.quick)
    documents = [parse_file(p) for p in files]
    chunks = sum(len(chunk_document(d)) for d in documents)
    index_dir = speech_index if size == "speech" else work / f"grow-{size}"
    vectors = "real" if chunks <= config.max_real_chunks else "synthetic"
    with Clock() as build:
        if size != "speech" and vectors == "real":
            from index.embed import SentenceTransformerEmbedder

            ingest(index_dir, files, SentenceTransformerEmbedder())
        elif size != "speech":
            build_synthetic(index_dir, documents)
    with Clock() as first_open:
        warm = warm_ours(index_dir, questions, config.warm_rounds)
    return {"documents": len(documents), "paragraphs": sum(len(d.paragraphs) for d in documents), "chunks": chunks,
            "vectors": vectors, "build_s": build.wall, "open_and_measure_s": first_open.wall, **warm}


def targets(results: dict[str, Any]) -> dict[str, Any]:
    """The issue's targets as ratios measured in this run."""
    cold, peer = results["cold_start"]["speechqa"]["wall_s"]["p50"], results["cold_start"]["tutorial"]["first_s"]["p50"]
    warm = results["warm"]["speechqa"]["total_ms"]["p50"]
    peer_warm = results["warm"]["tutorial"]["retrieval_ms"]["p50"]
    out: dict[str, Any] = {
        "cold_ratio": {"value": cold / peer, "target": "<= 0.4"},
        "cold_cpu_ratio_vs_tutorial_exit": {"value": results["cold_start"]["speechqa"]["cpu_s"]["p50"]
                                            / results["cold_start"]["tutorial"]["cpu_s"]["p50"], "target": "<= 0.4"},
        "warm_speech_ratio": {"value": warm / peer_warm, "target": "<= 1.0"},
        "ingest_efficiency_wall": {"value": results["ingestion"]["efficiency_wall"], "target": ">= 0.9"},
        "ingest_efficiency_cpu": {"value": results["ingestion"]["efficiency_cpu"], "target": ">= 0.9"},
        "reingest_speedup": {"value": results["ingestion"]["reingest_speedup"], "target": ">= 20"},
    }
    encoders = results["ingestion"].get("encoders", {})
    if "float_vs_sentence_transformers" in encoders:  # float: the same vectors; int8: close on average
        out["float_passage_min_cosine"] = {"value": encoders["float_vs_sentence_transformers"]["min_cosine"],
                                           "target": ">= 0.999"}
        out["int8_passage_mean_cosine"] = {"value": encoders["int8_vs_float"]["mean_cosine"], "target": ">= 0.99"}
    largest = max(results["growth"].values(), key=lambda g: g["paragraphs"], default=None)
    if largest is not None and largest["paragraphs"] >= 100_000:
        out["warm_100k_ratio"] = {"value": largest["total_ms"]["p50"] / peer_warm, "target": "<= 3.0"}
    for item in out.values():
        bound = float(item["target"].split()[-1])
        item["met"] = item["value"] <= bound if item["target"].startswith("<=") else item["value"] >= bound
    return out


def run_bench(config: BenchConfig, progress: Progress = lambda _: None) -> dict[str, Any]:
    from index.embed import SentenceTransformerEmbedder, bundled_model_path

    work = config.work_dir
    work.mkdir(parents=True, exist_ok=True)
    questions = SPEECH_QUESTIONS[:8] if config.quick else SPEECH_QUESTIONS
    results: dict[str, Any] = {"machine": machine(), "config": {**asdict(config), "work_dir": str(work)}}
    progress("ingesting the speech")
    speech_index = work / "speech"
    ingest(speech_index, [BUNDLED_SPEECH], SentenceTransformerEmbedder())
    progress("cold start: speechqa ask, then the tutorial pipeline")
    ours = cold_ours(speech_index, questions[0], config.cold_runs)
    peer = tutorial_run(BUNDLED_SPEECH, bundled_model_path(), questions, config.cold_runs, config.warm_rounds,
                        child_env(), REPO, separate_warm=not config.quick)
    results["cold_start"] = {"speechqa": ours, "tutorial": {k: peer[k] for k in ("first_s", "exit_s", "cpu_s")}}
    progress("warm answers")
    results["warm"] = {"speechqa": warm_ours(speech_index, questions, config.warm_rounds),
                       "tutorial": {"retrieval_ms": peer["retrieval_ms"], "chunks": peer["chunks"]}}
    progress(f"ingestion throughput on {config.ingest_docs} statements")
    results["ingestion"] = ingestion(work, sorted(SESSION.glob("*.txt"))[: config.ingest_docs])
    results["growth"] = {}
    for size in config.sizes:
        progress(f"query latency at size '{size}'")
        results["growth"][size] = growth_point(work, size, config, speech_index, questions)
    if config.serve:
        progress("peak memory of speechqa serve")
        results["serve"] = serve_peak_rss(speech_index, questions[:3], free_port(), child_env(), REPO)
    results["targets"] = targets(results)
    results["machine"]["load_average_end"] = list(os.getloadavg())
    return results


def _fmt(value: float, unit: str) -> str:
    return f"{value:.2f} {unit}" if value < 100 else f"{value:.0f} {unit}"


def table(results: dict[str, Any]) -> str:
    """A plain-text summary of the JSON results."""
    cold, warm, ing = results["cold_start"], results["warm"], results["ingestion"]
    rows = [("cold start to first answer (p50)", _fmt(cold["speechqa"]["wall_s"]["p50"], "s"),
             _fmt(cold["tutorial"]["first_s"]["p50"], "s") + " (to first retrieval)"),
            ("warm answer p50 / p95", f"{_fmt(warm['speechqa']['total_ms']['p50'], 'ms')} / "
             f"{_fmt(warm['speechqa']['total_ms']['p95'], 'ms')}",
             f"{_fmt(warm['tutorial']['retrieval_ms']['p50'], 'ms')} / "
             f"{_fmt(warm['tutorial']['retrieval_ms']['p95'], 'ms')} (retrieval only)"),
            ("  retrieve / generate p50", f"{_fmt(warm['speechqa']['retrieve_ms']['p50'], 'ms')} / "
             f"{_fmt(warm['speechqa']['generate_ms']['p50'], 'ms')}", ""),
            (f"ingest {ing['chunks']} chunks", f"{ing['ingest']['chunks_per_s']:.1f} chunks/s",
             f"raw encode {ing['raw_encode']['chunks_per_s']:.1f} chunks/s (batch 64: "
             f"{ing.get('raw_encode_batch_64', ing['raw_encode'])['chunks_per_s']:.1f})"),
            ("  passage encoder (raw) / least cosine to s-t", f"{ing.get('encoder', '?')} "
             f"{ing.get('fast_encode', ing['raw_encode'])['chunks_per_s']:.1f} chunks/s",
             f"{ing.get('agreement_min_cosine', 1.0):.6f}"),
            ("re-ingest unchanged", _fmt(ing["reingest_unchanged"]["wall_s"], "s") +
             f" (CLI {_fmt(ing['reingest_unchanged']['cli_wall_s'], 's')})", "")]
    for size, g in results["growth"].items():
        rows.append((f"answer p50 at {size}: {g['paragraphs']:,} paragraphs ({g['vectors']})",
                     _fmt(g["total_ms"]["p50"], "ms"), f"p95 {_fmt(g['total_ms']['p95'], 'ms')}"))
    if "serve" in results:
        rows.append(("speechqa serve peak RSS", f"{results['serve'].get('peak_rss_mb', 0):.0f} MB",
                     results["serve"].get("note", "")))
    lines = [f"{'measure':<52} {'speechqa':<26} tutorial / note"]
    lines += [f"{a:<52} {b:<26} {c}" for a, b, c in rows]
    if "encoders" in ing:
        from evals.bench_encoders import table as encoder_table

        lines += ["", f"passage encoders on the same {ing['chunks']} chunks (one process, in this order)",
                  *encoder_table(ing["encoders"])]
    lines.append("")
    for name, t in results["targets"].items():
        lines.append(f"{name:<32} {t['value']:8.3f}  target {t['target']:<6} {'met' if t['met'] else 'NOT met'}")
    return "\n".join(lines)


def write_json(results: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2), encoding="utf-8")
