"""Answers about the statement itself (who spoke, when, where, for which country, at which session).

The parser reads speaker, date and venue from the heading; a question about them is answered with
that field and the heading line it came from, quoted verbatim and cited as paragraph 0, so the claim
can be checked like any other. A statement without a heading may still say these things about
itself: "I am <name>", "in my capacity as President", "at its seventy-third session", and the country
it speaks for (`index.countries`). Then the first sentence that says it is quoted and cited. A
document that says nothing about the field gets no answer (None), never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from index.countries import document_country
from index.model import Document
from index.sentences import split_sentences
from rag.answer import Citation
from rag.generate import Draft
from rag.question import MetadataField, Query

_SELF_NAMED = re.compile(r"\b(I am|my name is) ([A-Z][\w\u00C0-\u024F.'-]+)( [A-Z][\w\u00C0-\u024F.'-]+)+")
_CAPACITY = re.compile(r"\b(in my capacity as|I (speak|stand|come|address you|am here) (here |today |before you )*"
                       r"as) (the )?[A-Z]")
_ORDINAL = (r"(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|\w+teenth|"
            r"\w+tieth|(twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)-\w+|\d+(st|nd|rd|th))")
_SESSION = re.compile(rf"\b{_ORDINAL} (regular |special |emergency )?session\b", re.IGNORECASE)
# a resolution's own adoption line: "Adopted unanimously at the 1885th meeting.", "Adopted at the 539th meeting by
# 8 votes to none, with 3 abstentions (...)"
_VOTE = re.compile(r"\badopted\b[^.]*?\b(unanimously|without (a )?vote|by consensus|by acclamation|\d+ votes?|"
                   r"(\w+ )?votes? to|abstentions?)\b", re.IGNORECASE)
_MEETING = re.compile(r"\badopted\b[^.]*?\b\d+(st|nd|rd|th)\s+meeting\b", re.IGNORECASE)


def metadata_draft(query: Query, document: Document) -> Draft | None:
    """A cited answer from the document's heading or its own words about itself, or None when the
    document does not say."""
    if query.metadata is None:
        return None
    first = _from_heading(query.metadata, document)
    if first is None:
        # no heading says it: each field asked from the heading or the document's own words about itself ("Which
        # country delivered this statement, and at which session?"), in the order asked
        own = _from_text(query.metadata, document)
        if own is None:
            return None
        found = [own if f == query.metadata else _from_heading(f, document) or _from_text(f, document)
                 for f in query.metadata_fields or (query.metadata,)]
        given = [d for d in found if d is not None]
        return _joined(given) if len(given) > 1 else own
    # the other fields asked together ("its number, and the date it was adopted?"): from the heading, else
    # from the document's own words about itself ("Adopted unanimously at the 2994th meeting.")
    drafts = {f: _from_heading(f, document) for f in query.metadata_fields}
    heading = _together([first if f == query.metadata else d for f, d in drafts.items() if d] or [first], document)
    body = [t for f, d in drafts.items() if d is None and (t := _from_text(f, document)) is not None]
    return _joined([heading, *body]) if body else heading


def _joined(drafts: list[Draft]) -> Draft:
    """Answers from different paragraphs as one, each keeping its own citation and marker."""
    parts: list[str] = []
    citations: list[Citation] = []
    for draft in drafts:
        if any(c.quote == draft.citations[0].quote for c in citations):
            continue  # a line already quoted for another field
        citations.append(draft.citations[0])
        parts.append(draft.answer.removesuffix(" [1]") + f" [{len(citations)}]")
    return Draft("; ".join(parts), tuple(citations), False)


def _from_heading(field: MetadataField, document: Document) -> Draft | None:
    value = getattr(document, field, None) if field in ("speaker", "date", "venue", "title") else None
    if not value or not document.heading:
        return None
    quote = _whole_line(document.heading, lambda line: _mentions(line, value, field))
    heading = f"\u201c{' '.join(quote.split())}\u201d"
    if field == "title" or (field == "date" and _written_date(quote, value)):
        answer = heading  # the line says it in the text's own words
    else:  # a date the line does not write as the value is put in words ("3 April 1991" for "3 Apri] 1991")
        words = _in_words(value) if field == "date" and value not in quote else value
        answer = f"{words} \u2014 the heading reads {heading}"
    citation = Citation(document.doc_id, document.title, 0, document.heading, quote, 1.0)
    return Draft(answer + " [1]", (citation,), False)


def _whole_line(heading: str, wanted: Callable[[str], bool]) -> str:
    """The first heading line that is `wanted` (else the first line), with the lines it runs on from or into:
    "Adopted by the Security Council at its 3138th meeting," / "on 19 November 1992" is one statement."""
    spans = [(m.start(), m.end()) for m in re.finditer(r"[^\r\n]*\S[^\r\n]*", heading)]
    lines = [heading[a:b].strip() for a, b in spans]
    first = last = next((i for i, line in enumerate(lines) if wanted(line)), 0)
    while first > 0 and (lines[first - 1].endswith(",") or lines[first][:1].islower()):
        first -= 1
    while last + 1 < len(lines) and (lines[last].endswith(",") or lines[last + 1][:1].islower()):
        last += 1
    return heading[spans[first][0]:spans[last][1]].strip()


def _together(drafts: list[Draft], document: Document) -> Draft:
    """Heading answers for several fields as one: each field's words in the order asked, citing the
    heading once with the lines from the first quoted to the last."""
    parts = list(dict.fromkeys(d.answer.removesuffix(" [1]") for d in drafts))
    if len(parts) == 1:
        return drafts[0]
    heading = document.heading or ""
    spans = [(start := heading.index(c.quote), start + len(c.quote)) for d in drafts for c in d.citations]
    quote = heading[min(a for a, _ in spans):max(b for _, b in spans)]
    citation = Citation(document.doc_id, document.title, 0, heading, quote, 1.0)
    return Draft("; ".join(parts) + " [1]", (citation,), False)


def _from_text(field: MetadataField, document: Document) -> Draft | None:
    """The first body sentence that says `field` about the document itself, quoted and cited."""
    says = _text_field(field, document)
    if says is None:
        return None
    for paragraph in document.paragraphs:
        for start, end in split_sentences(paragraph.text):
            sentence = paragraph.text[start:end]
            if says(sentence):
                citation = Citation(document.doc_id, document.title, paragraph.number, paragraph.text, sentence, 1.0)
                return Draft(f"{sentence} [1]", (citation,), False)
    return None


def _text_field(field: MetadataField, document: Document) -> Callable[[str], bool] | None:
    if field == "speaker":
        return lambda s: bool(_SELF_NAMED.search(s))
    if field == "title":
        return lambda s: bool(_CAPACITY.search(s))
    if field == "session":
        return lambda s: bool(_SESSION.search(s))
    if field == "vote":
        return lambda s: bool(_VOTE.search(s))
    if field == "meeting":
        return lambda s: bool(_MEETING.search(s))
    if field == "country":
        name = document_country(document)
        if not name:
            return None
        named = re.compile(rf"\b{re.escape(name)}\b")
        return lambda s: bool(named.search(s))
    return None


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def _mentions(line: str, value: str, field: str) -> bool:
    if field == "date":
        return value in line or value.replace("-", "") in line.replace("-", "") or _written_date(line, value)
    return value.lower() in line.lower()


def _date_parts(value: str) -> tuple[str, str, str] | None:
    """The year, month name and day of the ISO date `value` ("1991-04-03" -> "1991", "April", "3"), or None."""
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", value)
    return (match.group(1), _MONTHS[int(match.group(2)) - 1], str(int(match.group(3)))) if match else None


def _in_words(value: str) -> str:
    """The ISO date `value` as words ("1991-04-03" -> "3 April 1991"); anything else as it is."""
    parts = _date_parts(value)
    return f"{parts[2]} {parts[1]} {parts[0]}" if parts else value


def _written_date(line: str, value: str) -> bool:
    """`line` writes the ISO date `value` in words: "of 30 January 1976", "December 7, 2023"."""
    parts = _date_parts(value)
    if parts is None:
        return False
    year, month, day = parts
    return year in line and month in line and re.search(rf"\b{day}\b", line) is not None
