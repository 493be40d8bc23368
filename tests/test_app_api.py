"""The Gradio app as programs use it: `/ask` through gradio_client, sessions, errors, login and `speechqa serve`.

The app is served on a free loopback port against the session's real index; `speechqa serve` is
started as a subprocess, as `make run` starts it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
pytestmark = pytest.mark.slow
HAITI = "What does the statement say about Haiti?"
SPEECH_DOC_ID = "zhang-jun-unsc-transnational-organized-crime-2023-12-07"
RESOLUTION = """Resolution 13 (1946) of 12 December 1946

The Security Council,

Having taken note of the unanimous approval by its members of the application of Siam for membership in the
United Nations,

Recommends to the General Assembly that it admit Siam to membership in the United Nations.

Adopted unanimously at the 83rd meeting.
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def comparable(answer: dict[str, Any]) -> dict[str, Any]:
    """The answer object without its timings, which differ from run to run."""
    return {k: v for k, v in answer.items() if k != "timings_ms"}


@pytest.fixture(scope="module")
def app_url(library) -> Iterator[str]:
    from ui.app import build_app, launch

    demo = build_app(lambda: library)
    url = launch(demo, "127.0.0.1", free_port(), block=False)
    yield url
    demo.close()


@pytest.fixture()
def client(app_url: str):
    from gradio_client import Client

    return Client(app_url, verbose=False)


def test_ask_endpoint_returns_the_assistants_answer_object(client, assistant) -> None:
    got = client.predict(HAITI, [], api_name="/ask")
    assert comparable(got) == comparable(assistant.ask(HAITI, []).to_dict())
    assert got["citations"] and got["citations"][0]["doc_id"] == SPEECH_DOC_ID
    history = [{"role": "user", "content": HAITI}, {"role": "assistant", "content": got["answer"]}]
    follow_up = "And what should countries in the region do about that?"
    assert comparable(client.predict(follow_up, history, api_name="/ask")) == comparable(
        assistant.ask(follow_up, history).to_dict())


def test_ask_endpoint_equals_the_cli_json(client, speech_index: Path) -> None:
    cli = subprocess.run([sys.executable, "-m", "ui", "ask", HAITI, "--json", "--index-dir", str(speech_index)],
                         capture_output=True, text=True, timeout=300, check=True)
    assert comparable(client.predict(HAITI, None, api_name="/ask")) == comparable(json.loads(cli.stdout))


def test_errors_are_readable_and_the_app_keeps_serving(client) -> None:
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="The question is empty"):
        client.predict("   ", [], api_name="/ask")
    with pytest.raises(AppError, match="history item 1 must be"):
        client.predict(HAITI, [{"role": "robot"}], api_name="/ask")
    chat = client.predict("x" * 2500, "", "extractive", 5, "", api_name="/chat")[0]
    assert "limit is 2,000" in chat[-1]["content"][0]["text"] and "Traceback" not in str(chat)
    assert client.predict(HAITI, [], api_name="/ask")["citations"]


def test_chat_streams_then_links_markers_and_lists_sources(client, assistant) -> None:
    job = client.submit(HAITI, "", "extractive", 5, "", api_name="/chat")
    chat, sources, _question, export = job.result()
    partials = [out[0][-1]["content"][0]["text"] for out in job.outputs()[1:-1]]
    assert len(partials) > 3 and all(b.startswith(a) for a, b in zip(partials, partials[1:], strict=False))
    final = chat[-1]["content"][0]["text"]
    expected = assistant.ask(HAITI)
    assert final.count('class="sqa-cite" href="#cite-0-1"') == expected.answer.count("[1]")
    assert f"¶{expected.citations[0].paragraph}</a>" in sources
    assert Path(export["value"] if isinstance(export, dict) else export).read_text().startswith("# SpeechQA")


def test_sources_panel_says_nothing_was_found_when_the_assistant_abstains(client) -> None:
    from ui.render import NOTHING_FOUND

    chat, sources, *_ = client.predict("What is the best recipe for chocolate cake?", "", "extractive", 5, "",
                                       api_name="/chat")
    assert NOTHING_FOUND in sources and "sqa-source" not in sources
    assert "sqa-cite" not in chat[-1]["content"][0]["text"]


def test_sessions_do_not_see_each_others_conversations(app_url: str) -> None:
    from gradio_client import Client

    alice, bob = Client(app_url, verbose=False), Client(app_url, verbose=False)
    alice.predict(HAITI, "", "extractive", 5, "", api_name="/chat")
    bob_chat = bob.predict("Who delivered this statement?", "", "extractive", 5, "", api_name="/chat")[0]
    alice_chat = alice.predict("And what about drugs?", "", "extractive", 5, "", api_name="/chat")[0]
    assert [m["content"][0]["text"] for m in bob_chat if m["role"] == "user"] == ["Who delivered this statement?"]
    assert [m["content"][0]["text"] for m in alice_chat if m["role"] == "user"] == [HAITI, "And what about drugs?"]


def test_question_markup_is_shown_as_text(client) -> None:
    chat = client.predict("<img src=x onerror=alert(1)> Haiti?", "", "extractive", 5, "", api_name="/chat")[0]
    assert chat[0]["content"][0]["text"] == "&lt;img src=x onerror=alert(1)&gt; Haiti?"


def test_several_documents_get_a_selector_that_scopes_chat_and_reading(tmp_path: Path, embedder) -> None:
    from index.chroma import open_store
    from index.corpus import BUNDLED_SPEECH
    from index.ingest import Ingestor
    from rag.library import build_library
    from rag.settings import Settings
    from ui.app import Handlers

    source = tmp_path / "resolution-13-1946.txt"
    source.write_text(RESOLUTION, encoding="utf-8")
    Ingestor(open_store(tmp_path / "index"), embedder).ingest_paths([BUNDLED_SPEECH, source])
    library = build_library(Settings(index_dir=tmp_path / "index"))
    handlers = Handlers(lambda: library)
    header, selector, placeholder, *_rest, seen = handlers.setup("", None)
    assert selector["visible"] is True and len(selector["choices"]) == 3
    assert "the 2 documents" in header and "the 2 documents" in placeholder["placeholder"]
    assert set(map(str, handlers.setup("", seen))) == {str({"__type__": "update"})}  # unchanged: all skipped
    resolution = next(doc_id for _, doc_id in selector["choices"] if doc_id not in ("", SPEECH_DOC_ID))
    assert "choose one in the Document selector" in handlers.read("", "", None)
    assert "Siam" in handlers.read(resolution, "Siam", None) and "Haiti" not in handlers.read(resolution, "", None)
    header, placeholder, examples, reading = handlers.select(resolution)
    title = next(d.title for d in library.documents() if d.doc_id == resolution)
    assert title in header and title in placeholder["placeholder"] and "Siam" in reading
    *_, (chat, exchanges, *_rest) = handlers.respond("Which country should be admitted to membership?", (),
                                                     resolution, "extractive", 3)
    cited = {c.doc_id for c in exchanges[-1].answer.citations}
    assert cited == {resolution}


def test_auth_from_env_and_exposure_warning() -> None:
    from index.errors import InputError
    from ui.serve import auth_from_env, exposure_warning

    assert auth_from_env({}) is None
    assert auth_from_env({"SPEECHQA_AUTH": "ann:s3:cret"}) == ("ann", "s3:cret")
    with pytest.raises(InputError, match="SPEECHQA_AUTH must look like user:password"):
        auth_from_env({"SPEECHQA_AUTH": "justaname"})
    assert exposure_warning("127.0.0.1", None) is None and exposure_warning("localhost", None) is None
    assert exposure_warning("0.0.0.0", ("a", "b")) is None
    assert "without a login" in (exposure_warning("0.0.0.0", None) or "")


def test_serve_requires_the_login_from_speechqa_auth(speech_index: Path, tmp_path: Path) -> None:
    from gradio_client import Client

    port = free_port()
    env = {**os.environ, "SPEECHQA_AUTH": "reader:open-sesame", "HF_HUB_OFFLINE": "1"}
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "ui", "serve", "--port", str(port), "--index-dir",
                             str(speech_index)], env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_for(url, proc)
        assert httpx.get(url + "config").status_code == 401
        page = httpx.get(url).text
        assert "sqa-chat" not in page and "SPEECHQA_AUTH" in page  # the login page, not the app
        with pytest.raises(Exception):  # noqa: B017 - any refusal will do; the point is: no answer
            Client(url, verbose=False).predict(HAITI, [], api_name="/ask")
        answer = Client(url, auth=("reader", "open-sesame"), verbose=False).predict(HAITI, [], api_name="/ask")
        assert answer["citations"][0]["doc_id"] == SPEECH_DOC_ID
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert f"running at {url}" in (tmp_path / "serve.log").read_text()


def _wait_for(url: str, proc: subprocess.Popen[bytes]) -> None:
    for _ in range(240):
        if proc.poll() is not None:
            raise AssertionError(f"speechqa serve exited with {proc.returncode}")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.5)
    raise AssertionError(f"speechqa serve did not answer at {url}")
