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
from ui import render
from ui.render import Exchange

if TYPE_CHECKING:  # the assistant module pulls in the retrieval stack; the server starts without it
    from rag.assistant import Assistant

log = logging.getLogger(__name__)

EXAMPLES = (
    "What does the statement say about Haiti?",
    "What does it propose to fight drug trafficking?",
    "Who delivered this statement, and when?",
)
ALL_DOCUMENTS = ""
CONCURRENCY_LIMIT = 2  # answers in parallel; the model and index are shared, the machine has 2 cores
QUEUE_SIZE = 32  # waiting requests beyond this are refused rather than piling up
UNEXPECTED = "Something went wrong while answering ({kind}). The app is still running: try again or rephrase."

CSS = """
.sqa-cite { font-weight: 600; color: #1d4ed8 !important; text-decoration: none; cursor: pointer; padding: 0 1px; }
.sqa-heading { font-weight: 600; font-size: 0.95em; margin: 4px 0; }
.sqa-doc-id { color: #71717a; font-size: 0.85em; }
.sqa-cite:hover { text-decoration: underline; }
.sqa-error { color: #b91c1c; }
.sqa-note, .sqa-nothing { color: #52525b; font-style: italic; }
.sqa-citation { border-left: 4px solid #2563eb; padding: 6px 12px; background: rgba(37, 99, 235, 0.05); }
.sqa-citation-head { font-size: 0.95em; margin-bottom: 4px; }
.sqa-citation mark, .sqa-reading mark { background: #fde68a; color: inherit; padding: 0 1px; }
.sqa-sources { padding-left: 0; list-style: none; }
.sqa-source { margin: 8px 0; padding: 6px 8px; border: 1px solid #e4e4e7; border-radius: 6px; }
.sqa-source blockquote { margin: 4px 0 0 0; padding-left: 8px; border-left: 3px solid #d4d4d8; font-size: 0.92em; }
.sqa-score { float: right; font-size: 0.85em; color: #52525b; }
.sqa-bar { display: inline-block; width: 60px; height: 6px; background: #e4e4e7; margin-left: 6px; border-radius: 3px; }
.sqa-bar span { display: block; height: 6px; background: #2563eb; border-radius: 3px; }
.sqa-reading { max-height: 560px; overflow-y: auto; padding-right: 6px; }
.sqa-para { margin: 6px 0; padding: 4px 6px; border-radius: 4px; }
.sqa-num { font-weight: 600; color: #2563eb; margin-right: 4px; }
.sqa-match { background: rgba(253, 230, 138, 0.35); }
.sqa-focus { outline: 2px solid #2563eb; }
"""

# A click on a citation marker (in the chat or the sources panel) asks the server for that paragraph.
HEAD = """<script>
document.addEventListener("click", (event) => {
  const link = event.target.closest ? event.target.closest("a.sqa-cite") : null;
  if (!link) return;
  event.preventDefault();
  event.stopPropagation();
  window.sqaCiteTarget = (link.getAttribute("href") || "").replace("#cite-", "").replace("-", ":");
  const go = document.getElementById("sqa-cite-go");
  if (go) go.click();
}, true);
</script>"""
SCROLL_TO_FOCUS = ("() => { const el = document.querySelector('.sqa-focus'); "
                   "if (el) el.scrollIntoView({block: 'center'}); }")
CITE_TARGET = "(target, exchanges) => [window.sqaCiteTarget || '', exchanges]"


def theme() -> gr.themes.Base:
    """A built-in theme with system fonts: no web fonts are requested from anywhere."""
    return gr.themes.Default(primary_hue="blue",
                             font=["system-ui", "Segoe UI", "Roboto", "Helvetica", "Arial", "sans-serif"],
                             font_mono=["ui-monospace", "Consolas", "monospace"])


class Handlers:
    """Event handlers; `get_assistant` may block until the model has loaded in the background."""

    def __init__(self, get_assistant: Callable[[], Assistant]) -> None:
        self.get_assistant = get_assistant
        self.export_dir = tempfile.TemporaryDirectory(prefix="speechqa-export-")

    def setup(self) -> tuple[Any, Any, Any, str]:
        """On page load: the document selector, the configured generators, k, and the reading view."""
        assistant = self.get_assistant()
        docs = assistant.documents()
        choices = [("All documents", ALL_DOCUMENTS)] + [(f"{d.title} ({d.doc_id})", d.doc_id) for d in docs]
        generators = sorted(assistant.generators)
        return (gr.update(choices=choices, value=ALL_DOCUMENTS, visible=len(docs) > 1),
                gr.update(choices=generators, value=assistant.default_generator
                          if assistant.default_generator in generators else generators[0]),
                gr.update(value=assistant.top_k), self.read(ALL_DOCUMENTS, "", None))

    def respond(self, question: str, exchanges: Sequence[Exchange], doc: str | None, generator: str | None,
                k: float | None) -> Iterator[tuple[Any, ...]]:
        """Stream the answer into the chat; errors become a readable message in the chat."""
        past = tuple(exchanges or ())
        if not (question or "").strip():
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        text, answer, error = "", None, None
        yield render.chat_messages(past + (Exchange(question),), ""), gr.skip(), gr.skip(), "", gr.skip()
        try:
            stream = self.get_assistant().stream(question, render.history_of(past), [doc] if doc else None,
                                                 int(k) if k else None, generator or None)  # type: ignore[arg-type]
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
                        k: float | None, event: gr.SelectData) -> Iterator[tuple[Any, ...]]:
        yield from self.respond(str(event.value.get("text", "")), exchanges, doc, generator, k)

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
        """The reading view of the selected document (the first one when all are selected)."""
        try:
            assistant = self.get_assistant()
            doc_id = doc or next((d.doc_id for d in assistant.documents()), None)
            if doc_id is None:
                return render.note("Nothing is ingested yet. Run: speechqa ingest")
            focus = None if number is None else int(number)
            return render.reading_html(assistant.document(doc_id), phrase or "", focus)
        except SpeechQAError as e:
            return render.note(str(e), "sqa-error")

    def clear(self) -> tuple[Any, ...]:
        return ([], (), render.sources_html(None, 0), render.citation_panel((), None),
                gr.update(value=None, interactive=False))

    def api_ask(self, question: str, history: list[dict[str, str]] | None = None) -> dict[str, Any]:
        """Answer `question` given the earlier turns [{"role", "content"}]; the same object as `speechqa ask --json`."""
        try:
            return self.get_assistant().ask(question, history or []).to_dict()
        except SpeechQAError as e:
            raise gr.Error(str(e)) from e


def build_app(get_assistant: Callable[[], Assistant]) -> gr.Blocks:
    """The Blocks app; call `launch` to serve it."""
    h = Handlers(get_assistant)
    with gr.Blocks(title="SpeechQA", analytics_enabled=False, delete_cache=(3600, 86400)) as demo:
        exchanges = gr.State(())
        gr.Markdown("## SpeechQA\nAsk about the statement. Every claim cites its paragraph: click a marker "
                    "such as **[1]** to read the paragraph with the quoted sentence highlighted.")
        doc = gr.Dropdown(label="Document (scopes the chat and the reading view)", choices=[("All documents", "")],
                          value=ALL_DOCUMENTS, visible=False, elem_id="sqa-doc")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(label="Conversation", height=520, render_markdown=False, buttons=["copy"],
                                     feedback_options=None, elem_id="sqa-chat",
                                     examples=[{"text": q} for q in EXAMPLES])
                with gr.Row():
                    question = gr.Textbox(show_label=False, placeholder="Ask a question about the statement…",
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
            with gr.Column(scale=2), gr.Tabs(selected="sources") as tabs:
                with gr.Tab("Sources", id="sources"):
                    sources = gr.HTML(render.sources_html(None, 0), elem_id="sqa-sources")
                    citation = gr.HTML(render.citation_panel((), None), elem_id="sqa-citation")
                with gr.Tab("Read the document", id="read", elem_id="sqa-read-tab"):
                    with gr.Row():
                        jump = gr.Number(label="Go to paragraph", precision=0, minimum=0, elem_id="sqa-jump")
                        search = gr.Textbox(label="Search for a phrase", elem_id="sqa-search")
                    reading = gr.HTML(elem_id="sqa-reading")
        cite_target = gr.Textbox(visible="hidden", elem_id="sqa-cite-target")
        cite_go = gr.Button("Show citation", visible="hidden", elem_id="sqa-cite-go")

        settings = [exchanges, doc, generator, k]
        answer_out = [chatbot, exchanges, sources, question, export]
        question.submit(h.respond, [question, *settings], answer_out, concurrency_id="answer", api_name="chat",
                        api_visibility="undocumented")
        send.click(h.respond, [question, *settings], answer_out, concurrency_id="answer", api_visibility="private")
        chatbot.example_select(h.respond_example, settings, answer_out, concurrency_id="answer",
                               api_visibility="private")
        cite_go.click(h.show_citation, [cite_target, exchanges], [citation, tabs], js=CITE_TARGET,
                      api_visibility="private")
        cleared = [chatbot, exchanges, sources, citation, export]
        clear.click(h.clear, None, cleared, api_visibility="private")
        chatbot.clear(h.clear, None, cleared, api_visibility="private")
        read_in = [doc, search, jump]
        doc.change(h.read, read_in, reading, api_visibility="private")
        search.change(h.read, read_in, reading, trigger_mode="always_last", api_visibility="private")
        jump.change(h.read, read_in, reading, api_visibility="private").then(None, js=SCROLL_TO_FOCUS)
        demo.load(h.setup, None, [doc, generator, k, reading], api_visibility="private")
        gr.api(h.api_ask, api_name="ask", concurrency_id="answer")
    return demo


def launch(demo: gr.Blocks, host: str = "127.0.0.1", port: int = 7860, auth: tuple[str, str] | None = None,
           block: bool = True) -> str:
    """Serve `demo` with the safe defaults; returns the local URL (at once when `block` is False)."""
    demo.queue(default_concurrency_limit=CONCURRENCY_LIMIT, max_size=QUEUE_SIZE)
    _, url, _ = demo.launch(server_name=host, server_port=port, auth=auth, share=False, ssr_mode=False,
                            prevent_thread_lock=not block, quiet=True, show_error=False, footer_links=["api"],
                            pwa=False, mcp_server=False, enable_monitoring=False, theme=theme(), css=CSS,
                            head=HEAD, auth_message="SpeechQA: sign in with the SPEECHQA_AUTH user and password.")
    return str(url)
