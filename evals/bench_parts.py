"""What `evals.bench` runs in other processes or builds in bulk: the tutorial, `speechqa serve`, synthetic indexes.

`TUTORIAL` is the LangChain RAG tutorial's indexing and retrieval, verbatim in spirit: load the text,
split 1,000/200, embed with `HuggingFaceEmbeddings` into an in-process `Chroma`, retrieve top 4. It
runs in a fresh interpreter so its cold start is measured the way a user meets it.
"""

from __future__ import annotations

import json
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from index.model import Document

GOLD = Path(__file__).resolve().parent / "data" / "speech_gold.jsonl"
SPEECH_QUESTIONS = [json.loads(line)["question"] for line in GOLD.read_text(encoding="utf-8").splitlines()
                    if line.strip()][:40]

TUTORIAL = r'''
import json, sys, time
start, path, model = float(sys.argv[1]), sys.argv[2], sys.argv[3]
questions, rounds = json.loads(sys.argv[4]), int(sys.argv[5])
from langchain_chroma import Chroma
from langchain_core.documents import Document
from langchain_huggingface import HuggingFaceEmbeddings
from langchain_text_splitters import RecursiveCharacterTextSplitter

docs = [Document(page_content=open(path, encoding="utf-8").read(), metadata={"source": path})]
splits = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(docs)
vectorstore = Chroma.from_documents(documents=splits, embedding=HuggingFaceEmbeddings(model_name=model))
retriever = vectorstore.as_retriever(search_type="similarity", search_kwargs={"k": 4})
retriever.invoke(questions[0])
first = time.time() - start
warm = []
for _ in range(rounds):
    for q in questions:
        t = time.perf_counter()
        retriever.invoke(q)
        warm.append((time.perf_counter() - t) * 1000)
print(json.dumps({"first_s": first, "retrieval_ms": warm, "chunks": len(splits)}))
'''


def summarize(values: Sequence[float]) -> dict[str, float]:
    """p50, p95, min, max and n of a sample (p95 by nearest rank)."""
    ordered = sorted(values)
    if not ordered:
        return {"n": 0}
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return {"n": len(ordered), "p50": statistics.median(ordered), "p95": p95, "min": ordered[0], "max": ordered[-1]}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tutorial_run(speech: Path, model: Path | None, questions: Sequence[str], runs: int, rounds: int,
                 env: dict[str, str], cwd: Path, separate_warm: bool = True) -> dict[str, Any]:
    """The tutorial from a cold process, `runs` times: time to first retrieval and to exit; then once more for
    `rounds` of warm retrievals, kept out of the cold runs' CPU seconds (unless `separate_warm` is off)."""
    import resource

    firsts, exits, cpus, warm, chunks = [], [], [], [], 0
    last = runs if separate_warm else runs - 1
    for run in range(last + 1):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start, wall = time.time(), time.perf_counter()
        done = subprocess.run([sys.executable, "-c", TUTORIAL, str(start), str(speech), str(model),
                               json.dumps(list(questions)), str(rounds if run == last else 0)],
                              capture_output=True, text=True, env=env, cwd=cwd, timeout=900)
        exited = time.perf_counter() - wall
        if done.returncode != 0:
            raise RuntimeError(f"the tutorial pipeline failed: {done.stderr.strip()[-800:]}")
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        out = json.loads(done.stdout.strip().splitlines()[-1])
        warm += out["retrieval_ms"]
        chunks = out["chunks"]
        if run == runs:  # the extra, warm-only run
            break
        firsts.append(out["first_s"])
        exits.append(exited)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return {"first_s": summarize(firsts), "exit_s": summarize(exits), "cpu_s": summarize(cpus),
            "retrieval_ms": summarize(warm), "chunks": chunks}


def build_synthetic(index_dir: Path, documents: Sequence[Document], seed: int = 7, batch: int = 4000) -> None:
    """A SpeechQA index of real documents and chunks whose dense vectors are random unit vectors.

    Retrieval latency depends on how many vectors there are, not on what they mean; this makes the
    100,000-paragraph point measurable without hours of embedding. Never use it for answers.
    """
    import numpy as np

    from index.chroma import open_store
    from index.chunk import ChunkerConfig, chunk_document
    from index.embed import DEFAULT_MODEL
    from index.ingest import ensure_manifest
    from index.manifest import Manifest

    store = open_store(index_dir)
    ensure_manifest(store, Manifest(DEFAULT_MODEL, 384, ChunkerConfig().version))
    rng = np.random.default_rng(seed)
    pending: list[Any] = []
    for position, document in enumerate(documents):
        pending += chunk_document(document)
        if len(pending) >= batch or position == len(documents) - 1:
            vectors = rng.standard_normal((len(pending), 384)).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            for start in range(0, len(pending), batch):
                store.upsert_chunks(pending[start : start + batch], vectors[start : start + batch])
            pending = []
    for document in documents:
        store.put_document(document)


def _sample_rss(pid: int, peak: list[float], stop: threading.Event) -> None:
    import psutil

    try:
        root = psutil.Process(pid)
        while not stop.is_set():
            total = sum(p.memory_info().rss for p in [root, *root.children(recursive=True)])
            peak[0] = max(peak[0], total / 2**20)
            time.sleep(0.1)
    except psutil.Error:  # the server exited
        return


def _wait_http(url: str, process: subprocess.Popen[bytes], limit_s: float = 300.0) -> float:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    started = time.perf_counter()
    while time.perf_counter() - started < limit_s and process.poll() is None:
        try:
            with opener.open(url, timeout=5):
                return time.perf_counter() - started
        except OSError:
            time.sleep(0.25)
    raise RuntimeError(f"speechqa serve did not answer on {url}")


def _ask_over_http(url: str, question: str) -> str:
    """One call of the app's `/ask` endpoint through Gradio's plain HTTP API (no gradio_client outside ui/)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    body = json.dumps({"data": [question, [], None, None]}).encode()  # every input: question, history, doc, where
    request = urllib.request.Request(f"{url}gradio_api/call/ask", data=body,
                                     headers={"Content-Type": "application/json"})
    with opener.open(request, timeout=300) as response:
        event = json.loads(response.read())["event_id"]
    with opener.open(f"{url}gradio_api/call/ask/{event}", timeout=300) as stream:
        text = stream.read().decode()
    if "event: complete" not in text:
        raise RuntimeError(f"/ask did not complete: {text[-300:]}")
    return text


READ_AHEAD_LINE = " ahead of questions in "  # what `serve` prints once every document is read ahead


def serve_peak_rss(index_dir: Path, questions: Sequence[str], port: int, env: dict[str, str],
                   cwd: Path, read_ahead_limit_s: float = 900.0) -> dict[str, Any]:
    """Peak RSS (server and children) of `speechqa serve` from start through a few answers over `/ask` and
    until it has read every document ahead of questions (its caches full)."""
    url = f"http://127.0.0.1:{port}/"
    env = {**env, "NO_PROXY": "127.0.0.1,localhost", "GRADIO_ANALYTICS_ENABLED": "False"}
    with tempfile.TemporaryFile("w+", encoding="utf-8") as said:
        process = subprocess.Popen([sys.executable, "-m", "ui", "serve", "--port", str(port), "--index-dir",
                                    str(index_dir)], stdout=subprocess.DEVNULL, stderr=said, env=env, cwd=cwd)
        peak, stop = [0.0], threading.Event()
        sampler = threading.Thread(target=_sample_rss, args=(process.pid, peak, stop), daemon=True)
        sampler.start()
        try:
            ready = _wait_http(url, process)
            started = time.perf_counter()
            for question in questions:
                _ask_over_http(url, question)
            answers = time.perf_counter() - started
            read = _wait_said(said, READ_AHEAD_LINE, process, read_ahead_limit_s)
        except Exception as e:  # a missing or broken `serve` is reported, not fatal to the other figures
            return {"note": f"not measured: {type(e).__name__}: {e}"[:300], "peak_rss_mb": 0.0}
        finally:
            stop.set()
            sampler.join(timeout=5)
            process.terminate()
            process.wait(timeout=30)
    return {"peak_rss_mb": peak[0], "page_ready_s": ready, "answers": len(questions), "answers_s": answers,
            "read_ahead": read, "note": f"server + children, through {len(questions)} answers over /ask and "
            "reading every document ahead"}


def _wait_said(said: Any, line: str, process: subprocess.Popen[bytes], limit_s: float) -> str:
    """The first line of the server's stderr that holds `line`, waiting for it up to `limit_s`."""
    started = time.perf_counter()
    while time.perf_counter() - started < limit_s and process.poll() is None:
        said.seek(0)
        found = next((text.strip() for text in said if line in text), None)
        if found:
            return found
        time.sleep(1.0)
    raise RuntimeError(f"speechqa serve did not say '{line}' within {limit_s:.0f} s")
