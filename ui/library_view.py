"""Pure rendering for the documents panel: the list of documents and the status of each uploaded file.

Like `ui.render`, every string is built here and escaped here, so it is tested without a browser.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from index.store import DocumentInfo

FileState = Literal["waiting", "adding", "added", "updated", "unchanged", "duplicate", "failed"]
ALL_DOCUMENTS = ""
NO_DOCUMENTS = "No documents yet: add .txt, .md, .html or .pdf files above, or run speechqa ingest PATH."


@dataclass(frozen=True)
class FileStatus:
    """One uploaded file's progress: its name, where it stands, and the detail (paragraphs or the reason)."""

    name: str
    state: FileState
    detail: str = ""


def documents_table(documents: Sequence[DocumentInfo]) -> str:
    """Every document with its title, speaker, date and paragraph count (and its id, for the CLI)."""
    if not documents:
        return f'<p class="sqa-note">{html.escape(NO_DOCUMENTS)}</p>'
    rows = "".join(
        f'<tr data-doc="{html.escape(d.doc_id, quote=True)}"><td>{html.escape(d.title)}'
        f'<br><span class="sqa-doc-id">{html.escape(d.doc_id)}</span></td><td>{html.escape(d.speaker or "—")}</td>'
        f'<td>{html.escape(d.date or "—")}</td><td class="sqa-count">{d.paragraphs}</td></tr>'
        for d in documents
    )
    noun = "document" if len(documents) == 1 else "documents"
    return (f'<table class="sqa-docs"><caption>{len(documents)} {noun} in the index</caption><thead><tr>'
            f'<th scope="col">Title</th><th scope="col">Speaker</th><th scope="col">Date</th>'
            f'<th scope="col">Paragraphs</th></tr></thead><tbody>{rows}</tbody></table>')


def upload_status(files: Sequence[FileStatus]) -> str:
    """A list with one line per uploaded file: ⏳ waiting or adding, ✓ added or unchanged, ✗ failed and why."""
    if not files:
        return ""
    done = sum(f.state not in ("waiting", "adding") for f in files)
    items = "".join(_status_item(f) for f in files)
    return (f'<p class="sqa-heading" role="status">{done} of {len(files)} files processed</p>'
            f'<ul class="sqa-uploads">{items}</ul>')


def _status_item(f: FileStatus) -> str:
    icon = {"waiting": "⏳", "adding": "⏳", "failed": "✗"}.get(f.state, "✓")
    detail = f" — {html.escape(f.detail)}" if f.detail else ""
    return (f'<li class="sqa-upload sqa-{f.state}" data-state="{f.state}">{icon} <strong>'
            f'{html.escape(f.name)}</strong>: {f.state}{detail}</li>')


def choices(documents: Sequence[DocumentInfo]) -> list[tuple[str, str]]:
    """Dropdown choices for the document selector: all documents, then each by title."""
    return [("All documents", ALL_DOCUMENTS)] + [(f"{d.title} ({d.doc_id})", d.doc_id) for d in documents]


def subject(documents: Sequence[DocumentInfo], doc_id: str | None) -> str:
    """What the chat is about, for the header and the placeholder: one title, or how many documents."""
    chosen = [d for d in documents if d.doc_id == doc_id] if doc_id else list(documents)
    if len(chosen) == 1:
        return chosen[0].title
    return f"the {len(chosen)} documents" if chosen else "the documents (none loaded yet)"


def header(documents: Sequence[DocumentInfo], doc_id: str | None, loading: str | None = None) -> str:
    """The page header (Markdown): what is being asked about, or what is still loading."""
    intro = ("Every claim cites its paragraph: click a marker such as **[1]** to read the paragraph with the "
             "quoted sentence highlighted.")
    if loading:
        return f"## SpeechQA\n⏳ **{loading}** — you can type a question now; it is answered once this is done."
    return f"## SpeechQA: {_md(subject(documents, doc_id))}\n{intro}"


def placeholder(documents: Sequence[DocumentInfo], doc_id: str | None) -> str:
    return f"Ask a question about {subject(documents, doc_id)}…"


def _md(text: str) -> str:
    """Text shown as itself inside Markdown (no links, emphasis or HTML from a document's title)."""
    return "".join(f"\\{c}" if c in "\\`*_{}[]()#+-.!<>|~" else c for c in text)
