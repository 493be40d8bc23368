"""A real HTTP server that speaks the OpenAI chat-completions protocol, scripted with replies.

No model weights can be downloaded here, so the LLM path is tested against this server: it listens
on a free 127.0.0.1 port (stdlib `http.server` in a thread), answers POST /v1/chat/completions with
either one JSON completion or, when the request says `"stream": true`, server-sent events
(`data: {chunk}` lines ending with `data: [DONE]`), and records every request it receives.
Replies are taken from a queue; the last one is repeated when the queue runs dry, so a retried
request gets the same reply. A reply can also be an HTTP error or a delay longer than the timeout.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Reply:
    """One scripted answer: `text` (streamed in `pieces` when the client streams), or an HTTP error."""

    text: str = ""
    status: int = 200
    delay_s: float = 0.0  # sleep before answering (to provoke the client's timeout)
    echo_auth: bool = False  # put the request's Authorization header in the error body, like a careless server
    pieces: tuple[str, ...] | None = None  # explicit stream chunks; default: split into small pieces
    piece_delay_s: float = 0.0  # sleep before each streamed piece (a slow model, to reach a deadline)


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages", []))


@dataclass
class FakeOpenAI:
    """Script with `reply(...)`; read `requests` afterwards; `base_url` goes to SPEECHQA_LLM_BASE_URL."""

    replies: list[Reply] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)
    port: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def reply(self, *replies: str | Reply) -> None:
        with self._lock:
            self.replies[:] = [r if isinstance(r, Reply) else Reply(r) for r in replies]
            self.requests.clear()

    def next_reply(self, recorded: Recorded) -> Reply:
        with self._lock:
            self.requests.append(recorded)
            if not self.replies:
                return Reply(status=500, text="no reply scripted")
            return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]


def split_pieces(text: str, size: int = 6) -> tuple[str, ...]:
    """Token-like pieces: at most `size` characters each, so a marker is often split across pieces."""
    return tuple(text[i : i + size] for i in range(0, len(text), size)) or ("",)


def _completion(text: str, model: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()), "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def _chunk(model: str, delta: dict[str, Any], finish: str | None = None) -> bytes:
    payload = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time()),
               "model": model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return f"data: {json.dumps(payload)}\n\n".encode()


def _handler(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            recorded = Recorded(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            reply = fake.next_reply(recorded)
            time.sleep(reply.delay_s)
            model = str(body.get("model", "fake"))
            if self.path.rstrip("/") != "/v1/chat/completions":
                self._json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
            elif reply.status != 200:
                detail = reply.text + (f" (got {self.headers.get('Authorization')})" if reply.echo_auth else "")
                self._json(reply.status, {"error": {"message": detail, "type": "server_error"}})
            elif body.get("stream"):
                self._stream(reply, model)
            else:
                self._json(200, _completion(reply.text, model))

        def _json(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _stream(self, reply: Reply, model: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(_chunk(model, {"role": "assistant", "content": ""}))
            for piece in reply.pieces or split_pieces(reply.text):
                time.sleep(reply.piece_delay_s)
                self.wfile.write(_chunk(model, {"content": piece}))
                self.wfile.flush()
            self.wfile.write(_chunk(model, {}, "stop"))
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
            self.close_connection = True

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a handler still sleeping out a client's timeout must not hold up the test

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (timeout) closed the socket: expected, not worth a traceback."""


@contextmanager
def serve() -> Iterator[FakeOpenAI]:
    """Start the fake server on a free loopback port for the duration of the block."""
    fake = FakeOpenAI()
    server = _Server(("127.0.0.1", 0), _handler(fake))
    fake.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, name="fake-openai", daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
