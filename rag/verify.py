"""Verification of LLM answers before they are shown: markers, claim-level support, relevance, quotes.

The LLM is asked to cite each sentence with a paragraph marker such as [P4] (or [doc_id:P4] when
several documents were retrieved). Its reply is not trusted:

1. The reply is read into claims (`rag.claims`): its sentences, each with the paragraph markers
   it carries, repaired; a marker that names no retrieved paragraph is dropped.
2. Refusals, and sentences without content ("Mr. President,") are not claims to show.
3. Each claim must be supported by ONE sentence of the paragraph it cites, or by TWO ADJACENT ones,
   never by words scattered over the paragraph: that sentence (or pair) must hold most of the
   claim's content words (`MIN_LEXICAL`), every name and number it states, the same negation words
   ("not", "no", "never", ...: a claim that drops or adds one says the opposite), and be close in
   meaning (embedding cosine, `MIN_DENSE`).
4. A claim its citation does not support (or that cites nothing) is re-cited to the retrieved
   paragraph that has such a sentence, when one does; otherwise it is removed. A supported claim
   that shares no content term with the question, neither in itself nor in its supporting
   sentence, does not answer it and is removed too. Refusals and sentences without content go.
5. The kept sentences with their quotes must cover most of the question's terms (`rag.coverage`); when
   they do not, or nothing is kept, the answer abstains with a reason. Otherwise they are written
   with the product's markers [1], [2], ... mapping one-to-one onto citations, most relevant
   first, and each citation's quote is exactly the supporting sentence or pair.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from index.embed import Embedder
from index.sentences import split_sentences
from index.text import tokenize
from rag.answer import Citation, GenerationReport
from rag.claims import Claim, cites, is_refusal, split_claims
from rag.coverage import coverage, question_terms
from rag.evidence import names_of, negations, numbers_of, share, units, words_of
from rag.generate import DocumentLookup, Draft, abstain
from rag.retrieve import ParagraphHit

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

# Calibrated on paraphrased, blended and made-up claims about the bundled speech (tests/test_llm.py) and on
# what a real small model writes (tests/test_llm_real.py): strict on purpose, a loosely paraphrased sentence
# is removed rather than an unsupported one shown.
MIN_LEXICAL = 0.8  # its supporting sentence (or pair) must hold MORE than this share of the claim's content words:
# a claim of five words may not lose one ("... is in the interest of ..." resting on a sentence without "interest")
MIN_DENSE = 0.5  # cosine between the claim and its supporting sentence (or pair): a faithful extract of a long
# sentence scores about 0.55; blends and scattered words are caught by MIN_LEXICAL, names and negations
MIN_ANSWER_COVERAGE = 0.5  # share of the question's terms the kept sentences (with their quotes) must hold
# A follow-up's standalone form carries the conversation's words ("... that? The violence in Haiti is linked
# to weapons influx."), of which an answer about one aspect holds few: any of them will do.
MIN_FOLLOW_UP_COVERAGE = 1e-9
CACHE_LIMIT = 4096  # sentence vectors kept between answers
MIN_CLAIM_WORDS = 3  # "Mr. President," and "In summary:" are not claims


Status = Literal["cited", "re-cited", "unsupported", "unknown-name", "off-question", "refusal", "no-content"]
REMOVED: frozenset[Status] = frozenset({"unsupported", "unknown-name", "off-question"})  # claims verification removed


@dataclass(frozen=True)
class Asked:
    """What the kept sentences must answer: the question's content terms, and the share they must cover."""

    terms: frozenset[str] = frozenset()
    minimum: float = MIN_ANSWER_COVERAGE

    @classmethod
    def of(cls, question: str, follow_up: bool = False) -> Asked:
        return cls(question_terms(question), MIN_FOLLOW_UP_COVERAGE if follow_up else MIN_ANSWER_COVERAGE)


@dataclass(frozen=True)
class Support:
    """The sentence, or two adjacent sentences, of a paragraph that support a claim."""

    hit: ParagraphHit
    start: int  # the supporting text is hit.text[start:end]: the citation's quote
    end: int
    lexical: float
    dense: float

    @property
    def quote(self) -> str:
        return self.hit.text[self.start:self.end]


@dataclass(frozen=True)
class Checked:
    claim: Claim
    status: Status
    support: Support | None = None  # where it is finally cited (None unless kept)

    @property
    def kept(self) -> bool:
        return self.status in ("cited", "re-cited")


@dataclass(frozen=True)
class Verification:
    draft: Draft
    checked: tuple[Checked, ...]

    @property
    def removed(self) -> tuple[Checked, ...]:
        return tuple(c for c in self.checked if c.status in REMOVED)


class Verifier:
    """Checks claims against the sentences of the retrieved paragraphs.

    Embedding support is computed only for the sentences (and pairs) whose words, names, numbers
    and negations can pass, and each is embedded once, on first use. `cache` (text -> vector) may
    be shared between answers so popular paragraphs cost nothing. A claim sharing none of the question's
    terms (`asked`), itself or through its support, is off the question.
    """

    def __init__(self, hits: Sequence[ParagraphHit], embedder: Embedder, asked: Asked = Asked(),
                 cache: dict[str, np.ndarray] | None = None) -> None:
        self.hits, self.embedder, self.asked = list(hits), embedder, asked
        self.units = [units(h.text) for h in self.hits]
        self.tokens = [set(tokenize(h.text)) for h in self.hits]
        self.words = {w for h in self.hits for w in words_of(h.text)}
        self.cache = {} if cache is None else cache

    def vectors(self, texts: list[str]) -> list[np.ndarray]:
        missing = list(dict.fromkeys(t for t in texts if t not in self.cache))
        if missing:
            if len(self.cache) > CACHE_LIMIT:
                self.cache.clear()
            self.cache.update(zip(missing, self.embedder.embed(missing), strict=True))
        return [self.cache[t] for t in texts]

    def support(self, claim: Claim, index: int, claim_vector: np.ndarray) -> Support | None:
        """The best supporting sentence of paragraph `index`, else the best pair; None when none supports."""
        text = claim.text
        words, numbers, names, negated = set(tokenize(text)), numbers_of(text), names_of(text), negations(text)
        passing = [u for u in self.units[index] if u.holds(words, numbers, names, negated) > MIN_LEXICAL]
        if not passing:
            return None
        cosines = [float(v @ claim_vector) for v in self.vectors([u.text for u in passing])]
        found = [(u, c) for u, c in zip(passing, cosines, strict=True) if c >= MIN_DENSE]
        if not found:
            return None
        unit, dense = max(found, key=lambda f: (not f[0].pair, f[1]))  # one sentence before two
        return Support(self.hits[index], unit.start, unit.end, share(words, set(unit.tokens)), dense)

    def unknownnames_of(self, text: str) -> set[str]:
        """Capitalised words (names, places, bodies) that no retrieved passage contains."""
        return names_of(text) - self.words

    def check(self, claim: Claim) -> Checked:
        cited = [i for i, hit in enumerate(self.hits) if any(cites(ref, hit) for ref in claim.refs)]
        words = set(tokenize(claim.text))
        if not cited and is_refusal(claim.text):
            return Checked(claim, "refusal")
        if len(words) < MIN_CLAIM_WORDS:
            return Checked(claim, "no-content")
        if self.unknownnames_of(claim.text):
            log.info("removed a sentence naming what no passage names: %.120s", claim.text)
            return Checked(claim, "unknown-name")
        candidates = [i for i in range(len(self.hits)) if share(words, self.tokens[i]) >= MIN_LEXICAL]
        vector = self.embedder.embed_query(claim.text) if candidates else None
        found = {i: self.support(claim, i, vector) for i in candidates if vector is not None}
        supports = {i: s for i, s in found.items() if s is not None}
        held = [supports[i] for i in cited if i in supports]
        status: Status = "cited" if held else "re-cited"
        best = max(held or supports.values(), key=lambda s: s.lexical + s.dense, default=None)
        if best is None:
            log.info("removed an unsupported sentence from the LLM answer: %.120s", claim.text)
            return Checked(claim, "unsupported")
        if coverage(self.asked.terms, f"{claim.text} {best.quote}") == 0.0:
            log.info("removed a sentence that does not answer the question: %.120s", claim.text)
            return Checked(claim, "off-question")
        return Checked(claim, status, best)


def answers(asked: Asked, kept: Sequence[Checked]) -> bool:
    """Whether the kept sentences, read with the sentences they rest on (the quotes shown beside them), cover
    most of the question's terms: "All countries should suppress the trafficking of firearms" answers a
    question about Haiti through its quote, which names Haiti."""
    shown = " ".join(f"{c.claim.text} {c.support.quote if c.support else ''}" for c in kept)
    return coverage(asked.terms, shown) >= asked.minimum


def report(checked: Sequence[Checked], shown: int, reason: str | None = None, at_deadline: bool = False,
           fell_back: bool = False) -> GenerationReport:
    removed = sum(1 for c in checked if c.status in REMOVED)
    return GenerationReport(shown, removed, at_deadline, fell_back, reason)


def abstain_reason(checked: Sequence[Checked]) -> str:
    """Why nothing could be shown, in words a report can count."""
    if any(c.status == "off-question" for c in checked):
        return "verified sentences do not answer the question"
    if any(c.status in REMOVED for c in checked):
        return "no sentence is supported by the passages"
    if any(c.status == "refusal" for c in checked):
        return "the model found no answer in the passages"
    return "the model wrote nothing to verify"


def kept_claims(checked: Sequence[Checked]) -> list[Checked]:
    """The kept claims, each text once, in the order written."""
    kept, seen = [], set()
    for c in checked:
        if c.kept and c.claim.text not in seen:
            kept.append(c)
            seen.add(c.claim.text)
    return kept


def build_draft(checked: Sequence[Checked], documents: DocumentLookup, asked: Asked = Asked(),
                at_deadline: bool = False) -> Draft:
    """Kept claims with markers [1], [2] (citations most relevant first); abstain, with the reason, when
    none is kept or they do not answer the question together."""
    kept = kept_claims(checked)
    if not kept:
        return abstain("unverified", report(checked, 0, abstain_reason(checked), at_deadline))
    if not answers(asked, kept):
        return abstain("off_question", report(checked, 0, "verified sentences do not answer the question", at_deadline))
    quotes = _merged_quotes([c.support for c in kept if c.support is not None])
    distinct = {_key(q): q for q in quotes.values()}
    order = sorted(distinct.values(), key=lambda s: (-s.hit.score, s.hit.doc_id, s.hit.paragraph, s.start))
    marker = {_key(s): i + 1 for i, s in enumerate(order)}
    sentences = [f"{c.claim.text} [{marker[_key(quotes[_key(c.support)])]}]" for c in kept if c.support]
    citations = tuple(Citation(s.hit.doc_id, documents(s.hit.doc_id).title, s.hit.paragraph, s.hit.text, s.quote,
                               s.hit.score) for s in order)
    return Draft(" ".join(sentences), citations, False, report=report(checked, len(kept), None, at_deadline))


SupportKey = tuple[str, int, int, int]


def _key(s: Support) -> SupportKey:
    return (s.hit.doc_id, s.hit.paragraph, s.start, s.end)


def _merged_quotes(supports: Sequence[Support]) -> dict[SupportKey, Support]:
    """Each support -> the one its citation quotes. Claims resting on the same sentence, or on sentences that
    together are still at most two adjacent ones, share one citation quoting that sentence or pair."""
    result: dict[SupportKey, Support] = {}
    by_paragraph: dict[tuple[str, int], list[Support]] = {}
    for s in supports:
        by_paragraph.setdefault((s.hit.doc_id, s.hit.paragraph), []).append(s)
    for group in by_paragraph.values():
        spans = split_sentences(group[0].hit.text)
        merged: list[list[Support]] = []
        for s in sorted(group, key=lambda s: (s.start, s.end)):
            if merged and _sentence_count(spans, min(m.start for m in merged[-1]), max(s.end, *(
                    m.end for m in merged[-1]))) <= 2:
                merged[-1].append(s)
            else:
                merged.append([s])
        for members in merged:
            quote = Support(members[0].hit, min(m.start for m in members), max(m.end for m in members),
                            max(m.lexical for m in members), max(m.dense for m in members))
            result.update({_key(m): quote for m in members})
    return result


def _sentence_count(spans: Sequence[tuple[int, int]], start: int, end: int) -> int:
    return sum(1 for s, e in spans if s < end and e > start)


def verify_reply(reply: str, hits: Sequence[ParagraphHit], embedder: Embedder, documents: DocumentLookup,
                 asked: Asked = Asked(), cache: dict[str, np.ndarray] | None = None) -> Verification:
    """Verify a whole LLM reply at once."""
    verifier = Verifier(hits, embedder, asked, cache)
    checked = tuple(verifier.check(claim) for claim in split_claims(reply))
    return Verification(build_draft(checked, documents, asked), checked)
