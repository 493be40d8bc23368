"""No file outside the app's own assets is served, the server stays on loopback, and exposing it warns.

The real `speechqa serve` runs in a subprocess; requests go out exactly as written (http.client does
not normalise `..`), against every Gradio route that takes a path or a file name, with plain,
URL-encoded and double-encoded traversal. None may return /etc/passwd or the project's
pyproject.toml. Only loopback addresses are ever contacted.
"""

from __future__ import annotations

import http.client
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]
PYPROJECT = REPO / "pyproject.toml"
ROUTES = ("/file=", "/gradio_api/file=", "/file/", "/gradio_api/file/", "/gradio_api/proxy=", "/static/",
          "/assets/", "/svelte/", "/gradio_api/custom_component/x/client/js/", "/gradio_api/stream/x/0/0/")
TARGETS = ("/etc/passwd", "../../../../../../etc/passwd", "..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
           "%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
           "%252e%252e%252f%252e%252e%252f%252e%252e%252fetc%252fpasswd", "%2fetc%2fpasswd",
           "....//....//....//....//etc/passwd", "..\\..\\..\\..\\etc\\passwd", str(PYPROJECT),
           "../" * 8 + str(PYPROJECT).lstrip("/"), "%2e%2e%2f" * 8 + str(PYPROJECT).lstrip("/").replace("/", "%2f"),
           "file://" + str(PYPROJECT), "file:///etc/passwd")


def secret_markers() -> tuple[str, ...]:
    pyproject_line = next(line for line in PYPROJECT.read_text().splitlines() if line.startswith("name"))
    return ("root:x:0:0", pyproject_line, "[build-system]")


@pytest.fixture(scope="module")
def server(speech_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int, Path]]:
    from ui.reliability_cmd import serving

    work = tmp_path_factory.mktemp("security")
    shutil.copytree(speech_index, work / "index")
    env = {k: v for k, v in os.environ.items() if k != "SPEECHQA_AUTH"}
    env.update(NO_PROXY="127.0.0.1,localhost", HF_HUB_OFFLINE="1")
    with serving(work / "index", work / "serve.log", env) as (url, pid):
        yield url, pid, work / "serve.log"


def get(url: str, path: str) -> tuple[int, str]:
    """GET `path` exactly as written (no normalisation of dot segments or escapes)."""
    host, port = url.removeprefix("http://").rstrip("/").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def test_the_app_itself_is_served(server: tuple[str, int, Path]) -> None:
    status, page = get(server[0], "/")
    assert status == 200 and "SpeechQA" in page
    assert get(server[0], "/config")[0] == 200


@pytest.mark.parametrize("route", ROUTES)
def test_no_route_serves_a_file_outside_the_app(server: tuple[str, int, Path], route: str) -> None:
    leaks = []
    for target in TARGETS:
        status, body = get(server[0], route + target)
        if any(marker in body for marker in secret_markers()):
            leaks.append(f"{route}{target} -> {status}")
    assert leaks == []


def test_the_server_listens_on_loopback_only_by_default(server: tuple[str, int, Path]) -> None:
    port = int(server[0].rstrip("/").rsplit(":", 1)[1])
    listening = {c.laddr.ip for c in psutil.Process(server[1]).net_connections(kind="inet")
                 if c.status == psutil.CONN_LISTEN and c.laddr.port == port}
    assert listening == {"127.0.0.1"}
    assert "warning" not in server[2].read_text()


def test_opening_to_the_network_without_a_login_prints_a_warning(speech_index: Path, tmp_path: Path) -> None:
    from ui.reliability_cmd import serving

    index = tmp_path / "index"
    shutil.copytree(speech_index, index)  # the server opens the index, and Chroma rewrites files on open
    env = {k: v for k, v in os.environ.items() if k != "SPEECHQA_AUTH"}
    env.update(NO_PROXY="127.0.0.1,localhost", HF_HUB_OFFLINE="1")
    with serving(index, tmp_path / "open.log", env, ("--host", "0.0.0.0")):
        pass  # up and answering on loopback; no request ever goes to another address
    warning = next(line for line in (tmp_path / "open.log").read_text().splitlines() if line.startswith("warning"))
    assert "0.0.0.0 without a login" in warning and "SPEECHQA_AUTH" in warning
    with serving(index, tmp_path / "login.log", {**env, "SPEECHQA_AUTH": "ann:pw"}, ("--host", "0.0.0.0")):
        pass
    assert "warning" not in (tmp_path / "login.log").read_text()
