"""The `speechqa reliability` subcommand: crash trials, bad inputs and a load trial, written to docs/RELIABILITY.md.

The load trial starts the real `speechqa serve` in a subprocess on a free loopback port and holds
32 conversations at once through `gradio_client`, one client (one browser session) each: every
conversation asks a question and a follow-up through `/chat` (the session's own history) and
through `/ask` (history passed explicitly). tests/test_load.py runs the same trial and checks every
answer against `Assistant.ask`; the command records latency percentiles and the server's memory.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CONVERSATIONS = (
    ("What does the statement say about Haiti?", "And what should be done about that?"),
    ("What does it propose to fight drug trafficking?", "And what about cooperation between countries?"),
    ("Who delivered this statement, and when?", "What else does he say about the Security Council?"),
)


def register(sub: Any) -> None:
    """Add `reliability` to the `speechqa` parser."""
    cmd = sub.add_parser("reliability", help="kill ingests at random, feed bad inputs, hold 32 users; write figures")
    cmd.add_argument("--out", type=Path, default=Path("docs/RELIABILITY.md"), help="Markdown report to write")
    cmd.add_argument("--conversations", type=int, default=32, help="concurrent conversations in the load trial")
    cmd.set_defaults(handler=cmd_reliability)


def cmd_reliability(args: argparse.Namespace) -> int:
    from evals.reliability import run_reliability

    load = measure_load(args.conversations)
    figures = run_reliability(args.out, load)
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    return 0 if not figures["crash_problems"] and not figures["input_failures"] and not load["load_errors"] else 1


@dataclass(frozen=True)
class Turn:
    """One question of one conversation as the server answered it."""

    conversation: int
    question: str
    history: tuple[dict[str, str], ...]  # what the question was asked with
    user_turns: tuple[str, ...]  # the user messages the session's chat shows after this turn
    chat_answer: str  # the last assistant message of the chat (HTML)
    asked: dict[str, Any]  # the `/ask` answer object
    latencies_s: tuple[float, float]  # /chat, /ask


@dataclass(frozen=True)
class LoadResult:
    turns: list[Turn]
    errors: list[str]
    unfinished: int
    rss_before_mb: float
    rss_after_mb: float

    def latencies(self) -> list[float]:
        return sorted(s for t in self.turns for s in t.latencies_s)

    def figures(self, conversations: int) -> dict[str, Any]:
        lat = self.latencies()
        pct = statistics.quantiles(lat, n=100, method="inclusive") if len(lat) > 1 else lat * 99
        return {"load_conversations": conversations, "load_requests": len(lat), "load_p50_s": round(pct[49], 3),
                "load_p95_s": round(pct[94], 3), "load_max_s": round(lat[-1], 3) if lat else None,
                "load_errors": self.errors + [f"{self.unfinished} conversations unfinished"] * bool(self.unfinished),
                "rss_before_mb": self.rss_before_mb, "rss_after_mb": self.rss_after_mb}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(index_dir: Path, log: Path, env: dict[str, str] | None = None,
            options: Sequence[str] = ()) -> Iterator[tuple[str, int]]:
    """`speechqa serve [options]` on a free port, reached through loopback (in `env`, the whole environment,
    when given); yields its URL and process id, and stops it on exit."""
    import httpx

    port = free_port()
    env = env or {**os.environ, "HF_HUB_OFFLINE": "1", "NO_PROXY": "127.0.0.1,localhost",
                  "GRADIO_ANALYTICS_ENABLED": "False", "ANONYMIZED_TELEMETRY": "False"}
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "ui", "serve", "--port", str(port), "--index-dir",
                                 str(index_dir), *options], env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_for(url, proc, httpx)
        yield url, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)


def _wait_for(url: str, proc: subprocess.Popen[bytes], httpx: Any) -> None:
    for _ in range(240):
        if proc.poll() is not None:
            raise RuntimeError(f"speechqa serve exited with {proc.returncode}")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.5)
    raise RuntimeError(f"speechqa serve did not answer at {url}")


def converse(url: str, number: int) -> list[Turn]:
    """One user: a question and a follow-up, each through `/chat` (session state) and `/ask` (explicit history)."""
    from gradio_client import Client

    client, history, turns = Client(url, verbose=False), list[dict[str, str]](), list[Turn]()
    for question in CONVERSATIONS[number % len(CONVERSATIONS)]:
        started = time.monotonic()
        chat = client.predict(question, "", "extractive", 5, "", api_name="/chat")[0]
        chat_s = time.monotonic() - started
        asked = client.predict(question, history, api_name="/ask")
        ask_s = time.monotonic() - started - chat_s
        turns.append(Turn(number, question, tuple(history), tuple(_text(m) for m in chat if m["role"] == "user"),
                          _text(chat[-1]), asked, (chat_s, ask_s)))
        history = [*history, {"role": "user", "content": question}, {"role": "assistant", "content": asked["answer"]}]
    return turns


def _text(message: dict[str, Any]) -> str:
    content = message["content"]
    return str(content[0]["text"] if isinstance(content, list) else content)


def load_trial(url: str, pid: int, conversations: int = 32, deadline_s: float = 600) -> LoadResult:
    """Run `conversations` users at once, one thread and one client each; gives up after `deadline_s`."""
    import psutil

    converse(url, 0)  # warm up: the model loads in the background after the port opens
    server = psutil.Process(pid)
    before = server.memory_info().rss / 2**20
    pool = ThreadPoolExecutor(max_workers=conversations, thread_name_prefix="user")
    futures = [pool.submit(converse, url, n) for n in range(conversations)]
    done, pending = wait(futures, timeout=deadline_s)
    pool.shutdown(wait=False, cancel_futures=True)
    after = server.memory_info().rss / 2**20
    turns, errors = [], []
    for future in done:
        if future.exception() is not None:
            errors.append(f"{type(future.exception()).__name__}: {future.exception()}")
        else:
            turns += future.result()
    return LoadResult(turns, errors, len(pending), round(before, 1), round(after, 1))


def wrong_answers(result: LoadResult, assistant: Any) -> list[str]:
    """Turns whose answers differ from what `assistant` gives for the same question and history."""
    from ui.render import answer_html

    problems = []
    for t in result.turns:
        expected = assistant.ask(t.question, list(t.history))
        shown = CONVERSATIONS[t.conversation % len(CONVERSATIONS)][:len(t.history) // 2 + 1]
        if _comparable(t.asked) != _comparable(expected.to_dict()):
            problems.append(f"conversation {t.conversation}: /ask answered {t.question!r} differently")
        if t.chat_answer != answer_html(expected, len(t.history) // 2) or t.user_turns != shown:
            problems.append(f"conversation {t.conversation}: /chat showed another answer or history")
    return problems


def _comparable(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if k != "timings_ms"}


def measure_load(conversations: int = 32) -> dict[str, Any]:
    """The load trial against a fresh index of the bundled speech, answers checked in-process."""
    import tempfile

    from index.chroma import open_store
    from index.corpus import BUNDLED_SPEECH
    from index.embed import SentenceTransformerEmbedder
    from index.ingest import Ingestor
    from rag.assistant import build_assistant
    from rag.settings import Settings

    with tempfile.TemporaryDirectory(prefix="speechqa-load-") as work:
        index_dir = Path(work) / "index"
        Ingestor(open_store(index_dir), SentenceTransformerEmbedder()).ingest_paths([BUNDLED_SPEECH])
        with serving(index_dir, Path(work) / "serve.log") as (url, pid):
            result = load_trial(url, pid, conversations)
        figures = result.figures(conversations)
        figures["load_errors"] += wrong_answers(result, build_assistant(Settings(index_dir=index_dir)))
    return figures
