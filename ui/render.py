"""Pure rendering for the chat UI: answers, sources, cited paragraphs, reading view and Markdown export.

Everything the browser shows is built here as a string, so it is tested without a browser. Every
piece of document text and every question is escaped with `html.escape` before it becomes HTML:
markup in a question or a source file is shown as text, never run. Citation markers become links
`<a class="sqa-cite" href="#cite-T-N">[N]</a>` (turn T of the conversation, citation N of its
answer); the page script turns a click on one into a request to show that paragraph.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from index.model import Document
from index.sentences import split_sentences
from rag.answer import Answer, Citation

_MARKER = re.compile(r"\[(\d+)\]")
_TARGET = re.compile(r"^(\d+):(\d+)$")
NOTHING_FOUND = "Nothing in the documents answers this question, so there are no sources to show."
NO_ANSWER_YET = "The paragraphs the current answer cites appear here, most relevant first."
SOURCES = "Sources of the current answer"
NO_CITATION_YET = "Click a citation marker such as [1] in an answer to see the paragraph it cites."


@dataclass(frozen=True)
class Exchange:
    """One turn of a conversation: the question and either its answer or a readable error."""

    question: str
    answer: Answer | None = None
    error: str | None = None


def history_of(exchanges: Sequence[Exchange]) -> list[dict[str, str]]:
    """The conversation memory the assistant receives, as the CLI builds it (answered turns only)."""
    history = []
    for ex in exchanges:
        if ex.answer is not None:
            history += [{"role": "user", "content": ex.question}, {"role": "assistant", "content": ex.answer.answer}]
    return history


def chat_messages(exchanges: Sequence[Exchange], streaming: str | None = None) -> list[dict[str, str]]:
    """Chatbot messages (HTML) for the conversation; `streaming` is the partial text of the last turn."""
    messages = []
    for turn, ex in enumerate(exchanges):
        messages.append({"role": "user", "content": html.escape(ex.question)})
        if ex.answer is not None:
            messages.append({"role": "assistant", "content": answer_html(ex.answer, turn)})
        elif ex.error is not None:
            messages.append({"role": "assistant", "content": error_html(ex.error)})
        elif streaming is not None and turn == len(exchanges) - 1:
            messages.append({"role": "assistant", "content": html.escape(streaming) or "…"})
    return messages


def answer_html(answer: Answer, turn: int) -> str:
    """The answer text, escaped, with each marker [N] a link to citation N of this turn."""

    def link(match: re.Match[str]) -> str:
        n = int(match.group(1))
        if not 1 <= n <= len(answer.citations):
            return match.group(0)
        c = answer.citations[n - 1]
        title = html.escape(f"¶{c.paragraph} of {c.doc_title}", quote=True)
        return f'<a class="sqa-cite" href="#cite-{turn}-{n}" title="{title}">[{n}]</a>'

    return _MARKER.sub(link, html.escape(answer.answer))


def error_html(message: str) -> str:
    return f'<span class="sqa-error">⚠ {html.escape(message)}</span>'


def parse_target(raw: str | None) -> tuple[int, int] | None:
    """'T:N' (as the page script sends it) to (turn, citation number), or None when malformed."""
    match = _TARGET.match((raw or "").strip())
    return (int(match.group(1)), int(match.group(2))) if match else None


def quote_spans(text: str, quote: str) -> list[tuple[int, int]]:
    """Where the quoted sentence(s) lie in `text`: the whole quote, or else each of its sentences in order."""
    if not quote.strip():
        return []
    at = text.find(quote)
    if at >= 0:
        return [(at, at + len(quote))]
    spans, cursor = [], 0
    for start, end in split_sentences(quote):
        at = text.find(quote[start:end], cursor)
        if at >= 0:
            spans.append((at, at + end - start))
            cursor = at + end - start
    return spans


def marked(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """`text` escaped, with each (start, end) span wrapped in <mark>; spans must not overlap."""
    out, cursor = [], 0
    for start, end in sorted(spans):
        out += [html.escape(text[cursor:start]), f"<mark>{html.escape(text[start:end])}</mark>"]
        cursor = end
    out.append(html.escape(text[cursor:]))
    return "".join(out)


def _paragraph_label(number: int) -> str:
    return "¶0 (heading)" if number == 0 else f"¶{number}"


def citation_html(citation: Citation, number: int) -> str:
    """The cited paragraph, its number and document, with the quoted sentence(s) highlighted."""
    body = marked(citation.text, quote_spans(citation.text, citation.quote))
    return (f'<div class="sqa-citation" data-paragraph="{citation.paragraph}">'
            f'<div class="sqa-citation-head"><span class="sqa-marker">[{number}]</span> '
            f'<strong class="sqa-para-no">{_paragraph_label(citation.paragraph)}</strong> · '
            f'<span class="sqa-doc">{html.escape(citation.doc_title)}</span> '
            f'<span class="sqa-doc-id">({html.escape(citation.doc_id)})</span></div>'
            f'<p class="sqa-citation-text">{body}</p></div>')


def citation_panel(exchanges: Sequence[Exchange], target: tuple[int, int] | None) -> str:
    """The panel for a clicked marker; a hint when the target does not name a citation."""
    if target is None:
        return _section("Cited paragraph", note(NO_CITATION_YET))
    turn, n = target
    answer = exchanges[turn].answer if 0 <= turn < len(exchanges) else None
    if answer is None or not 1 <= n <= len(answer.citations):
        return _section("Cited paragraph", note("That citation is no longer part of this conversation."))
    return _section("Cited paragraph", citation_html(answer.citations[n - 1], n))


def _section(title: str, body: str) -> str:
    return f'<p class="sqa-heading">{html.escape(title)}</p>{body}'


def sources_html(answer: Answer | None, turn: int) -> str:
    """Only the cited paragraphs of the current answer, most relevant first, with their scores."""
    if answer is None:
        return _section(SOURCES, note(NO_ANSWER_YET))
    scope = note(f"Scope: {answer.scope.describe()}", "sqa-scope") if answer.scope is not None else ""
    if answer.abstained or not answer.citations:
        why = note(f"Why: {why_abstained(answer.abstain_reason)}", "sqa-why") if answer.abstain_reason else ""
        return _section(SOURCES, scope + note(NOTHING_FOUND, "sqa-nothing") + why)
    ranked = sorted(enumerate(answer.citations, start=1), key=lambda item: -item[1].score)
    items = "".join(_source_item(c, n, turn) for n, c in ranked)
    return _section(SOURCES, f'{scope}<ol class="sqa-sources">{items}</ol>')


def _source_item(c: Citation, n: int, turn: int) -> str:
    width = max(0.0, min(1.0, c.score)) * 100
    return (f'<li class="sqa-source"><a class="sqa-cite" href="#cite-{turn}-{n}">[{n}] '
            f'{_paragraph_label(c.paragraph)}</a> <span class="sqa-doc">{html.escape(c.doc_title)}</span>'
            f'<span class="sqa-score" title="relevance, higher is better">score {c.score:.2f}'
            f'<span class="sqa-bar"><span style="width:{width:.0f}%"></span></span></span>'
            f'<blockquote>{html.escape(c.quote)}</blockquote></li>')


_WHY = {
    "low_relevance": "no passage comes close to the question",
    "weak_match": "no passage matches the question, in meaning or in words",
    "not_in_text": "the text never mentions {}",
    "not_reported": "the text does not report what {} said",
    "quote_not_found": "the text does not contain the quoted words",
    "needs_quantity": "no passage gives a number for {}",
    "needs_date": "no passage gives a date for what is asked",
    "needs_country": "no passage names the country asked for",
    "needs_name": "no passage gives the name asked for",
    "injection": "the question asks to set the text or these instructions aside",
    "scope_empty": "no indexed statement matches the scope",
    "needs_document": "the question could mean any of several documents",
}
_UNKNOWN = {"speaker": "who spoke", "date": "when it was delivered or adopted", "session": "at which session",
            "vote": "how it was voted", "meeting": "at which meeting it was adopted"}


def why_abstained(reason: str) -> str:
    """A reader's account of an `abstain_reason` ("not_in_text: Iran"), with the code itself in brackets."""
    code, _, detail = reason.partition(": ")
    if code == "metadata_unknown":
        text = f"the text does not say {_UNKNOWN.get(detail, detail)}"
    elif code == "not_reported" and detail.startswith("document "):
        text = f"the text does not say what {detail} decided or said"
    elif code in _WHY:
        template = _WHY[code]
        text = template.format(f"\u201c{detail}\u201d" if detail else "what is asked") if "{}" in template else template
    else:
        text = "the text does not answer it"
    return f"{text} ({reason})"


def note(text: str, css: str = "sqa-note") -> str:
    return f'<p class="{css}">{html.escape(text)}</p>'


def reading_html(document: Document, phrase: str = "", focus: int | None = None) -> str:
    """The whole document with paragraph numbers; paragraphs containing `phrase` are highlighted."""
    phrase = phrase.strip()
    paragraphs = document.citable()
    hits = [p.number for p in paragraphs if phrase and phrase.casefold() in p.text.casefold()]
    parts = [f'<div class="sqa-reading"><h3>{html.escape(document.title)}</h3>', _reading_summary(
        document, phrase, hits, focus)]
    for p in paragraphs:
        css = "sqa-para" + (" sqa-match" if p.number in hits else "") + (" sqa-focus" if p.number == focus else "")
        text = marked(p.text, _phrase_spans(p.text, phrase)) if p.number in hits else html.escape(p.text)
        parts.append(f'<div class="{css}" id="sqa-p-{p.number}"><span class="sqa-num">{_paragraph_label(p.number)}'
                     f'</span> {text}</div>')
    return "".join(parts) + "</div>"


def _reading_summary(document: Document, phrase: str, hits: list[int], focus: int | None) -> str:
    notes = []
    if phrase:
        found = ", ".join(f"¶{n}" for n in hits)
        notes.append(f"“{phrase}” is in {len(hits)} paragraph(s): {found}." if hits else f"“{phrase}” is not in "
                     "this document.")
    numbers = [p.number for p in document.citable()]
    if focus is not None and numbers and focus not in numbers:
        notes.append(f"There is no ¶{focus}: this document has paragraphs {numbers[0]} to {numbers[-1]}.")
    return "".join(note(n) for n in notes)


def _phrase_spans(text: str, phrase: str) -> list[tuple[int, int]]:
    spans, folded, needle = [], text.casefold(), phrase.casefold()
    at = folded.find(needle)
    while needle and at >= 0:
        spans.append((at, at + len(needle)))
        at = folded.find(needle, at + len(needle))
    # casefold can change lengths (ß -> ss); fall back to no marks rather than misplaced ones
    return spans if len(folded) == len(text) else []


def conversation_markdown(exchanges: Sequence[Exchange]) -> str:
    """The conversation as Markdown: each question, its answer with markers, and the cited quotes."""
    lines = ["# SpeechQA conversation", ""]
    for i, ex in enumerate(exchanges, start=1):
        lines += [f"## {i}. {ex.question}", ""]
        if ex.answer is None:
            lines += [f"*Error: {ex.error}*" if ex.error else "*No answer.*", ""]
            continue
        lines += [ex.answer.answer, ""]
        for n, c in enumerate(ex.answer.citations, start=1):
            lines += [f"[{n}] {c.doc_title} (`{c.doc_id}`), ¶{c.paragraph}, score {c.score:.2f}", "",
                      f"> {c.quote}", ""]
    return "\n".join(lines).rstrip() + "\n"
