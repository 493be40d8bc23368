"""Parsing stage: read a speech file (.txt, .md, .html/.htm, .pdf) into a `Document` of numbered paragraphs.

Every format is reduced to plain text and then takes one path (`parse_text`): page furniture is
dropped, the heading (title and dateline, cited as paragraph 0) is found and read for metadata,
and the body is cut into paragraphs numbered from 1 in reading order (see `index.paragraphs`).
Everything here is a pure function of the file's content, so the same file always gives the same
`Document.hash`. A file that cannot be used raises `SourceError` naming the file.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING

from index.countries import own_country
from index.errors import SourceError
from index.heading import find_date, find_heading, find_speaker, find_venue, is_footer, strip_markdown_heading
from index.model import Document, Paragraph
from index.paragraphs import normalize_space, split_paragraphs

if TYPE_CHECKING:
    from pypdf import PageObject

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf")
_SLUG_RUNS = re.compile(r"[^a-z0-9]+")
_MARKDOWN_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MARKDOWN_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
# Parts of a page a reader does not read as the document; header/footer only outside <article>/<main>.
_SKIPPED_TAGS = frozenset({"script", "style", "nav", "noscript", "template", "svg"})
_PAGE_CHROME_TAGS = frozenset({"header", "footer"})
_CONTENT_TAGS = frozenset({"article", "main"})
_BLOCK_TAGS = frozenset({
    "p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "br", "section", "article", "main", "ul", "ol", "table",
    "tr", "td", "th", "blockquote", "pre", "dd", "dt", "dl", "figure", "figcaption", "hr", "address",
})


def slugify(name: str) -> str:
    """A document id from a file name without extension: 'CHN_69_2014' -> 'chn-69-2014'."""
    return _SLUG_RUNS.sub("-", name.lower()).strip("-") or "document"


def parse_file(path: Path) -> Document:
    """Read and parse one file; the suffix picks the reader. Raises SourceError naming the file."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise SourceError(_unsupported_message(path))
    doc_id, source = slugify(path.stem), str(path)
    if suffix == ".pdf":
        return parse_text(_pdf_text(path), doc_id, source)
    text = _read_text(path)
    if suffix in (".html", ".htm"):
        return _parse_html(text, doc_id, source)
    if suffix in (".md", ".markdown"):
        text = _MARKDOWN_LINK.sub(r"\1", _MARKDOWN_IMAGE.sub("", text))
    return parse_text(text, doc_id, source)


def parse_text(text: str, doc_id: str, source: str = "") -> Document:
    """Parse plain text or markdown: drop furniture, find the heading, number the body paragraphs."""
    return _document(text, doc_id, source, markup_title=None)


def _document(text: str, doc_id: str, source: str, markup_title: str | None) -> Document:
    lines = [normalize_space(line) for line in text.splitlines()]
    lines = ["" if is_footer(line) else line for line in lines]
    head = find_heading(lines, markup_title)
    body = "\n".join(strip_markdown_heading(line) for line in lines[head.body_start :])
    paragraphs = tuple(Paragraph(n, p) for n, p in enumerate(split_paragraphs(body), start=1))
    name = source or doc_id
    if not paragraphs:
        raise SourceError(f"{name}: no body text found (the file is empty or holds only a heading); "
                          "check that it contains the speech and re-run.")
    title = head.title or markup_title or (Path(source).stem if source else doc_id)
    printed = head.lines or ((markup_title,) if markup_title else ())  # no heading printed: no paragraph 0
    return Document(doc_id=doc_id, title=title, paragraphs=paragraphs, speaker=find_speaker(title),
                    date=find_date("\n".join(printed)), venue=find_venue(printed), source=source,
                    heading="\n".join(printed), country=own_country([p.text for p in paragraphs], doc_id.upper()))


def _unsupported_message(path: Path) -> str:
    kind = f"'{path.suffix}'" if path.suffix else "with no extension"
    return (f"{path}: unsupported file type {kind}. Supported types: {', '.join(SUPPORTED_SUFFIXES)}; "
            "convert the file to one of these or leave it out.")


def _read_text(path: Path) -> str:
    """The file's text: UTF-8 (with or without BOM), or UTF-16 when it starts with a UTF-16 BOM."""
    data = _read_bytes(path)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode(path, data, "utf-16")
    if b"\x00" in data:
        raise SourceError(f"{path}: looks like a binary file (it contains NUL bytes), not text; "
                          f"pass a text, markdown, HTML or PDF file.")
    return _decode(path, data, "utf-8-sig")


def _read_bytes(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as e:
        raise SourceError(f"{path}: cannot be read ({e.strerror or e}); check the path and permissions.") from e
    if not data.strip():
        raise SourceError(f"{path}: the file is empty; add the speech text or leave the file out.")
    return data


def _decode(path: Path, data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        raise SourceError(f"{path}: is not valid {encoding.upper().replace('-SIG', '')} text (bad byte at "
                          f"offset {e.start}); re-save it as UTF-8.") from e


def _pdf_text(path: Path) -> str:
    """The text layer of a PDF, page by page; pypdf is imported here so other formats never load it."""
    try:
        from pypdf import PdfReader
        from pypdf.errors import PyPdfError
    except ImportError as e:
        raise SourceError(f"{path}: reading PDF needs the 'pypdf' package; install it with: "
                          "pip install pypdf") from e
    _read_bytes(path)  # empty and unreadable files get the same messages as text files
    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            reader.decrypt("")
        text = "\n".join(_page_text(page) for page in reader.pages)
    except (PyPdfError, OSError, ValueError, KeyError, TypeError) as e:
        raise SourceError(f"{path}: is not a readable PDF ({e}); re-export it or convert it to text.") from e
    if not text.strip():
        raise SourceError(f"{path}: the PDF has no text layer (it is probably a scanned image); run OCR "
                          "on it first (for example: ocrmypdf in.pdf out.pdf) and ingest the result.")
    return text


def _page_text(page: PageObject) -> str:
    """Layout mode keeps the vertical gap between paragraphs as a blank line; plain mode loses it."""
    try:
        return page.extract_text(extraction_mode="layout") or ""
    except (ValueError, KeyError, TypeError, ZeroDivisionError):
        return page.extract_text() or ""  # layout mode is newer and stricter about odd fonts


def _parse_html(html: str, doc_id: str, source: str) -> Document:
    extractor = _HtmlText()
    extractor.feed(html)
    extractor.close()
    title = extractor.h1 or extractor.title or None
    return _document("\n\n".join(extractor.blocks), doc_id, source, markup_title=title)


class _HtmlText(HTMLParser):
    """Visible text of a page as blocks (one per paragraph-like element), plus <title> and first <h1>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.title = ""
        self.h1 = ""
        self._buffer: list[str] = []
        self._hidden: tuple[str, int] | None = None  # (tag, nesting) of the element being skipped
        self._content = 0  # depth inside <article>/<main>, where header/footer belong to the text

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _CONTENT_TAGS:
            self._content += 1
        if self._hidden:
            # Count only the skipped tag's own nesting: real pages leave <li> and <p> unclosed.
            self._hidden = (self._hidden[0], self._hidden[1] + (tag == self._hidden[0]))
        elif tag in _SKIPPED_TAGS or (tag in _PAGE_CHROME_TAGS and not self._content):
            self._hidden = (tag, 1)
        elif tag in _BLOCK_TAGS or tag == "title":
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in _CONTENT_TAGS and self._content:
            self._content -= 1
        if self._hidden:
            if tag == self._hidden[0]:
                self._hidden = (tag, self._hidden[1] - 1) if self._hidden[1] > 1 else None
            return
        if tag == "title":
            self.title = self.title or self._take()
        elif tag in _BLOCK_TAGS:
            if tag == "h1" and not self.h1:
                self.h1 = self._text()
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self._buffer.append(data)

    def close(self) -> None:
        super().close()
        self._flush()

    def _text(self) -> str:
        return normalize_space(" ".join(" ".join(self._buffer).split()))

    def _take(self) -> str:
        text = self._text()
        self._buffer.clear()
        return text

    def _flush(self) -> None:
        block = self._take()
        if block:
            self.blocks.append(block)


def iter_source_files(paths: Iterable[Path]) -> Iterator[Path | SourceError]:
    """Expand files and folders into the files to parse, yielding a SourceError for each bad path.

    Folders are walked recursively in sorted order, keeping supported suffixes and skipping hidden
    names; a file or folder reached twice (through a symlink, or a loop of them) is yielded once.
    A path named explicitly is yielded whatever its name, or an error if missing or unsupported.
    Errors are yielded, not raised, so one bad path does not stop the others.
    """
    seen: set[Path] = set()
    for path in paths:
        yield from _expand(Path(path), seen)


def _expand(path: Path, seen: set[Path]) -> Iterator[Path | SourceError]:
    if path.is_dir():
        yield from _walk(path, seen)
    elif not path.exists():
        yield SourceError(f"{path}: no such file or folder; check the path.")
    elif path.suffix.lower() not in SUPPORTED_SUFFIXES:
        yield SourceError(_unsupported_message(path))
    elif _first_visit(path, seen):
        yield path


def _walk(folder: Path, seen: set[Path]) -> Iterator[Path | SourceError]:
    if not _first_visit(folder, seen):
        return
    try:
        entries = sorted(folder.iterdir(), key=lambda entry: entry.name)
    except OSError as e:
        yield SourceError(f"{folder}: cannot list the folder ({e.strerror or e}); check its permissions.")
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            yield from _walk(entry, seen)
        elif entry.is_file() and entry.suffix.lower() in SUPPORTED_SUFFIXES and _first_visit(entry, seen):
            yield entry


def _first_visit(path: Path, seen: set[Path]) -> bool:
    real = path.resolve()
    if real in seen:
        return False
    seen.add(real)
    return True
