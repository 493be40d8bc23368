"""Lexical retrieval: BM25 over paragraphs (heading included), with document scoping.

The BM25 index is derived data: it is rebuilt from the store's documents whenever their
fingerprint changes and cached on local disk beside the index, so a cold start only loads it.
Tokens are lower-cased words without stop words, lightly stemmed so plurals and -ing/-ed forms meet.
"""

from __future__ import annotations

import json
import logging
import math
import shutil
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.model import Document, content_hash
from index.text import tokenize

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

def fingerprint(documents: Iterable[tuple[str, str]]) -> str:
    """Hash of (doc_id, doc_hash) pairs: changes exactly when the indexed content changes."""
    return content_hash("|".join(f"{d}:{h}" for d, h in sorted(documents)))


class LexicalIndex:
    """BM25 over (doc_id, paragraph) keys; `search` returns (key, score) best first."""

    def __init__(self, keys: list[tuple[str, int]], model: Any) -> None:  # model: bm25s.BM25 (untyped)
        self.keys = keys
        self._model = model
        self._by_doc: dict[str, list[int]] = {}
        for row, (doc_id, _) in enumerate(keys):
            self._by_doc.setdefault(doc_id, []).append(row)

    @classmethod
    def build(cls, documents: Iterable[Document]) -> LexicalIndex:
        import bm25s

        keys: list[tuple[str, int]] = []
        corpus: list[list[str]] = []
        for doc in documents:
            for p in doc.citable():
                keys.append((doc.doc_id, p.number))
                corpus.append(tokenize(_searchable(doc, p.number, p.text)) or ["\x00"])
        model = bm25s.BM25()
        model.index(corpus, show_progress=False)
        return cls(keys, model)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._model.save(str(folder), show_progress=False)
        (folder / "keys.json").write_text(json.dumps(self.keys))

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        import bm25s

        model = bm25s.BM25.load(str(folder), mmap=False, show_progress=False)
        keys = [(d, int(p)) for d, p in json.loads((folder / "keys.json").read_text())]
        return cls(keys, model)

    def _rows(self, doc_ids: Sequence[str]) -> np.ndarray:
        """The rows of these documents' paragraphs, ascending (the order ties are broken in)."""
        import numpy as np

        rows = [self._by_doc.get(doc_id, []) for doc_id in dict.fromkeys(doc_ids)]
        return np.sort(np.fromiter((r for group in rows for r in group), dtype=np.int64))

    def search(self, query: str, k: int, doc_ids: Sequence[str] | None = None) -> list[tuple[tuple[str, int], float]]:
        """The k best paragraphs with a positive score, inside `doc_ids` when given; ties go to the earlier
        row. Only the candidates are sorted (the positive rows, in scope), not all the index's paragraphs."""
        import numpy as np

        tokens = [t for t in tokenize(query) if t in self._model.vocab_dict]
        if not tokens or not self.keys:
            return []
        scores = self._model.get_scores(tokens)
        rows = np.flatnonzero(scores > 0) if not doc_ids else self._rows(doc_ids)
        rows = rows[scores[rows] > 0]
        top = rows[np.argsort(-scores[rows], kind="stable")[:k]]
        return [(self.keys[i], float(scores[i])) for i in top]


def _searchable(doc: Document, number: int, text: str) -> str:
    """The heading is searched together with the metadata the parser found (speaker, date, venue)."""
    if number != 0:
        return text
    extras = [doc.title, doc.speaker or "", doc.date or "", doc.venue or ""]
    return " ".join([text, *extras])


def load_or_build(documents: list[tuple[str, str]], load_document: Callable[[str], Document],
                  cache_dir: Path | None) -> LexicalIndex:
    """The BM25 index for these (doc_id, hash) pairs: from the cache when it matches, else rebuilt."""
    folder = cache_dir / fingerprint(documents) if cache_dir else None
    if folder is not None and (folder / "keys.json").exists():
        try:
            return LexicalIndex.load(folder)
        except OSError as e:  # another process replaced the cache while we read it: build our own
            log.info("BM25 cache %s went away while loading (%s); rebuilding", folder, e)
    index = LexicalIndex.build(load_document(doc_id) for doc_id, _ in sorted(documents))
    if folder is not None:
        try:
            _replace_cache(index, folder)
        except OSError as e:  # a read-only or full disk only costs the cache, not the answer
            log.warning("Could not cache the BM25 index in %s: %s", folder, e)
    return index


def _replace_cache(index: LexicalIndex, folder: Path) -> None:
    """Write the new cache beside the old ones, then drop the old ones."""
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    index.save(tmp)
    tmp.rename(folder)
    for old in folder.parent.iterdir():
        if old != folder:
            shutil.rmtree(old, ignore_errors=True)


BM25_K1, BM25_B = 1.5, 0.75


def document_bm25(document: Document, query: str, k: int) -> list[tuple[tuple[str, int], float]]:
    """BM25 of `query` over one document's paragraphs (heading included), with that document's own
    word statistics: the (doc_id, paragraph) keys with a positive score, best first."""
    rows = _document_rows(document)
    terms = set(tokenize(query))
    if not rows or not terms:
        return []
    average = sum(len(r) for _, r in rows) / len(rows)
    frequency = {t: sum(1 for _, r in rows if t in r) for t in terms}
    scored = []
    for number, row in rows:
        score = 0.0
        for t in terms & row.keys():
            idf = math.log(1 + (len(rows) - frequency[t] + 0.5) / (frequency[t] + 0.5))
            tf = row[t]
            score += idf * tf * (BM25_K1 + 1) / (tf + BM25_K1 * (1 - BM25_B + BM25_B * sum(row.values()) / average))
        if score > 0:
            scored.append(((document.doc_id, number), score))
    scored.sort(key=lambda item: (-item[1], item[0][1]))
    return scored[:k]


@lru_cache(maxsize=256)
def _document_rows(document: Document) -> tuple[tuple[int, dict[str, int]], ...]:
    """Each citable paragraph's term counts (documents are immutable, so they are cached by value)."""
    rows = []
    for p in document.citable():
        counts: dict[str, int] = {}
        for t in tokenize(_searchable(document, p.number, p.text)):
            counts[t] = counts.get(t, 0) + 1
        rows.append((p.number, counts))
    return tuple(rows)
