"""The Gradio chat UI over `Assistant`: streaming answers whose citation markers open the cited paragraph.

Thin by design: `Handlers` adapts Gradio events to the assistant and `ui.render` builds every piece
of HTML. Each browser session keeps its own conversation in `gr.State` (never in globals), so
concurrent users never see each other's questions. `/ask` is the documented API endpoint: it takes
a question and a history and returns the answer object `speechqa ask --json` prints. `launch`
applies the safe defaults: loopback unless told otherwise, no share link, no analytics, a built-in
theme with system fonts so nothing is fetched from the internet, and a bounded queue.
"""

from __future__ import annotations

import logging
import tempfile
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from index.errors import SpeechQAError
from rag.answer import Answer
from ui import documents_panel, library_view, render, style
from ui.examples import example_questions
from ui.library_view import ALL_DOCUMENTS
from ui.render import Exchange

if TYPE_CHECKING:  # the assistant module pulls in the retrieval stack; the server starts without it
    from index.store import DocumentInfo
    from rag.assistant import Assistant
    from rag.library import Library

log = logging.getLogger(__name__)

EXAMPLE_DOCUMENTS = 3  # with all documents selected, examples come from the first few
WATCH_INTERVAL_S = 2.0  # how often an open page asks whether the documents changed (a cheap, throttled check)
CONCURRENCY_LIMIT = 2  # answers in parallel; the model and index are shared, the machine has 2 cores
QUEUE_SIZE = 32  # waiting requests beyond this are refused rather than piling up
UNEXPECTED = "Something went wrong while answering ({kind}). The app is still running: try again or rephrase."

# After a citation is shown, bring its highlighted quote into view (the panel may sit below the chat on a
# phone, and a long paragraph's highlight below the fold); the timeout lets the new HTML render first.
SCROLL_TO_QUOTE = ("() => { setTimeout(() => { const el = document.querySelector('#sqa-citation mark') || "
                   "document.querySelector('#sqa-citation .sqa-citation'); "
                   "if (el) el.scrollIntoView({block: 'center'}); }, 60); }")
SCROLL_TO_FOCUS = ("() => { const el = document.querySelector('.sqa-focus'); "
                   "if (el) el.scrollIntoView({block: 'center'}); }")
CITE_TARGET = "(target, exchanges) => [window.sqaCiteTarget || '', exchanges]"


class Handlers:
    """Event handlers; `get_library` may block until the model has loaded in the background, and `loading`
    says what is still loading (None once ready), so the page can say so instead of only spinning."""

    def __init__(self, get_library: Callable[[], Library], loading: Callable[[], str | None] = lambda: None) -> None:
        self.get_library, self.loading = get_library, loading
        self.export_dir = tempfile.TemporaryDirectory(prefix="speechqa-export-")

    def assistant(self, doc: str | None = None) -> Assistant:
        """The assistant for the index as it is now. A document asked for that this view does not hold makes
        the library look again at once (another process may have just added it), not at its next check."""
        library = self.get_library()
        return (library.holding(doc) if doc else library.view()).assistant

    def setup(self, doc: str | None, seen: int | None) -> tuple[Any, ...]:
        """On page load and on each tick: everything that follows the documents, or what is still loading.

        Returns gr.skip() for all when nothing changed since `seen` (the view number this page shows)."""
        status = self.loading()
        if status is not None:
            return (library_view.header((), None, status), *[gr.skip()] * 8, -1)
        try:
            view = self.get_library().view()
        except Exception as e:  # the UI edge: a failed start is shown in the header, the page keeps working
            log.exception("loading the assistant failed")
            message = str(e) if isinstance(e, SpeechQAError) else UNEXPECTED.format(kind=type(e).__name__)
            return (f"## SpeechQA\n⚠ {message}", *[gr.skip()] * 8, -1)
        if seen == view.number:
            return tuple(gr.skip() for _ in range(10))
        docs = view.documents
        chosen = doc if doc in {d.doc_id for d in docs} else ALL_DOCUMENTS
        assistant = view.assistant
        generators = sorted(assistant.generators)
        return (library_view.header(docs, chosen),
                gr.update(choices=library_view.choices(docs), value=chosen, visible=len(docs) > 1),
                gr.update(placeholder=library_view.placeholder(docs, chosen)),
                gr.update(examples=self._examples(assistant, docs, chosen)),
                gr.update(choices=generators, value=assistant.default_generator
                          if assistant.default_generator in generators else generators[0]),
                gr.update(value=assistant.top_k), self.read(chosen, "", None),
                library_view.documents_table(docs),
                gr.update(choices=[(d.title, d.doc_id) for d in docs], value=None), view.number)

    def select(self, doc: str | None) -> tuple[Any, ...]:
        """A document was chosen: the header, placeholder, examples and reading view follow it."""
        assistant = self.assistant()
        docs = assistant.documents()
        return (library_view.header(docs, doc), gr.update(placeholder=library_view.placeholder(docs, doc)),
                gr.update(examples=self._examples(assistant, docs, doc)), self.read(doc, "", None))

    @staticmethod
    def _examples(assistant: Assistant, docs: Sequence[DocumentInfo], doc: str | None) -> list[dict[str, str]]:
        ids = [doc] if doc else [d.doc_id for d in docs[:EXAMPLE_DOCUMENTS]]
        try:
            documents = [assistant.document(doc_id) for doc_id in ids]
        except SpeechQAError:  # removed meanwhile: no examples rather than an error
            return []
        return [{"text": q} for q in example_questions(documents)]

    def respond(self, question: str, exchanges: Sequence[Exchange], doc: str | None, generator: str | None,
                k: float | None, where: str | None = None) -> Iterator[tuple[Any, ...]]:
        """Stream the answer into the chat; errors become a readable message in the chat."""
        past = tuple(exchanges or ())
        if not (question or "").strip():
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        text, answer, error = "", None, None
        waiting = self.loading()
        yield render.chat_messages(past + (Exchange(question),), f"{waiting}…" if waiting else ""), gr.skip(), \
            gr.skip(), "", gr.skip()
        try:
            stream = self.assistant(doc).stream(question, render.history_of(past), [doc] if doc else None,
                                             int(k) if k else None, generator or None,  # type: ignore[arg-type]  # the Radio offers only GeneratorName values
                                             where=[w for w in (where or "").split(",") if w.strip()])
            for piece in stream:
                if isinstance(piece, Answer):
                    answer = piece
                else:
                    text += piece
                    yield render.chat_messages(past + (Exchange(question),), text), gr.skip(), gr.skip(), "", gr.skip()
        except SpeechQAError as e:
            error = str(e)
        except Exception as e:  # the UI edge: log the cause, show a readable message, keep serving
            log.exception("answering %r failed", question)
            error = UNEXPECTED.format(kind=type(e).__name__)
        done = past + (Exchange(question, answer, error),)
        current = render.sources_html(answer, len(done) - 1) if error is None else render.sources_html(None, 0)
        yield render.chat_messages(done), done, current, "", self.export(done)

    def respond_example(self, exchanges: Sequence[Exchange], doc: str | None, generator: str | None,
                        k: float | None, where: str | None, event: gr.SelectData) -> Iterator[tuple[Any, ...]]:
        yield from self.respond(str(event.value.get("text", "")), exchanges, doc, generator, k, where)

    def export(self, exchanges: Sequence[Exchange]) -> Any:
        """Write the conversation as Markdown and hand it to the download button."""
        folder = Path(self.export_dir.name) / uuid.uuid4().hex
        folder.mkdir()
        path = folder / "speechqa-conversation.md"
        path.write_text(render.conversation_markdown(exchanges), encoding="utf-8")
        return gr.update(value=str(path), interactive=True)

    def show_citation(self, target: str, exchanges: Sequence[Exchange]) -> tuple[str, Any]:
        return render.citation_panel(tuple(exchanges or ()), render.parse_target(target)), gr.Tabs(selected="sources")

    def read(self, doc: str | None, phrase: str | None, number: float | None) -> str:
        """The reading view of the selected document; with several and none selected, a pointer to the selector."""
        try:
            documents = self.assistant().documents()
            if not documents:
                return render.note("Nothing is ingested yet: add documents in the Documents tab, or run speechqa "
                                   "ingest")
            if not doc and len(documents) > 1:
                return render.note(f"{len(documents)} documents are loaded: choose one in the Document selector "
                                   "above to read it.")
            focus = None if number is None else int(number)
            return render.reading_html(self.assistant(doc).document(doc or documents[0].doc_id), phrase or "", focus)
        except SpeechQAError as e:
            return render.note(str(e), "sqa-error")

    def clear(self) -> tuple[Any, ...]:
        return ([], (), render.sources_html(None, 0), render.citation_panel((), None),
                gr.update(value=None, interactive=False))

    def api_ask(self, question: str, history: list[dict[str, str]] | None = None,
                doc: str | None = None, where: dict[str, Any] | None = None) -> dict[str, Any]:
        """Answer `question` given the earlier turns [{"role", "content"}], in document `doc` (a doc id; empty
        or null: all documents) and the documents whose metadata matches `where` ({"country": "Kenya",
        "year": [2023, 2024]}); the same object as `speechqa ask --json`, whose `scope` says what applied."""
        try:
            return self.assistant(doc).ask(question, history or [], [doc] if doc else None, where=where).to_dict()
        except SpeechQAError as e:
            raise gr.Error(str(e)) from e


def build_app(get_library: Callable[[], Library], loading: Callable[[], str | None] = lambda: None) -> gr.Blocks:
    """The Blocks app; call `launch` to serve it."""
    h = Handlers(get_library, loading)
    with gr.Blocks(title="SpeechQA", analytics_enabled=False, delete_cache=(3600, 86400)) as demo:
        exchanges = gr.State(())
        seen = gr.State(None)  # the library view this page shows; a newer one refreshes the page's lists
        header = gr.Markdown(library_view.header((), None, "Starting"), elem_id="sqa-header")
        doc = gr.Dropdown(label="Document (scopes the chat and the reading view)", choices=[("All documents", "")],
                          value=ALL_DOCUMENTS, visible=False, elem_id="sqa-doc")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(label="Conversation", height=520, render_markdown=False, buttons=["copy"],
                                     feedback_options=None, elem_id="sqa-chat")
                with gr.Row():
                    question = gr.Textbox(show_label=False, placeholder="Ask a question…",
                                          scale=5, max_lines=4, elem_id="sqa-question")
                    send = gr.Button("Ask", variant="primary", scale=1, elem_id="sqa-send")
                with gr.Row():
                    clear = gr.Button("New conversation", size="sm", elem_id="sqa-clear")
                    export = gr.DownloadButton("Export conversation (Markdown)", size="sm", interactive=False,
                                               elem_id="sqa-export")
                with gr.Accordion("Answer settings", open=False):
                    generator = gr.Radio(["extractive"], value="extractive", label="Answer generator",
                                         info="llm appears when SPEECHQA_LLM_BASE_URL and SPEECHQA_LLM_MODEL are set")
                    k = gr.Slider(1, 10, value=5, step=1, label="Paragraphs to retrieve (k)")
                    where = gr.Textbox(label="Only statements whose metadata matches", placeholder="country=Kenya, "
                                       "year=2024", info="key=value pairs, comma separated (see speechqa docs)",
                                       elem_id="sqa-where")
            with gr.Column(scale=2), gr.Tabs(selected="sources") as tabs:
                with gr.Tab("Sources", id="sources"):
                    sources = gr.HTML(render.sources_html(None, 0), elem_id="sqa-sources")
                    citation = gr.HTML(render.citation_panel((), None), elem_id="sqa-citation")
                with gr.Tab("Read the document", id="read", elem_id="sqa-read-tab"):
                    with gr.Row():
                        jump = gr.Number(label="Go to paragraph", precision=0, minimum=0, elem_id="sqa-jump")
                        search = gr.Textbox(label="Search for a phrase", elem_id="sqa-search")
                    reading = gr.HTML(elem_id="sqa-reading")
                with gr.Tab("Documents", id="documents", elem_id="sqa-documents-tab"):
                    panel = documents_panel.build()
        cite_target = gr.Textbox(visible="hidden", elem_id="sqa-cite-target")
        cite_go = gr.Button("Show citation", visible="hidden", elem_id="sqa-cite-go")
        tick = gr.Timer(WATCH_INTERVAL_S)

        settings = [exchanges, doc, generator, k, where]
        answer_out = [chatbot, exchanges, sources, question, export]
        question.submit(h.respond, [question, *settings], answer_out, concurrency_id="answer", api_name="chat",
                        api_visibility="undocumented")
        send.click(h.respond, [question, *settings], answer_out, concurrency_id="answer", api_visibility="private")
        chatbot.example_select(h.respond_example, settings, answer_out, concurrency_id="answer",
                               api_visibility="private")
        cite_go.click(h.show_citation, [cite_target, exchanges], [citation, tabs], js=CITE_TARGET,
                      api_visibility="private").then(None, js=SCROLL_TO_QUOTE)
        cleared = [chatbot, exchanges, sources, citation, export]
        clear.click(h.clear, None, cleared, api_visibility="private")
        chatbot.clear(h.clear, None, cleared, api_visibility="private")
        read_in = [doc, search, jump]
        doc.input(h.select, doc, [header, question, chatbot, reading], api_visibility="private")
        search.change(h.read, read_in, reading, trigger_mode="always_last", api_visibility="private")
        jump.change(h.read, read_in, reading, api_visibility="private").then(None, js=SCROLL_TO_FOCUS)
        page = [header, doc, question, chatbot, generator, k, reading, panel.table, panel.pick, seen]
        demo.load(h.setup, [doc, seen], page, api_visibility="private")
        tick.tick(h.setup, [doc, seen], page, api_visibility="private", show_progress="hidden", queue=False)
        documents_panel.wire(panel, h.get_library, h.setup, [doc, seen], page)
        gr.api(h.api_ask, api_name="ask", concurrency_id="answer")
    return demo


def launch(demo: gr.Blocks, host: str = "127.0.0.1", port: int = 7860, auth: tuple[str, str] | None = None,
           block: bool = True) -> str:
    """Serve `demo` with the safe defaults; returns the local URL (at once when `block` is False)."""
    demo.queue(default_concurrency_limit=CONCURRENCY_LIMIT, max_size=QUEUE_SIZE)
    _, url, _ = demo.launch(server_name=host, server_port=port, auth=auth, share=False, ssr_mode=False,
                            prevent_thread_lock=not block, quiet=True, show_error=False, footer_links=["api"],
                            pwa=False, mcp_server=False, enable_monitoring=False, theme=style.theme(), css=style.CSS,
                            head=style.HEAD, auth_message="SpeechQA: sign in with the SPEECHQA_AUTH user and password.")
    return str(url)
