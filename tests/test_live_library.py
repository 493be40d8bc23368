"""One index, many writers: a real `speechqa serve` follows CLI ingests and removals without a restart.

The server and the CLI are separate processes on one embedded index, as a user runs them. A reader
thread asks questions the whole time (unscoped and scoped to the bundled speech); every answer must
succeed. Each cycle adds a new statement with the CLI, asks about it until the answer cites it, removes
it with the CLI and asks until it is gone. The delays are printed (run with -s), not asserted.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.slow
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
SPEECH_DOC_ID = "zhang-jun-unsc-transnational-organized-crime-2023-12-07"
CYCLES = int(os.environ.get("SPEECHQA_LIVE_CYCLES", "20"))
GIVE_UP_S = 60.0  # a change never seen by then is a failure, not a slow pass
STATEMENT = """Statement by the delegation of {place} on mountain glaciers

Mr. President,

The delegation of {place} is alarmed that the glaciers of Mount {peak} have lost a third of their ice in ten years.

We call on every partner to fund a glacier monitoring network across the {peak} range before the next summer.
"""


def _cli(*args: str, index_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ui", *args, "--index-dir", str(index_dir)], capture_output=True,
                          text=True, timeout=600, check=True)


@pytest.fixture()
def server(speech_index: Path, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    index_dir = tmp_path / "index"
    shutil.copytree(speech_index, index_dir)
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "ui", "serve", "--port", str(port), "--index-dir",
                             str(index_dir)], env={**os.environ, "HF_HUB_OFFLINE": "1"}, stdout=log,
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_for(url, proc)
        yield url, index_dir
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(url: str, proc: subprocess.Popen[bytes]) -> None:
    for _ in range(480):
        if proc.poll() is not None:
            raise AssertionError(f"speechqa serve exited with {proc.returncode}")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.5)
    raise AssertionError(f"speechqa serve did not answer at {url}")


def _until(check: Callable[[], bool]) -> float:
    """Seconds from now to the start of the first check that holds (polled every 50 ms); fails after GIVE_UP_S."""
    started = time.perf_counter()
    while True:
        attempt = time.perf_counter()
        if check():
            return attempt - started
        if attempt - started > GIVE_UP_S:
            raise AssertionError("the server did not reflect the change")
        time.sleep(0.05)


class Reader(threading.Thread):
    """Asks questions without pause until stopped; keeps every failure."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        from gradio_client import Client

        self.client, self.stop, self.errors, self.answers = Client(url, verbose=False), threading.Event(), [], 0

    def run(self) -> None:
        while not self.stop.is_set():
            for doc in ("", SPEECH_DOC_ID):
                try:
                    self.client.predict("What does the statement say about glaciers and Haiti?", [], doc,
                                        api_name="/ask")
                    self.answers += 1
                except Exception as e:  # noqa: BLE001 - any failure counts
                    self.errors.append(f"{type(e).__name__}: {e}")


def test_serve_follows_cli_ingests_and_removals(server: tuple[str, Path], tmp_path: Path) -> None:
    from gradio_client import Client

    url, index_dir = server
    client = Client(url, verbose=False)
    client.predict("warm up", [], "", api_name="/ask")
    reader = Reader(url)
    reader.start()
    seen_after, gone_after = [], []
    for cycle in range(CYCLES):
        place, peak = f"Veltoria{cycle}", f"Karsk{cycle}"
        source = tmp_path / f"glaciers-{cycle}.txt"
        source.write_text(STATEMENT.format(place=place, peak=peak), encoding="utf-8")
        doc_id = f"glaciers-{cycle}"
        _cli("ingest", str(source), index_dir=index_dir)
        question = f"What happened to the glaciers of Mount {peak}?"
        seen_after.append(_until(lambda q=question, d=doc_id: _cites(client.predict(q, [], d, api_name="/ask"), d)
                                 and _cites(client.predict(q, [], "", api_name="/ask"), d)))
        _cli("rm", doc_id, index_dir=index_dir)
        gone_after.append(_until(lambda q=question, d=doc_id: _refused(client, q, d)
                                 and not _cites(client.predict(q, [], "", api_name="/ask"), d)))
    reader.stop.set()
    reader.join(timeout=120)
    print(f"\n{CYCLES} cycles; added doc cited after max {max(seen_after):.2f} s (median "
          f"{sorted(seen_after)[len(seen_after) // 2]:.2f} s); removed doc gone after max {max(gone_after):.2f} s; "
          f"reader: {reader.answers} answers, {len(reader.errors)} errors")
    assert reader.errors == []
    assert reader.answers > 0


def _cites(answer: dict[str, Any], doc_id: str) -> bool:
    return any(c["doc_id"] == doc_id for c in answer["citations"])


def _refused(client: Any, question: str, doc_id: str) -> bool:
    """A question scoped to a removed document is an error that names it."""
    from gradio_client.exceptions import AppError

    try:
        client.predict(question, [], doc_id, api_name="/ask")
    except AppError as e:
        return f"'{doc_id}'" in str(e)
    return False
