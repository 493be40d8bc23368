"""The one exception hierarchy of SpeechQA.

Every error a user can meet is a `SpeechQAError` whose message says what happened and what to do
next. Third-party errors are wrapped with `raise ... from e` so the cause is kept for debugging.
The UI and CLI catch `SpeechQAError` at their edges and print the message, never a stack trace.
"""

from __future__ import annotations


class SpeechQAError(Exception):
    """Base class: the message is a complete, user-facing sentence with a fix hint."""

    exit_code = 2


class InputError(SpeechQAError):
    """A question, flag or setting the user gave is unusable (empty, too long, malformed)."""


class SourceError(SpeechQAError):
    """A file or folder cannot be read or parsed; names the file."""


class IndexMissingError(SpeechQAError):
    """Nothing has been ingested yet, or the requested document is not in the index."""


class IndexMismatchError(SpeechQAError):
    """The index was built with another embedding model or chunker; the message gives the rebuild command."""


class StoreError(SpeechQAError):
    """The vector store is unreachable, corrupt, read-only or full."""


class GeneratorError(SpeechQAError):
    """The answer generator (e.g. the configured LLM server) failed."""
