"""Answers about the statement itself (who spoke, when, where), cited to its heading (paragraph 0).

The parser reads speaker, date and venue from the heading; a question about them is answered with
that field and the heading line it came from, quoted verbatim and cited as paragraph 0, so the claim
can be checked like any other.
"""

from __future__ import annotations

from index.model import Document
from rag.answer import Citation
from rag.generate import Draft
from rag.question import Query


def metadata_draft(query: Query, document: Document) -> Draft | None:
    """A cited answer from the document's metadata, or None when the field is unknown."""
    if query.metadata is None or not document.heading:
        return None
    value = getattr(document, query.metadata)
    if not value:
        return None
    lines = document.heading.splitlines()
    quote = next((line for line in lines if _mentions(line, value, query.metadata)), lines[0])
    heading = f"\u201c{quote}\u201d [1]"
    answer = heading if query.metadata == "title" else f"{value} \u2014 the heading reads {heading}"
    citation = Citation(document.doc_id, document.title, 0, document.heading, quote, 1.0)
    return Draft(answer, (citation,), False)


def _mentions(line: str, value: str, field: str) -> bool:
    if field == "date":
        return value in line or value.replace("-", "") in line.replace("-", "")
    return value.lower() in line.lower()
