"""Lexical retrieval: BM25 over paragraphs (heading included), with document scoping.

The BM25 index is derived data: it is rebuilt from the store's documents whenever their
fingerprint changes and cached on local disk beside the index, so a cold start only loads it.
Tokens are lower-cased words without stop words, lightly stemmed so plurals and -ing/-ed forms meet.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from index.model import Document, content_hash

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
STOPWORDS = frozenset(
    [
        "a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are", "as", "at", "be",
        "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could", "did", "do",
        "does", "doing", "down", "during", "each", "few", "for", "from", "further", "had", "has", "have", "having",
        "he", "her", "here", "hers", "herself", "him", "himself", "his", "how", "i", "if", "in", "into", "is", "it",
        "its", "itself", "just", "me", "more", "most", "my", "myself", "no", "nor", "not", "now", "of", "off", "on",
        "once", "only", "or", "other", "our", "ours", "ourselves", "out", "over", "own", "same", "she", "should", "so",
        "some", "such", "than", "that", "the", "their", "theirs", "them", "themselves", "then", "there", "these",
        "they", "this", "those", "through", "to", "too", "under", "until", "up", "very", "was", "we", "were", "what",
        "when", "where", "which", "while", "who", "whom", "why", "will", "with", "would", "you", "your", "yours",
        "yourself", "yourselves", "does", "say", "says", "said", "statement", "speech", "speaker", "mention",
        "mentions", "mentioned"
    ]
)


@lru_cache(maxsize=1 << 16)  # a language has few word forms; questions and sentences reuse them
def stem(word: str) -> str:
    """A light, deterministic suffix stripper (plural, -ing, -ed, -ly, final e); enough to match word forms."""
    for suffix, keep in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: len(word) - len(suffix)] + keep
            break
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


_SUFFIXES = (("ies", "y"), ("sses", "ss"), ("xes", "x"), ("ches", "ch"), ("shes", "sh"), ("ing", ""),
             ("edly", ""), ("ed", ""), ("ly", ""), ("ss", "ss"), ("us", "us"), ("is", "is"), ("s", ""))


def tokenize(text: str) -> list[str]:
    return [stem(w) for w in _WORD.findall(text.lower()) if len(w) > 1 and w not in STOPWORDS]


def fingerprint(documents: Iterable[tuple[str, str]]) -> str:
    """Hash of (doc_id, doc_hash) pairs: changes exactly when the indexed content changes."""
    return content_hash("|".join(f"{d}:{h}" for d, h in sorted(documents)))


class LexicalIndex:
    """BM25 over (doc_id, paragraph) keys; `search` returns (key, score) best first."""

    def __init__(self, keys: list[tuple[str, int]], model: object) -> None:
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
        self._model.save(str(folder), show_progress=False)  # type: ignore[attr-defined]
        (folder / "keys.json").write_text(json.dumps(self.keys))

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        import bm25s

        model = bm25s.BM25.load(str(folder), mmap=False, show_progress=False)
        keys = [(d, int(p)) for d, p in json.loads((folder / "keys.json").read_text())]
        return cls(keys, model)

    def _mask(self, doc_ids: Sequence[str] | None) -> np.ndarray | None:
        if not doc_ids:
            return None
        import numpy as np

        mask = np.zeros(len(self.keys), dtype=np.float32)
        for doc_id in doc_ids:
            mask[self._by_doc.get(doc_id, [])] = 1.0
        return mask

    def search(self, query: str, k: int, doc_ids: Sequence[str] | None = None) -> list[tuple[tuple[str, int], float]]:
        import numpy as np

        tokens = [t for t in tokenize(query) if t in self._model.vocab_dict]  # type: ignore[attr-defined]
        if not tokens or not self.keys:
            return []
        scores = self._model.get_scores(tokens)  # type: ignore[attr-defined]
        mask = self._mask(doc_ids)
        if mask is not None:
            scores = scores * mask
        top = np.argsort(-scores, kind="stable")[:k]
        return [(self.keys[i], float(scores[i])) for i in top if scores[i] > 0]


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
