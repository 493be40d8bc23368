"""SpeechQA against a real Chroma server (`chroma run` on a free loopback port) instead of embedded Chroma.

The same ingest must give the same manifest, idempotence and answers as the embedded store; an
unreachable server and a server that stops mid-session must be one clear error, never a hang or an
httpx traceback.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from index.chroma import open_store
from index.chunk import ChunkerConfig
from index.corpus import BUNDLED_SPEECH
from index.embed import DEFAULT_MODEL
from index.errors import IndexMismatchError, StoreError
from index.ingest import Ingestor, Status
from index.manifest import Manifest

REPO = Path(__file__).resolve().parents[1]
CHROMA = Path(sys.executable).parent / "chroma"
QUESTIONS = ("What does it say about Haiti?", "What is said about the Red Sea?", "Who is the speaker?")

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ChromaServer:
    """A `chroma run` child process on a free loopback port, stopped by `stop()`."""

    def __init__(self, path: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        log = (path.parent / f"{path.name}.log").open("w")
        self.process = subprocess.Popen([str(CHROMA), "run", "--path", str(path), "--host", "127.0.0.1",
                                         "--port", str(self.port)], stdout=log, stderr=subprocess.STDOUT)
        self._wait_until_up()

    def _wait_until_up(self, limit_s: float = 90.0) -> None:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        deadline = time.monotonic() + limit_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"chroma run exited with {self.process.returncode}")
            try:
                with opener.open(f"{self.url}/api/v2/heartbeat", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"chroma run did not answer on {self.url} within {limit_s:.0f} s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    running = ChromaServer(tmp_path_factory.mktemp("chroma-server") / "db")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def server_index(server: ChromaServer, embedder, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled speech ingested into the server; the returned dir holds only the local BM25 cache."""
    local = tmp_path_factory.mktemp("server-local")
    (result,) = Ingestor(open_store(local, server.url), embedder).ingest_paths([BUNDLED_SPEECH])
    assert result.status is Status.ADDED
    return local


def cli(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "ui", *args], capture_output=True, text=True, env=full, cwd=REPO,
                          timeout=timeout)


def test_the_server_holds_the_same_manifest_and_documents(server: ChromaServer, server_index: Path,
                                                          speech_index: Path) -> None:
    remote, local = open_store(server_index, server.url), open_store(speech_index)
    assert remote.manifest() == local.manifest() == Manifest(DEFAULT_MODEL, 384, ChunkerConfig().version)
    assert remote.documents() == local.documents()
    assert remote.where == server.url


def test_ingesting_again_into_the_server_changes_nothing(server: ChromaServer, server_index: Path, embedder) -> None:
    store = open_store(server_index, server.url)
    before = sorted(store._chunks.get(include=[])["ids"])
    (result,) = Ingestor(store, embedder).ingest_paths([BUNDLED_SPEECH])
    assert result.status is Status.UNCHANGED and result.embedded == 0
    assert sorted(open_store(server_index, server.url)._chunks.get(include=[])["ids"]) == before


def test_another_model_is_refused_by_the_server_index(server: ChromaServer, server_index: Path) -> None:
    class OtherModel:
        name, dimension = "intfloat/e5-small-v2", 384

    with pytest.raises(IndexMismatchError, match="speechqa ingest --rebuild"):
        Ingestor(open_store(server_index, server.url), OtherModel())  # type: ignore[arg-type]  # a deliberately wrong embedder


def test_answers_from_the_server_equal_the_embedded_ones(server: ChromaServer, server_index: Path, assistant) -> None:
    from rag.assistant import build_assistant
    from rag.settings import Settings

    remote = build_assistant(Settings(index_dir=server_index, chroma_url=server.url))
    for question in QUESTIONS:
        mine, reference = remote.ask(question), assistant.ask(question)
        assert mine.answer == reference.answer
        # the shown chance comes from the cosine, which the server computes in its own float order
        assert [replace(c, score=0.0, relevance=0.0) for c in mine.citations] == [
            replace(c, score=0.0, relevance=0.0) for c in reference.citations]
        assert all(abs(m.score - r.score) < 1e-3 for m, r in zip(mine.citations, reference.citations, strict=True))
        assert [(d, p) for d, p, _ in mine.retrieved] == [(d, p) for d, p, _ in reference.retrieved]


def test_the_command_line_uses_the_server_from_the_flag_and_the_variable(server: ChromaServer, server_index: Path,
                                                                        tmp_path: Path) -> None:
    by_flag = cli("ask", "--chroma-url", server.url, "--index-dir", str(tmp_path / "a"), "--json", QUESTIONS[0])
    by_env = cli("docs", env={"SPEECHQA_CHROMA_URL": server.url, "SPEECHQA_INDEX_DIR": str(tmp_path / "b")})
    assert by_flag.returncode == 0, by_flag.stderr
    assert '"paragraph": 7' in by_flag.stdout
    assert by_env.returncode == 0, by_env.stderr
    assert by_env.stdout.startswith("zhang-jun-unsc-transnational-organized-crime-2023-12-07\t10 paragraphs")


def test_an_unreachable_server_is_one_clear_error(tmp_path: Path) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    done = cli("ask", "--chroma-url", closed, "--index-dir", str(tmp_path), "What about Haiti?", timeout=120)
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith(f"error: The Chroma server at {closed} is not reachable")
    assert "chroma run" in line
    with pytest.raises(StoreError, match="not reachable"):
        open_store(tmp_path, closed, timeout_s=2.0)


def test_a_server_that_stops_mid_session_is_a_clear_error(tmp_path: Path, embedder) -> None:
    from rag.assistant import build_assistant
    from rag.settings import Settings

    short_lived = ChromaServer(tmp_path / "db")
    try:
        Ingestor(open_store(tmp_path / "local", short_lived.url), embedder).ingest_paths([BUNDLED_SPEECH])
        remote = build_assistant(Settings(index_dir=tmp_path / "local", chroma_url=short_lived.url))
        assert remote.ask(QUESTIONS[0]).citations
    finally:
        short_lived.stop()
    with pytest.raises(StoreError, match="Lost the Chroma server") as caught:
        remote.ask(QUESTIONS[1])
    assert short_lived.url in str(caught.value) and "chroma run" in str(caught.value)
