"""Document metadata from a catalogue CSV, and the one place it becomes a stored record's metadata.

A catalogue is any CSV whose rows name files (an archive's `manifest.csv`): the column that names them
is found by its header (`path`, `file`, `filename`, `source`) or else as the first column whose every
value ends in a readable suffix, and rows are matched to files by file name, so paths written relative
to another folder still match. Every other non-empty cell becomes metadata of that file's document:
whole numbers as `int`, everything else as `str`, the two kinds Chroma filters on. `record_metadata`
joins it with what the parsed heading gives (speaker, date, venue), the catalogue winning, so a file
with a heading and no catalogue row still has metadata.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from pathlib import Path, PurePosixPath, PureWindowsPath

from index.errors import InputError
from index.model import Document, MetaValue

FILE_COLUMNS = ("path", "file", "filename", "file_name", "source")
RESERVED = frozenset({"doc_id", "title", "hash", "paragraphs", "source"})  # the record's own fields
READABLE = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf")
_WHOLE_NUMBER = re.compile(r"-?(0|[1-9][0-9]{0,14})")

Catalogue = dict[str, tuple[tuple[str, MetaValue], ...]]  # file name -> sorted (key, value) pairs


def file_name(raw: str) -> str:
    """The file name of a path written with either separator."""
    return PureWindowsPath(PurePosixPath(raw.strip()).name).name


def meta_value(raw: str) -> MetaValue:
    """A cell as Chroma will store it: a whole number as int (`2024`), anything else as the text itself."""
    text = raw.strip()
    return int(text) if _WHOLE_NUMBER.fullmatch(text) else text


def read_catalogue(path: Path) -> Catalogue:
    """Metadata per file name from a CSV; raises InputError naming the file and the fix."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            rows = list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise InputError(f"Cannot read the metadata file {path}: {e}. Give a UTF-8 CSV with a header row") from e
    if not rows:
        raise InputError(f"The metadata file {path} has no rows under its header; give a CSV with one row per file")
    column = _file_column(path, rows)
    catalogue: Catalogue = {}
    for number, row in enumerate(rows, start=2):
        name = file_name(row.get(column) or "")
        if not name:
            continue
        if name in catalogue:
            raise InputError(f"{path}, line {number}: a second row for '{name}'; file names must be unique")
        catalogue[name] = _pairs(path, row, column)
    return catalogue


def _file_column(path: Path, rows: list[dict[str, str | None]]) -> str:
    header = [h for h in rows[0] if h is not None]
    named = [h for h in header if h.strip().lower() in FILE_COLUMNS]
    if named:
        return named[0]
    for column in header:
        if all(str(r.get(column) or "").strip().lower().endswith(READABLE) for r in rows):
            return column
    raise InputError(f"No column of {path} names files: add a 'path' column holding each file's name "
                     f"(ending in {', '.join(READABLE)})")


def _pairs(path: Path, row: dict[str, str | None], column: str) -> tuple[tuple[str, MetaValue], ...]:
    pairs: dict[str, MetaValue] = {}
    for key, raw in row.items():
        if key is None or key == column or raw is None or not raw.strip():
            continue
        name = key.strip()
        if name.lower() in RESERVED:
            raise InputError(f"{path}: the column '{name}' would overwrite the document's own {name}; rename it")
        pairs[name] = meta_value(raw)
    return tuple(sorted(pairs.items()))


def with_catalogue(document: Document, catalogue: Mapping[str, tuple[tuple[str, MetaValue], ...]] | None,
                   source: Path) -> Document:
    """`document` carrying its catalogue row's metadata (unchanged when the catalogue has no row for it)."""
    from dataclasses import replace

    row = (catalogue or {}).get(source.name)
    return replace(document, metadata=row) if row else document


def record_metadata(document: Document) -> dict[str, MetaValue]:
    """Everything known about a document to filter on: the heading's speaker, date and venue, the country
    its text speaks for, then the catalogue's columns (which win where both give a value). No year is
    derived from the date: where only some documents had one, a year in a question would rule out every
    document without it."""
    heading = {"speaker": document.speaker, "date": document.date, "venue": document.venue,
               "country": document.country}
    found: dict[str, MetaValue] = {k: v for k, v in heading.items() if v}
    found.update(dict(document.metadata))
    return found
