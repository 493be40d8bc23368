"""The chat UI's HTML and Markdown, built by the pure functions of ui.render and checked without a browser."""

from __future__ import annotations

import html
import re
from dataclasses import replace

import pytest

from index.model import Document, Paragraph
from rag.answer import Answer, Citation
from ui import render
from ui.render import Exchange

DOC = "speech-1"
TITLE = "Remarks on <crime> & peace"
P3 = "First sentence here. The middle one. Haiti suffers from weapons influx."


def citation(paragraph: int = 3, quote: str = "Haiti suffers from weapons influx.", score: float = 0.9,
             text: str = P3) -> Citation:
    return Citation(DOC, TITLE, paragraph, text, quote, score)


def answer(*citations: Citation, text: str = "Haiti suffers from weapons influx. [1]", abstained: bool = False
           ) -> Answer:
    return Answer("What about Haiti?", text, abstained, tuple(citations))


def document() -> Document:
    paragraphs = (Paragraph(1, "Crime <b>harms</b> everyone."), Paragraph(2, "Haiti needs help. HAITI again."),
                  Paragraph(3, P3))
    return Document(DOC, TITLE, paragraphs, heading="Remarks, 7 December 2023")


def test_markers_become_links_to_their_turn_and_citation() -> None:
    a = answer(citation(), citation(paragraph=1, quote="First sentence here.", score=0.5),
               text="Haiti suffers. [1] It starts here. [2] Unknown [3].")
    out = render.answer_html(a, turn=4)
    assert re.findall(r'href="#cite-(\d+)-(\d+)"', out) == [("4", "1"), ("4", "2")]
    assert "Unknown [3]." in out  # a marker without a citation stays plain text
    assert 'title="¶3 of Remarks on &lt;crime&gt; &amp; peace"' in out


def test_markup_in_answers_and_questions_is_escaped_not_rendered() -> None:
    a = answer(citation(), text="<script>alert(1)</script> done [1]")
    messages = render.chat_messages([Exchange("<img src=x onerror=alert(1)> Haiti?", a)])
    assert messages[0] == {"role": "user", "content": "&lt;img src=x onerror=alert(1)&gt; Haiti?"}
    assert "<script>" not in messages[1]["content"] and "&lt;script&gt;" in messages[1]["content"]


def test_streaming_turn_shows_partial_text_and_errors_show_as_messages() -> None:
    done = Exchange("q1", answer(citation()))
    messages = render.chat_messages([done, Exchange("q2 <x>")], streaming="Partial <text")
    assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant"]
    assert messages[-1]["content"] == "Partial &lt;text"
    failed = render.chat_messages([Exchange("q", error="The question is empty: type <a question>")])
    assert 'class="sqa-error"' in failed[1]["content"] and "type &lt;a question&gt;" in failed[1]["content"]
    assert "Traceback" not in failed[1]["content"]


def test_history_is_the_answered_turns_in_cli_form() -> None:
    exchanges = [Exchange("q1", answer(citation())), Exchange("q2", error="boom"), Exchange("q3", answer())]
    assert render.history_of(exchanges) == [
        {"role": "user", "content": "q1"}, {"role": "assistant", "content": "Haiti suffers from weapons influx. [1]"},
        {"role": "user", "content": "q3"}, {"role": "assistant", "content": "Haiti suffers from weapons influx. [1]"},
    ]


def test_quote_spans_find_the_whole_quote_or_each_of_its_sentences() -> None:
    assert render.quote_spans(P3, "The middle one.") == [(21, 36)]
    spans = render.quote_spans(P3, "First sentence here. Haiti suffers from weapons influx.")
    assert [P3[s:e] for s, e in spans] == ["First sentence here.", "Haiti suffers from weapons influx."]
    assert render.quote_spans(P3, "Not in the text.") == []
    assert render.quote_spans(P3, "  ") == []


def test_cited_paragraph_shows_number_document_and_highlighted_quote() -> None:
    out = render.citation_html(citation(text="A <b>bold</b> claim. Haiti suffers from weapons influx."), 2)
    assert re.findall(r"<mark>(.*?)</mark>", out) == ["Haiti suffers from weapons influx."]
    assert "A &lt;b&gt;bold&lt;/b&gt; claim." in out
    assert 'data-paragraph="3"' in out and "¶3" in out and "[2]" in out
    assert html.escape(TITLE) in out and DOC in out


def test_citation_panel_resolves_turn_and_number_and_rejects_stale_targets() -> None:
    exchanges = [Exchange("q1", answer(citation(paragraph=1, quote="First sentence here."))),
                 Exchange("q2", answer(citation()))]
    assert 'data-paragraph="3"' in render.citation_panel(exchanges, render.parse_target("1:1"))
    assert 'data-paragraph="1"' in render.citation_panel(exchanges, render.parse_target("0:1"))
    assert "no longer part" in render.citation_panel(exchanges, (5, 1))
    assert "no longer part" in render.citation_panel(exchanges, (1, 2))
    assert render.NO_CITATION_YET in render.citation_panel(exchanges, render.parse_target("garbage"))
    assert render.parse_target(" 12:3 ") == (12, 3)


def test_sources_list_only_cited_paragraphs_most_relevant_first_with_scores() -> None:
    a = answer(citation(paragraph=5, score=0.41), citation(paragraph=2, score=0.87))
    out = render.sources_html(a, turn=0)
    assert re.findall(r"\[(\d)\] ¶(\d)", out) == [("2", "2"), ("1", "5")]
    assert "score 0.87" in out and "score 0.41" in out
    assert out.count('class="sqa-source"') == 2


def test_sources_say_nothing_was_found_when_the_assistant_abstains() -> None:
    out = render.sources_html(answer(text="The statement does not address this question.", abstained=True), 0)
    assert render.NOTHING_FOUND in out and "sqa-source" not in out
    assert render.NO_ANSWER_YET in render.sources_html(None, 0)


def test_reading_view_numbers_paragraphs_and_highlights_a_phrase() -> None:
    out = render.reading_html(document(), phrase="haiti")
    assert re.findall(r'id="sqa-p-(\d+)"', out) == ["0", "1", "2", "3"]
    assert "¶0 (heading)" in out
    assert re.findall(r'class="sqa-para sqa-match" id="sqa-p-(\d)"', out) == ["2", "3"]
    assert re.findall(r"<mark>(.*?)</mark>", out) == ["Haiti", "HAITI", "Haiti"]
    assert "is in 2 paragraph(s): ¶2, ¶3" in out
    assert "Crime &lt;b&gt;harms&lt;/b&gt; everyone." in out


def test_reading_view_jumps_to_a_paragraph_and_explains_missing_ones() -> None:
    assert 'class="sqa-para sqa-focus" id="sqa-p-2"' in render.reading_html(document(), focus=2)
    missing = render.reading_html(document(), focus=9)
    assert "There is no ¶9: this document has paragraphs 0 to 3." in missing and "sqa-focus" not in missing
    absent = render.reading_html(document(), phrase="<nowhere>")
    assert "“&lt;nowhere&gt;” is not in this document." in absent and "<mark>" not in absent


def test_markdown_export_has_questions_answers_citations_and_quotes() -> None:
    exchanges = [Exchange("What about Haiti?", answer(citation())), Exchange("Empty?", error="The question is empty")]
    md = render.conversation_markdown(exchanges)
    assert md.startswith("# SpeechQA conversation\n")
    assert "## 1. What about Haiti?\n\nHaiti suffers from weapons influx. [1]\n" in md
    assert f"[1] {TITLE} (`{DOC}`), ¶3, score 0.90\n\n> Haiti suffers from weapons influx.\n" in md
    assert "## 2. Empty?\n\n*Error: The question is empty*" in md


@pytest.mark.parametrize(("reason", "says"), [
    ("not_in_text: Iran", "the text never mentions \u201cIran\u201d (not_in_text: Iran)"),
    ("metadata_unknown: vote", "the text does not say how it was voted (metadata_unknown: vote)"),
    ("needs_quantity: peacekeeper", "no passage gives a number for \u201cpeacekeeper\u201d"),
    ("needs_quantity", "no passage gives a number for what is asked (needs_quantity)"),
    ("not_reported: document 264", "the text does not say what document 264 decided or said"),
    ("something_new", "the text does not answer it (something_new)"),
])
def test_every_abstention_reason_reads_as_a_sentence_with_its_code(reason: str, says: str) -> None:
    assert says in render.why_abstained(reason)


def test_the_sources_panel_says_why_the_assistant_abstained() -> None:
    a = replace(answer(text="The statement does not address this question.", abstained=True),
                abstain_reason="not_in_text: Iran")
    out = render.sources_html(a, 0)
    assert "Why: the text never mentions \u201cIran\u201d (not_in_text: Iran)" in out
