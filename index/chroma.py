"""Opening a Chroma-backed store: embedded on disk (default) or a `chroma run` server.

Telemetry is off in both. A server URL is checked with a bounded heartbeat first, because
`HttpClient` has no request timeout of its own and would hang on an unreachable host; every later
request gets a bounded timeout too, and a lost connection is a `StoreError` rather than a traceback.
Loopback is added to NO_PROXY so corporate proxy settings cannot capture local traffic.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from index.errors import StoreError
from index.store import ChromaStore

LOOPBACK = ("127.0.0.1", "localhost", "::1")
REQUEST_TIMEOUT_S = 120.0  # one request (a large upsert on a busy server) may take this long, not longer


def ensure_loopback_no_proxy() -> None:
    """Append loopback hosts to NO_PROXY/no_proxy (kept if already present)."""
    for name in ("NO_PROXY", "no_proxy"):
        present = [h for h in os.environ.get(name, "").split(",") if h]
        os.environ[name] = ",".join(present + [h for h in LOOPBACK if h not in present])


def _settings():
    from chromadb.config import Settings

    return Settings(anonymized_telemetry=False, allow_reset=False)


def open_persistent(index_dir: Path) -> ChromaStore:
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise StoreError(f"Cannot create the index directory {index_dir}: {e.strerror}. "
                         "Choose a writable place with --index-dir or SPEECHQA_INDEX_DIR") from e
    known = {"chroma", "lexical", "fast-embedder"}
    foreign = [p.name for p in index_dir.iterdir() if p.name not in known and not p.name.startswith(".")]
    if foreign:
        raise StoreError(f"{index_dir} holds other files ({', '.join(sorted(foreign)[:3])}), not a SpeechQA index. "
                         "Point --index-dir (SPEECHQA_INDEX_DIR) at an empty folder or an existing index")
    import chromadb

    def connect() -> Any:
        return chromadb.PersistentClient(path=str(index_dir / "chroma"), settings=_settings())

    def reconnect() -> Any:
        forget_cached_clients()
        return connect()

    try:
        client = connect()
    except Exception as e:  # chromadb raises its own and sqlite errors for corrupt folders
        raise StoreError(f"Cannot open the index at {index_dir}: {e}. Rebuild it with speechqa ingest --rebuild "
                         "or point SPEECHQA_INDEX_DIR elsewhere") from e
    return ChromaStore(client, str(index_dir), reconnect)


def check_server(url: str, timeout_s: float) -> tuple[str, int, bool]:
    """Heartbeat the server within `timeout_s`; returns (host, port, ssl)."""
    parsed = urlparse(url if "://" in url else f"http://{url}")
    if not parsed.hostname:
        raise StoreError(f"SPEECHQA_CHROMA_URL '{url}' is not a URL; use e.g. http://127.0.0.1:8000")
    ssl = parsed.scheme == "https"
    port = parsed.port or (443 if ssl else 8000)
    beat = f"{parsed.scheme}://{parsed.hostname}:{port}/api/v2/heartbeat"
    try:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(beat, timeout=timeout_s) as response:
            json.loads(response.read() or b"{}")
    except (OSError, urllib.error.URLError, ValueError) as e:
        raise StoreError(f"The Chroma server at {url} is not reachable ({e}). Start it with "
                         "`chroma run --path DIR --host 127.0.0.1 --port N` or fix SPEECHQA_CHROMA_URL") from e
    return parsed.hostname, port, ssl


class _Guarded:
    """Forwards to a chromadb client or collection; a lost connection becomes a StoreError that says what to do.

    Collections it returns are guarded too, so a server that goes down mid-session fails the request
    with one clear message instead of an httpx traceback.
    """

    def __init__(self, target: Any, url: str) -> None:
        self._target, self._url = target, url

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if not callable(value):
            return value

        def call(*args: Any, **kwargs: Any) -> Any:
            import httpx

            try:
                result = value(*args, **kwargs)
            except httpx.TransportError as e:
                raise StoreError(f"Lost the Chroma server at {self._url} ({type(e).__name__}: {e}). Check that "
                                 "`chroma run` is still up and reachable, then retry") from e
            return _Guarded(result, self._url) if name.endswith("_collection") and result is not None else result

        return call


def _bound_requests(client: Any, timeout_s: float) -> None:
    """HttpClient builds its httpx session with timeout=None, so a stalled server would hang forever."""
    import httpx

    session = getattr(getattr(client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = httpx.Timeout(REQUEST_TIMEOUT_S, connect=timeout_s)


def open_server(url: str, timeout_s: float = 5.0) -> ChromaStore:
    ensure_loopback_no_proxy()
    host, port, ssl = check_server(url, timeout_s)
    import chromadb

    try:
        client = chromadb.HttpClient(host=host, port=port, ssl=ssl, settings=_settings())
    except Exception as e:  # connection and protocol errors from chromadb/httpx
        raise StoreError(f"Cannot connect to the Chroma server at {url}: {e}") from e
    _bound_requests(client, timeout_s)
    return ChromaStore(_Guarded(client, url), url)


def open_store(index_dir: Path, chroma_url: str | None = None, timeout_s: float = 5.0) -> ChromaStore:
    """A server when a URL is set, else on disk under `index_dir/chroma` (BM25 cache in `index_dir/lexical`)."""
    if chroma_url:
        return open_server(chroma_url, timeout_s)
    return open_persistent(index_dir)


def reopen_store(index_dir: Path, chroma_url: str | None = None, timeout_s: float = 5.0) -> ChromaStore:
    """The store opened afresh: an embedded index re-reads from disk what other processes wrote.

    Chroma keeps one client per path and process, whose vector index never learns of another process's
    writes; queries filtered to a document it missed fail with "Error finding id". Clients already
    handed out keep working on what they loaded.
    """
    if not chroma_url:
        forget_cached_clients()
    return open_store(index_dir, chroma_url, timeout_s)


def forget_cached_clients() -> None:
    """Drop Chroma's per-process client cache, so the next open re-reads an index another process wrote."""
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()
