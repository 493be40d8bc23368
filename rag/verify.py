"""Verification of LLM answers before they are shown: markers, support, re-citation, quotes.

The LLM is asked to cite each sentence with a paragraph marker such as [P4] (or [doc_id:P4] when
several documents were retrieved). Its reply is not trusted:

1. Markers are parsed and repaired: [P 4], [p4], (P4), fullwidth or lenticular brackets (【P4】),
   bare [4], lists and ranges ([P4, P5], [P4-P6]). A marker that names no retrieved paragraph is
   dropped.
2. The reply is split into sentences (claims); each marker belongs to the sentence it follows.
3. Each claim is checked against each paragraph it cites: lexical support (the share of its content
   words found in the paragraph), embedding support (the best cosine between the claim and the
   paragraph or one of its sentences, with the embedder passed in) and every number it states must
   appear in the paragraph.
4. A claim its citations do not support (or that cites nothing) is re-cited to the retrieved
   paragraph that supports it best, when one does. Otherwise it is removed: an unsupported sentence
   is never shown, flagged or not. Explicit refusals and sentences without content are removed too.
5. When nothing supported remains the answer abstains. Otherwise the kept sentences are written
   with the product's markers [1], [2], ... mapping one-to-one onto citations, most relevant first,
   and each citation quotes the sentence of its paragraph that best matches the claims citing it
   (or a stretch of up to three sentences covering the best matches of several claims), so the
   quote is always exact paragraph text.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from index.embed import Embedder
from index.sentences import split_sentences
from index.text import STOPWORDS, tokenize
from rag.answer import Citation
from rag.generate import DocumentLookup, Draft, abstain
from rag.retrieve import ParagraphHit

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

# Calibrated on paraphrased and made-up claims about the bundled speech (tests/test_llm.py): strict on
# purpose, a loosely paraphrased sentence is removed rather than an unsupported one shown.
MIN_LEXICAL = 0.6  # share of the claim's content words the paragraph must contain
MIN_DENSE = 0.5  # cosine between the claim and the paragraph (or its best sentence)
MIN_COMBINED = 1.15  # lexical + dense: one weaker signal must be made up by the other
MAX_QUOTE_SENTENCES = 3  # a quote longer than this stops being a pointer
CACHE_LIMIT = 4096  # sentence vectors kept between answers
MIN_CLAIM_WORDS = 3  # "Mr. President," and "In summary:" are not claims

_BRACKETS = str.maketrans({"【": "[", "】": "]", "［": "[", "］": "]", "〔": "[", "〕": "]", "〖": "[", "〗": "]",
                           "⟦": "[", "⟧": "]", "（": "(", "）": ")"})
_GROUP = re.compile(r"\s*([\[(])([^\[\]()\n]{1,160})([\])])")
_TAG = r"(?:¶|p(?:ara(?:graph)?)?\.?)"
_ITEM = re.compile(rf"(?:(?P<doc>[\w.\-]+)\s*[:#]\s*)?(?P<tag>{_TAG})?\s*(?P<a>\d{{1,4}})"
                   rf"(?:\s*[-–]\s*{_TAG}?\s*(?P<b>\d{{1,4}}))?", re.IGNORECASE)
_SEPARATOR = re.compile(r"\s*(?:[,;&]|\band\b)\s*", re.IGNORECASE)
_BULLET = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])\s+")
_NUMBER = re.compile(r"\d[\d,.]*\d|\d")
_NAME = re.compile(r"\b[A-Z][\w'’-]*")
_REFUSAL = re.compile(
    r"\b(?:cannot|can ?not|can't|unable to|not able to)\b.{0,60}\b(?:answer|determine|find|tell|say|know)\b"
    r"|\b(?:do|does|did) not (?:address|cover|mention|contain|say|discuss|provide|include)\b"
    r"|\bno (?:information|mention)\b|\bnot (?:addressed|covered|mentioned|discussed)\b",
    re.IGNORECASE)

Status = Literal["cited", "re-cited", "unsupported", "unknown-name", "refusal", "no-content"]


@dataclass(frozen=True)
class Ref:
    """A paragraph marker as the LLM wrote it: paragraph number, and doc_id when it gave one."""

    paragraph: int
    doc_id: str | None = None


@dataclass(frozen=True)
class Claim:
    text: str  # the sentence without its markers
    refs: tuple[Ref, ...]


@dataclass(frozen=True)
class Support:
    hit: ParagraphHit
    lexical: float
    dense: float
    numbers_ok: bool
    sentence: tuple[int, int]  # the paragraph sentence that best matches the claim

    @property
    def supported(self) -> bool:
        return (self.numbers_ok and self.lexical >= MIN_LEXICAL and self.dense >= MIN_DENSE
                and self.lexical + self.dense >= MIN_COMBINED)


@dataclass(frozen=True)
class Checked:
    claim: Claim
    status: Status
    supports: tuple[Support, ...] = ()  # the paragraphs it is finally cited to (empty unless kept)

    @property
    def kept(self) -> bool:
        return self.status in ("cited", "re-cited")


@dataclass(frozen=True)
class Verification:
    draft: Draft
    checked: tuple[Checked, ...]

    @property
    def removed(self) -> tuple[Checked, ...]:
        return tuple(c for c in self.checked if c.status in ("unsupported", "unknown-name"))


def marker_label(hit: ParagraphHit, with_doc: bool) -> str:
    """The marker the prompt shows for a passage: P4, or doc_id:P4 when several documents are in play."""
    return f"{hit.doc_id}:P{hit.paragraph}" if with_doc else f"P{hit.paragraph}"


def parse_group(opener: str, inner: str) -> tuple[Ref, ...] | None:
    """The refs of one bracketed group, or None when it is not a marker (e.g. "(2023)")."""
    refs: list[Ref] = []
    for part in _SEPARATOR.split(inner.strip()):
        match = _ITEM.fullmatch(part.strip())
        if match is None or (opener == "(" and not match["tag"]):
            return None
        first, last = int(match["a"]), int(match["b"] or match["a"])
        if not 0 <= last - first <= 10:
            return None
        refs += [Ref(n, match["doc"]) for n in range(first, last + 1)]
    return tuple(refs) or None


def strip_markers(text: str) -> tuple[str, list[tuple[int, tuple[Ref, ...]]]]:
    """The text without its markers, and each marker's refs with its position in that text."""
    text = text.translate(_BRACKETS)
    plain, marks, last = [], [], 0
    length = 0
    for match in _GROUP.finditer(text):
        refs = parse_group(match[1], match[2]) if (match[1] == "[") == (match[3] == "]") else None
        if refs is None:
            continue
        plain.append(text[last:match.start()])
        length += match.start() - last
        marks.append((length, refs))
        last = match.end()
    plain.append(text[last:])
    return "".join(plain), marks


def _spans(text: str) -> list[tuple[int, int]]:
    """Sentence spans, never crossing a line break (LLMs answer in bullet lists too)."""
    spans, offset = [], 0
    for line in text.split("\n"):
        spans += [(offset + s, offset + e) for s, e in split_sentences(line)]
        offset += len(line) + 1
    return spans


def _clean(sentence: str) -> str:
    return _BULLET.sub("", sentence).replace("**", "").strip()


def split_claims(reply: str) -> list[Claim]:
    """The reply's sentences, each with the markers that follow it (or sit inside it)."""
    plain, marks = strip_markers(reply)
    spans = _spans(plain)
    refs: list[list[Ref]] = [[] for _ in spans]
    for pos, found in marks:
        anchor = len(plain[:pos].rstrip()) - 1
        owner = max((i for i, (start, _) in enumerate(spans) if start <= anchor), default=0)
        if spans:
            refs[owner] += found
    claims = [Claim(_clean(plain[s:e]), tuple(dict.fromkeys(r))) for (s, e), r in zip(spans, refs, strict=True)]
    return [c for c in claims if c.text]


def is_refusal(text: str) -> bool:
    return bool(_REFUSAL.search(text))


def _names(ref: Ref, hit: ParagraphHit) -> bool:
    return hit.paragraph == ref.paragraph and ref.doc_id in (None, hit.doc_id)


def resolve(ref: Ref, hits: Sequence[ParagraphHit]) -> list[ParagraphHit]:
    """The retrieved paragraphs a marker names; none when it names a paragraph that was not retrieved."""
    return [h for h in hits if _names(ref, h)]


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "").rstrip(".") for n in _NUMBER.findall(text)}


class Verifier:
    """Checks claims against the retrieved paragraphs.

    Embedding support is computed only for paragraphs whose lexical support can pass, and each
    paragraph's sentences are embedded once, on first use: a few short texts per answer. `cache`
    (sentence text -> vector) may be shared between answers so popular paragraphs cost nothing.
    """

    def __init__(self, hits: Sequence[ParagraphHit], embedder: Embedder,
                 cache: dict[str, np.ndarray] | None = None) -> None:
        self.hits, self.embedder = list(hits), embedder
        self.spans = [split_sentences(h.text) or [(0, len(h.text))] for h in self.hits]
        self.tokens = [set(tokenize(h.text)) for h in self.hits]
        self.words = {w.lower() for h in self.hits for w in re.findall(r"[\w'’-]+", h.text)}
        self.cache = {} if cache is None else cache

    def sentence_vectors(self, index: int) -> np.ndarray:
        import numpy as np

        texts = [self.hits[index].text[s:e] for s, e in self.spans[index]]
        missing = list(dict.fromkeys(t for t in texts if t not in self.cache))
        if missing:
            if len(self.cache) > CACHE_LIMIT:
                self.cache.clear()
            self.cache.update(zip(missing, self.embedder.embed(missing), strict=True))
        return np.stack([self.cache[t] for t in texts])

    def support(self, claim: Claim, index: int, claim_vector: np.ndarray) -> Support:
        hit, spans, words = self.hits[index], self.spans[index], set(tokenize(claim.text))
        cosines = self.sentence_vectors(index) @ claim_vector
        per_sentence = [float(c) + _share(words, set(tokenize(hit.text[s:e])))
                        for c, (s, e) in zip(cosines, spans, strict=True)]
        best = spans[max(range(len(spans)), key=per_sentence.__getitem__)]
        numbers_ok = _numbers(claim.text) <= _numbers(hit.text)
        return Support(hit, _share(words, self.tokens[index]), float(cosines.max()), numbers_ok, best)

    def unknown_names(self, text: str) -> set[str]:
        """Capitalised words (names, places, bodies) that no retrieved passage contains."""
        names = {n.lower() for n in _NAME.findall(text)} - STOPWORDS
        return names - self.words

    def check(self, claim: Claim) -> Checked:
        cited = [i for i, hit in enumerate(self.hits) if any(_names(ref, hit) for ref in claim.refs)]
        words = set(tokenize(claim.text))
        if not cited and is_refusal(claim.text):
            return Checked(claim, "refusal")
        if len(words) < MIN_CLAIM_WORDS:
            return Checked(claim, "no-content")
        if self.unknown_names(claim.text):
            log.info("removed a sentence naming what no passage names: %.120s", claim.text)
            return Checked(claim, "unknown-name")
        candidates = [i for i in range(len(self.hits)) if _share(words, self.tokens[i]) >= MIN_LEXICAL]
        vector = self.embedder.embed_query(claim.text) if candidates else None
        supports = {i: self.support(claim, i, vector) for i in candidates if vector is not None}
        held = tuple(supports[i] for i in cited if i in supports and supports[i].supported)
        if held:
            return Checked(claim, "cited", held)
        best = max((s for s in supports.values() if s.supported), key=lambda s: s.lexical + s.dense, default=None)
        if best is not None:
            return Checked(claim, "re-cited", (best,))
        log.info("removed an unsupported sentence from the LLM answer: %.120s", claim.text)
        return Checked(claim, "unsupported")


def _share(words: set[str], tokens: set[str]) -> float:
    return len(words & tokens) / len(words) if words else 0.0


def build_draft(checked: Sequence[Checked], documents: DocumentLookup) -> Draft:
    """Kept claims with markers [1], [2] (citations most relevant first); abstain when none is kept."""
    kept, seen = [], set()
    for c in checked:
        if c.kept and c.claim.text not in seen:
            kept.append(c)
            seen.add(c.claim.text)
    if not kept:
        return abstain()
    by_key: dict[tuple[str, int], list[Support]] = {}
    for c in kept:
        for s in c.supports:
            by_key.setdefault((s.hit.doc_id, s.hit.paragraph), []).append(s)
    order = sorted(by_key, key=lambda key: (-by_key[key][0].hit.score, key))
    marker = {key: i + 1 for i, key in enumerate(order)}
    sentences = []
    for c in kept:
        numbers = sorted({marker[(s.hit.doc_id, s.hit.paragraph)] for s in c.supports})
        sentences.append(c.claim.text + " " + " ".join(f"[{n}]" for n in numbers))
    citations = tuple(_citation(by_key[key], documents) for key in order)
    return Draft(" ".join(sentences), citations, False)


def _citation(supports: list[Support], documents: DocumentLookup) -> Citation:
    """Quote the best-matching sentences as one exact stretch of the paragraph, at most a few sentences long."""
    hit = supports[0].hit
    spans = split_sentences(hit.text) or [(0, len(hit.text))]
    ranked = [spans.index(s.sentence) for s in sorted(supports, key=lambda s: -(s.lexical + s.dense))]
    chosen = ranked[:1]
    for i in ranked[1:]:
        if max(chosen + [i]) - min(chosen + [i]) < MAX_QUOTE_SENTENCES:
            chosen.append(i)
    quote = hit.text[spans[min(chosen)][0]:spans[max(chosen)][1]]
    return Citation(hit.doc_id, documents(hit.doc_id).title, hit.paragraph, hit.text, quote, hit.score)


def verify_reply(reply: str, hits: Sequence[ParagraphHit], embedder: Embedder, documents: DocumentLookup,
                 cache: dict[str, np.ndarray] | None = None) -> Verification:
    """Verify a whole LLM reply at once (the non-streaming path)."""
    verifier = Verifier(hits, embedder, cache)
    checked = tuple(verifier.check(claim) for claim in split_claims(reply))
    return Verification(build_draft(checked, documents), checked)
