"""Nothing leaves the machine: ingest, ask and serve run with every non-loopback connection refused and logged.

A `sitecustomize.py` placed first on PYTHONPATH wraps `socket.socket.connect`/`connect_ex`,
`socket.create_connection` and `socket.getaddrinfo` in the child process: a loopback address or a
local socket passes, anything else is written to a log and refused. The child gets none of the
switches the test session sets (HF_HUB_OFFLINE, telemetry and analytics flags), so the project must
keep itself offline. The LLM API key never shows up in what `speechqa ask` prints.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow
HAITI = "What does the statement say about Haiti?"
SECRET = "sk-secret-XYZ"
GUARD = '''
import ipaddress, os, socket

_LOG = os.environ["SPEECHQA_TEST_NET_LOG"]
_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", ""}


def _local(host):
    if host is None or isinstance(host, bytes) and host.decode() in _LOCAL_NAMES or host in _LOCAL_NAMES:
        return True
    try:
        address = ipaddress.ip_address(str(host).split("%")[0])
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _check(host, what):
    if not _local(host):
        with open(_LOG, "a") as log:
            log.write(f"{os.getpid()} {what} {host!r}\\n")
        raise ConnectionRefusedError(f"test guard: no network for {host!r}")


def _host(address):
    return address[0] if isinstance(address, tuple) else None  # None: a Unix socket path


_connect, _connect_ex = socket.socket.connect, socket.socket.connect_ex
_create_connection, _getaddrinfo = socket.create_connection, socket.getaddrinfo


def connect(self, address):
    _check(_host(address), "connect")
    return _connect(self, address)


def connect_ex(self, address):
    _check(_host(address), "connect_ex")
    return _connect_ex(self, address)


def create_connection(address, *args, **kwargs):
    _check(address[0], "create_connection")
    return _create_connection(address, *args, **kwargs)


def getaddrinfo(host, *args, **kwargs):
    _check(host, "getaddrinfo")
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect, socket.socket.connect_ex = connect, connect_ex
socket.create_connection, socket.getaddrinfo = create_connection, getaddrinfo
'''
SWITCHES = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "ANONYMIZED_TELEMETRY", "GRADIO_ANALYTICS_ENABLED",
            "HF_DATASETS_OFFLINE", "DO_NOT_TRACK")


@pytest.fixture()
def guarded(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """An environment whose Python processes cannot reach past loopback, and the log of their attempts."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(GUARD)
    log = tmp_path / "net.log"
    log.touch()
    env = {k: v for k, v in os.environ.items() if k not in SWITCHES}
    env.update(PYTHONPATH=os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
               SPEECHQA_TEST_NET_LOG=str(log), SPEECHQA_INDEX_DIR=str(tmp_path / "index"),
               NO_PROXY="127.0.0.1,localhost")
    return env, log


def speechqa(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ui", *args], capture_output=True, text=True, env=env, timeout=300)


def test_the_guard_itself_refuses_and_logs_an_outside_address(guarded: tuple[dict[str, str], Path]) -> None:
    env, log = guarded
    probe = ("import socket\ntry:\n    socket.create_connection(('198.51.100.7', 80), timeout=1)\n"
             "except OSError as e:\n    print(type(e).__name__)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=60)
    assert done.stdout.strip() == "ConnectionRefusedError"
    assert "198.51.100.7" in log.read_text()


def test_ingest_and_ask_never_try_to_reach_the_network(guarded: tuple[dict[str, str], Path]) -> None:
    env, log = guarded
    ingest = speechqa(env, "ingest")
    assert ingest.returncode == 0, ingest.stderr
    ask = speechqa(env, "ask", HAITI, "--json")
    assert ask.returncode == 0, ask.stderr
    assert json.loads(ask.stdout)["citations"][0]["paragraph"] == 7
    assert log.read_text() == ""


def test_serve_never_tries_to_reach_the_network(guarded: tuple[dict[str, str], Path], tmp_path: Path) -> None:
    from gradio_client import Client

    from ui.reliability_cmd import serving

    env, log = guarded
    assert speechqa(env, "ingest").returncode == 0
    with serving(tmp_path / "index", tmp_path / "serve.log", env) as (url, _pid):
        assert "SpeechQA" in httpx.get(url, timeout=30).text
        answer = Client(url, verbose=False).predict(HAITI, [], api_name="/ask")
        assert answer["citations"][0]["paragraph"] == 7
    assert log.read_text() == ""


def test_the_llm_api_key_never_appears_in_output_or_errors(guarded: tuple[dict[str, str], Path]) -> None:
    env, _log = guarded
    env = {**env, "SPEECHQA_LLM_API_KEY": SECRET}
    assert speechqa(env, "ingest").returncode == 0
    plain = speechqa(env, "ask", HAITI, "--json")
    assert plain.returncode == 0 and json.loads(plain.stdout)["citations"]
    closed = {**env, "SPEECHQA_LLM_BASE_URL": "http://127.0.0.1:9/v1", "SPEECHQA_LLM_MODEL": "some-model"}
    failed = speechqa(closed, "ask", HAITI, "--json", "--generator", "llm")
    for done in (plain, failed):
        assert SECRET not in done.stdout and SECRET not in done.stderr and "XYZ" not in done.stderr
    assert failed.stderr.strip() and "Traceback" not in failed.stderr
