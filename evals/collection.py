"""Gold collections over many documents: one JSONL per document, anchored by quotes, split by document.

A collection folder holds `sources.json` (`{doc_id: {"path": ..., "split": "tune"|"report"}}`, paths
relative to the external corpus) and one `<doc_id>.jsonl` per document. Gold paragraphs are written
as `{"doc_id", "quote"}`: a verbatim span of the paragraph that answers. The quote is mapped to a
paragraph number here, with the product's own parser, so gold sets written before any parsing rule
changed stay right after it changes (a quote that no longer lies inside one paragraph is an error).
The result is ordinary `GoldItem`s plus the source files to ingest and each document's split:
tune on one half, report the other.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from evals.dataset import GoldItem, _parse_item, _Where
from index.errors import InputError
from index.model import Document
from index.parse import parse_file

Split = Literal["tune", "report", "all"]
SPLITS: tuple[str, ...] = ("tune", "report", "all")


def default_corpus_root() -> Path:
    """The external corpus: SPEECHQA_CORPUS, else `shared/corpus/external` beside the repository."""
    given = os.environ.get("SPEECHQA_CORPUS")
    return Path(given) if given else Path(__file__).resolve().parents[2] / "shared" / "corpus" / "external"


@dataclass(frozen=True)
class Collection:
    items: tuple[GoldItem, ...]
    sources: tuple[Path, ...]
    splits: dict[str, str]  # doc_id -> "tune" | "report"


def load_collection(folder: Path, split: Split = "all", corpus_root: Path | None = None) -> Collection:
    """The items and sources of the documents in `split`, gold quotes resolved to paragraph numbers."""
    root = corpus_root or default_corpus_root()
    manifest = _manifest(folder)
    chosen = {d: m for d, m in manifest.items() if split == "all" or m["split"] == split}
    items: list[GoldItem] = []
    sources: list[Path] = []
    for doc_id, meta in sorted(chosen.items()):
        source = root / meta["path"]
        if not source.is_file():
            raise InputError(f"{folder}/sources.json: {doc_id}'s file {source} is missing; set SPEECHQA_CORPUS "
                             "to the external corpus folder")
        document = parse_file(source)
        sources.append(source)
        items += _document_items(folder / f"{doc_id}.jsonl", document)
    if not items:
        raise InputError(f"{folder} holds no questions for split '{split}'")
    return Collection(tuple(items), tuple(sources), {d: m["split"] for d, m in chosen.items()})


def _manifest(folder: Path) -> dict[str, dict[str, str]]:
    path = folder / "sources.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise InputError(f"Cannot read {path}: {e}. A collection folder needs sources.json "
                         "(docs/EVAL_DATASET.md)") from e
    for doc_id, meta in manifest.items():
        if meta.get("split") not in ("tune", "report") or not meta.get("path"):
            raise InputError(f"{path}: {doc_id} needs a 'path' and a 'split' of tune or report")
    return dict(manifest)


def _document_items(path: Path, document: Document) -> list[GoldItem]:
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            where = _Where(path, number)
            items.append(_parse_item(anchor(json.loads(line), {document.doc_id: document}, where), where))
    return items


def anchor(obj: dict[str, Any], documents: dict[str, Document], where: _Where) -> dict[str, Any]:
    """`obj` with every `{"doc_id", "quote"}` gold entry replaced by `{"doc_id", "paragraph"}`."""
    refs: list[dict[str, Any]] = []
    for i, ref in enumerate(obj.get("gold_paragraphs", [])):
        if "quote" in ref:
            document = documents.get(ref.get("doc_id", ""))
            if document is None:
                raise where.error(f"gold_paragraphs[{i}].doc_id", "names a document outside this collection")
            number = paragraph_of(document, ref["quote"])
            if number is None:
                raise where.error(f"gold_paragraphs[{i}].quote", f"lies in no single paragraph of {document.doc_id}")
            ref = {"doc_id": document.doc_id, "paragraph": number}
        if ref not in refs:
            refs.append(ref)
    return {**obj, "gold_paragraphs": refs}


def paragraph_of(document: Document, quote: str) -> int | None:
    """The number of the paragraph (0: the heading) that contains `quote`, whitespace and quotes folded."""
    wanted = _fold(quote)
    for paragraph in document.citable():
        if wanted in _fold(paragraph.text):
            return paragraph.number
    return None


def _fold(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return " ".join(text.replace("- ", "-").split()).lower()


def split_of(items: Sequence[GoldItem], splits: dict[str, str]) -> dict[str, str]:
    """Each item's split, from the document it is about."""
    return {item.id: splits.get(_doc_of(item), "") for item in items}


def _doc_of(item: GoldItem) -> str:
    if item.gold_paragraphs:
        return item.gold_paragraphs[0].doc_id
    return item.doc or item.id.rsplit("-", 1)[0]
