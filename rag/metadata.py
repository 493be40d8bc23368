"""Answers about the statement itself (who spoke, when, where), cited to its heading (paragraph 0).

The parser reads speaker, date and venue from the heading; a question about them is answered from
those fields and cites the heading line the field came from, so the claim can be checked like any other.
"""

from __future__ import annotations

from index.model import Document
from rag.answer import Citation
from rag.generate import Draft
from rag.question import Query

_SENTENCES = {
    "speaker": "The statement was delivered by {value}.",
    "date": "The statement is dated {value}.",
    "venue": "The statement was delivered at the {value}.",
    "title": "The statement is titled \u201c{value}\u201d.",
}


def metadata_draft(query: Query, document: Document) -> Draft | None:
    """A cited answer from the document's metadata, or None when the field is unknown."""
    if query.metadata is None or not document.heading:
        return None
    value = getattr(document, query.metadata)
    if not value:
        return None
    lines = document.heading.splitlines()
    quote = next((line for line in lines if _mentions(line, value, query.metadata)), lines[0])
    sentence = _SENTENCES[query.metadata].format(value=value)
    answer = f"{sentence} [1]"
    citation = Citation(document.doc_id, document.title, 0, document.heading, quote, 1.0)
    return Draft(answer, (citation,), False)


def _mentions(line: str, value: str, field: str) -> bool:
    if field == "date":
        return value in line or value.replace("-", "") in line.replace("-", "")
    return value.lower() in line.lower()
