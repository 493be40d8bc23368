"""Frozen domain values of the ingestion stage: Document, Paragraph and Chunk.

Library objects (Chroma results, LangChain Documents) are converted to these at one boundary and
never travel further. Ids are derived from content, so the same input always gives the same ids.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property

MetaValue = str | int  # what a document's metadata holds, and what Chroma filters on


def content_hash(text: str, length: int = 16) -> str:
    """Stable short hex digest of `text` (sha256), used in ids and manifests."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


@dataclass(frozen=True)
class Paragraph:
    """One body paragraph; `number` is the reader's count, starting at 1, in source order."""

    number: int
    text: str

    @cached_property
    def hash(self) -> str:
        return content_hash(self.text)


@dataclass(frozen=True)
class Document:
    """A parsed source file: metadata where the text gives it, and the numbered body paragraphs."""

    doc_id: str
    title: str
    paragraphs: tuple[Paragraph, ...]
    speaker: str | None = None
    date: str | None = None  # ISO 8601 (YYYY-MM-DD) when the text gives a date
    venue: str | None = None
    country: str | None = None  # the country the text speaks for, as it writes the name (`index.countries`)
    source: str = ""  # the path it was read from, for messages only
    heading: str = ""  # the heading lines as printed (title, dateline), cited as paragraph 0
    # Catalogue metadata (`speechqa ingest --metadata`), sorted (key, value) pairs: a tuple keeps the
    # value hashable; `meta` gives it as a dict. Set by `index.metadata.with_catalogue` only.
    metadata: tuple[tuple[str, MetaValue], ...] = ()

    @cached_property
    def hash(self) -> str:
        """Hash of everything that is stored: metadata and paragraphs, not the source path."""
        parts = [self.doc_id, self.title, self.speaker or "", self.date or "", self.venue or ""]
        parts += [self.heading] + [p.text for p in self.paragraphs]
        if self.country:  # a document stored before its country was read gets it on its next ingest
            parts.append(f"country={self.country}")
        if self.metadata:  # absent metadata leaves the hash of documents stored before it existed unchanged
            parts.append(repr(self.metadata))
        return content_hash("\x1f".join(parts))

    @property
    def meta(self) -> dict[str, MetaValue]:
        return dict(self.metadata)

    def paragraph(self, number: int) -> Paragraph:
        """The paragraph with this number (0 is the heading); raises KeyError when out of range."""
        if number == 0 and self.heading:
            return Paragraph(0, self.heading)
        if 1 <= number <= len(self.paragraphs):
            return self.paragraphs[number - 1]
        raise KeyError(number)

    def citable(self) -> tuple[Paragraph, ...]:
        """The heading (as paragraph 0, when there is one) and the body paragraphs."""
        head = (Paragraph(0, self.heading),) if self.heading else ()
        return head + self.paragraphs


@dataclass(frozen=True)
class Chunk:
    """A piece of one paragraph (a sentence window) that is embedded; never crosses paragraphs.

    `start`/`end` are character offsets into the paragraph text.
    """

    doc_id: str
    paragraph: int
    index: int  # position of the chunk within its paragraph, from 0
    text: str
    start: int
    end: int
    paragraph_hash: str = field(default="")
    whole: bool = False  # the chunk holds its entire paragraph


    @property
    def chunk_id(self) -> str:
        return f"{self.doc_id}:{self.paragraph}:{self.index}:{content_hash(self.text, 12)}"


def doc_id_of(chunk_id: str) -> str:
    """The document a chunk id belongs to (the inverse of `Chunk.chunk_id`'s prefix; a doc id may hold ':')."""
    return chunk_id.rsplit(":", 3)[0]
