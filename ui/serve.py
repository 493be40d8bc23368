"""`speechqa serve`: open the chat UI in the browser, on 127.0.0.1:7860 unless told otherwise.

The server starts first and the assistant (embedding model, index) then loads in a background
thread, so the port opens after the Gradio import alone; the first question waits for the model.
Binding to a non-loopback address takes an explicit `--host` and prints a warning when no login is
set; the optional login comes from `SPEECHQA_AUTH=user:password`. Gradio is imported inside the
command only, so `speechqa --help` stays instant.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
import threading
from collections.abc import Mapping
from concurrent.futures import Future
from typing import Any

from index.errors import InputError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860


def register(sub: Any) -> None:
    """Add the `serve` subcommand to the `speechqa` parser."""
    from ui.cli import _common

    serve = sub.add_parser("serve", help="open the chat UI in the browser (Gradio)")
    serve.add_argument("--host", default=DEFAULT_HOST, help="address to bind; anything but loopback exposes the "
                       f"app to your network (default {DEFAULT_HOST})")
    serve.add_argument("--port", type=_port, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    _common(serve)
    serve.set_defaults(handler=cmd_serve)


def _port(raw: str) -> int:
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise argparse.ArgumentTypeError(f"must be a port number 1-65535, got '{raw}'")
    return int(raw)


def auth_from_env(env: Mapping[str, str] | None = None) -> tuple[str, str] | None:
    """The login from SPEECHQA_AUTH ('user:password'), or None when unset."""
    raw = (os.environ if env is None else env).get("SPEECHQA_AUTH", "")
    if not raw:
        return None
    user, sep, password = raw.partition(":")
    if not sep or not user or not password:
        raise InputError("SPEECHQA_AUTH must look like user:password (a user name, a colon, a password); "
                         "unset it to serve without a login")
    return user, password


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def exposure_warning(host: str, auth: tuple[str, str] | None) -> str | None:
    """A warning when the app is reachable from other machines without a login."""
    if is_loopback(host) or auth is not None:
        return None
    return (f"warning: serving on {host} without a login: anyone who can reach this machine can use the app. "
            "Set SPEECHQA_AUTH=user:password to require one, or drop --host to stay on 127.0.0.1")


def cmd_serve(args: argparse.Namespace) -> int:
    from ui.cli import settings_from

    settings = settings_from(args)
    auth = auth_from_env()
    warning = exposure_warning(args.host, auth)
    if warning:
        print(warning, file=sys.stderr)
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    from ui.app import build_app, launch

    startup = Startup()
    demo = build_app(startup.library.result, startup.status)
    try:
        url = launch(demo, args.host, args.port, auth, block=False)
    except OSError as e:
        raise InputError(f"Cannot serve on {args.host}:{args.port} ({e}). Pick another port: speechqa serve "
                         "--port 7861") from e
    threading.Thread(target=startup.load, args=(settings,), name="speechqa-load", daemon=True).start()
    print(f"SpeechQA is running at {url} (Ctrl-C to stop); programs can call its /ask endpoint "
          "(gradio_client, see docs/UI.md)")
    demo.block_thread()
    return 0


class Startup:
    """Loads the library once the server listens, and says what it is loading meanwhile."""

    def __init__(self) -> None:
        self.library: Future[Any] = Future()
        self.stage = "Starting"

    def status(self) -> str | None:
        """What is loading now, or None once the library is ready (or failed: the failure is shown then)."""
        return None if self.library.done() else self.stage

    def load(self, settings: Any) -> None:
        """A failure surfaces in the page header and on the first question, as a message."""
        try:
            where = settings.chroma_url or settings.index_dir
            self.stage = f"Loading the embedding model and opening the index at {where}"
            from rag.library import build_library

            library = build_library(settings, read_ahead=said_read)
            self.stage = "Warming up the model"
            warm(library)
            self.library.set_result(library)
        except BaseException as e:  # handed to every waiting request, which shows it as a message
            self.library.set_exception(e)


def said_read(count: int, seconds: float) -> None:
    """Say that every statement is now as quick to ask about as any other."""
    noun = "document" if count == 1 else "documents"
    print(f"Read {count:,} {noun} ahead of questions in {seconds:.1f} s", file=sys.stderr, flush=True)


def warm(library: Any) -> None:
    """One question end to end, so the first user's question does not pay for lazy loading."""
    from index.errors import SpeechQAError

    try:
        library.current().ask("What is this statement about?")
    except SpeechQAError:  # nothing ingested yet: the embedder is still loaded by then
        library.current().retriever.embedder.embed_query("warm up")
