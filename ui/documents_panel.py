"""The Documents tab: upload files (several at once, each with its own status), list, retitle and remove.

Every change goes through `rag.library.Library`, which writes to the shared index and then refreshes
its view at once, so the rest of the page (selector, header, examples, reading view) follows through
the page's own refresh handler. Rendering is in `ui.library_view`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from index.errors import SpeechQAError
from index.ingest import DocResult, Status
from ui.library_view import FileStatus, upload_status

if TYPE_CHECKING:
    from rag.library import Library

log = logging.getLogger(__name__)

FILE_TYPES = [".txt", ".md", ".html", ".htm", ".pdf"]


@dataclass(frozen=True)
class Panel:
    upload: gr.File
    status: gr.HTML
    table: gr.HTML
    pick: gr.Dropdown
    title: gr.Textbox
    rename: gr.Button
    remove: gr.Button
    message: gr.Markdown


def build() -> Panel:
    """The tab's components, inside the current Blocks context."""
    upload = gr.File(label="Add documents (.txt, .md, .html, .pdf; several at once)", file_count="multiple",
                     file_types=FILE_TYPES, elem_id="sqa-upload")
    status = gr.HTML(elem_id="sqa-upload-status")
    table = gr.HTML(elem_id="sqa-docs")
    with gr.Group():
        pick = gr.Dropdown(label="Change a document", choices=[], value=None, elem_id="sqa-pick")
        title = gr.Textbox(label="Title", max_lines=1, elem_id="sqa-title")
        with gr.Row():
            rename = gr.Button("Save title", size="sm", elem_id="sqa-rename")
            remove = gr.Button("Remove document", size="sm", variant="stop", elem_id="sqa-remove")
    message = gr.Markdown(elem_id="sqa-docs-message")
    return Panel(upload, status, table, pick, title, rename, remove, message)


def wire(panel: Panel, get_library: Callable[[], Library], refresh: Callable[..., Any], refresh_in: list[Any],
         refresh_out: list[Any]) -> None:
    """Connect the tab's events; after each change the page refreshes what follows the documents."""
    actions = Actions(get_library)
    panel.upload.upload(actions.add_files, panel.upload, [panel.status, panel.upload], api_visibility="private",
                        concurrency_id="documents").then(refresh, refresh_in, refresh_out, api_visibility="private")
    panel.pick.input(actions.title_of, panel.pick, panel.title, api_visibility="private")
    panel.rename.click(actions.retitle, [panel.pick, panel.title], panel.message, api_visibility="private",
                       concurrency_id="documents").then(refresh, refresh_in, refresh_out, api_visibility="private")
    panel.remove.click(actions.remove, panel.pick, [panel.message, panel.title], api_visibility="private",
                       concurrency_id="documents").then(refresh, refresh_in, refresh_out, api_visibility="private")


def file_status(name: str, result: DocResult) -> FileStatus:
    """What the panel says about one ingested file."""
    if result.status is Status.FAILED:
        return FileStatus(name, "failed", result.message)
    if result.status is Status.UNCHANGED:
        return FileStatus(name, "unchanged", f"already in the index as {result.doc_id}")
    if result.status is Status.DUPLICATE:
        return FileStatus(name, "duplicate", result.message)
    return FileStatus(name, result.status.value, f"{result.doc_id}: {result.paragraphs} paragraphs")  # type: ignore[arg-type]  # added or updated, both FileStates


class Actions:
    """The tab's handlers; errors become a message in the tab, never a traceback."""

    def __init__(self, get_library: Callable[[], Library]) -> None:
        self.get_library = get_library

    def add_files(self, paths: Sequence[str] | None) -> Iterator[tuple[str, Any]]:
        """Ingest the files one at a time, showing each one's state as it changes."""
        files = [Path(p) for p in paths or []]
        states = [FileStatus(f.name, "waiting") for f in files]
        for i, path in enumerate(files):
            states[i] = FileStatus(path.name, "adding", "parsing and embedding")
            yield upload_status(states), gr.skip()
            states[i] = self._add(path)
            states[i] = FileStatus(path.name, states[i].state, states[i].detail.replace(str(path), path.name))
        yield upload_status(states), None

    def _add(self, path: Path) -> FileStatus:
        try:
            return file_status(path.name, self.get_library().add(path))
        except SpeechQAError as e:
            return FileStatus(path.name, "failed", str(e))
        except Exception as e:  # the UI edge: one bad file fails alone, with its reason
            log.exception("adding %s failed", path)
            return FileStatus(path.name, "failed", f"unexpected {type(e).__name__}: {e}")

    def title_of(self, doc_id: str | None) -> str:
        documents = {d.doc_id: d.title for d in self.get_library().documents()}
        return documents.get(doc_id or "", "")

    def retitle(self, doc_id: str | None, title: str) -> str:
        if not doc_id:
            return "Choose a document first."
        try:
            self.get_library().retitle(doc_id, title)
        except SpeechQAError as e:
            return f"⚠ {e}"
        return f"Saved the title of `{doc_id}`."

    def remove(self, doc_id: str | None) -> tuple[str, Any]:
        if not doc_id:
            return "Choose a document first.", gr.skip()
        try:
            self.get_library().remove(doc_id)
        except SpeechQAError as e:
            return f"⚠ {e}", gr.skip()
        return f"Removed `{doc_id}`.", ""
