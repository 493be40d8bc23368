"""The default answer generator: no LLM, the answer is made of the statement's own sentences.

Each sentence of the retrieved paragraphs is scored by how well the question matches it (the dense
score of the best sentence window that contains it, and the share of the question's content words
it contains). One answer sentence per claim, each followed by the marker of its paragraph. A list
question takes the best sentence of each comparably relevant paragraph; when it asks for the points
of a statement and the statement enumerates them ("First, ...", "Second, ..."), the answer takes
the opening sentence of every enumerated paragraph. Redundant sentences are skipped; the answer
reads in the statement's order. Every sentence is quoted verbatim, so each citation's quote is
exactly the text the answer used.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from index.lexical import tokenize
from index.sentences import split_sentences
from rag.answerability import satisfies
from rag.generate import DocumentLookup, Draft, Selected, abstain, number_citations, stream_words
from rag.question import Query
from rag.retrieve import ParagraphHit

MIN_CONTENT_WORDS = 3  # "Mr. President," and "Thank you." carry no answer
COURTESY = re.compile(r"^(thank you( very much)?|i thank you)?[,\s]*((mr|madam|madame|mister)\.?\s+)?(president|chair|"
                      r"chairman|chairperson|co-chairs?|secretary-general|colleagues|excellencies)?[.,!:;\s]*$",
                      re.IGNORECASE)
ENUMERATED = re.compile(r"^(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|finally|lastly|"
                        r"last but not least|in addition|moreover|firstly|secondly|thirdly|fourthly)\b[,:]?",
                        re.IGNORECASE)


@dataclass(frozen=True)
class Scored:
    selected: Selected
    score: float
    tokens: frozenset[str]


def _sentence_dense(hit: ParagraphHit, start: int, end: int) -> float:
    windows = [c for c in hit.chunks if not c.whole] or list(hit.chunks)
    covering = [c.score for c in windows if c.start <= start and end <= c.end]
    return max(covering, default=hit.dense * 0.8)


def score_sentences(query: Query, hit: ParagraphHit) -> list[Scored]:
    wanted = set(tokenize(query.standalone if query.is_follow_up else query.original))
    scored = []
    for start, end in split_sentences(hit.text) or [(0, len(hit.text))]:
        tokens = frozenset(tokenize(hit.text[start:end]))
        if len(tokens) < MIN_CONTENT_WORDS or COURTESY.match(hit.text[start:end]):
            continue
        overlap = len(wanted & tokens) / len(wanted) if wanted else 0.0
        value = 0.55 * _sentence_dense(hit, start, end) + 0.45 * overlap + 0.15 * hit.relevance
        if query.expect and satisfies(query.expect, hit.text[start:end], query.original):
            value += 0.1  # holds the kind of answer asked for (a number, a date, a name)
        scored.append(Scored(Selected(hit, start, end), value, tokens))
    return sorted(scored, key=lambda s: -s.score)


def _redundant(candidate: Scored, chosen: list[Scored]) -> bool:
    for other in chosen:
        union = candidate.tokens | other.tokens
        if union and len(candidate.tokens & other.tokens) / len(union) > 0.6:
            return True
    return False


def _lead(hit: ParagraphHit) -> Scored | None:
    spans = split_sentences(hit.text)
    if not spans:
        return None
    start, end = spans[0]
    return Scored(Selected(hit, start, end), hit.score, frozenset(tokenize(hit.text[start:end])))


class ExtractiveGenerator:
    """Composes answers from verbatim sentences of the retrieved paragraphs."""

    composes_first = True  # the whole answer exists before it is streamed, so it can be checked first

    def __init__(self, max_sentences: int = 3, list_max: int = 6) -> None:
        self.max_sentences, self.list_max = max_sentences, list_max

    def generate(self, query: Query, hits: list[ParagraphHit], documents: DocumentLookup) -> Draft:
        body = [h for h in hits if h.paragraph != 0]  # the heading answers only metadata questions
        chosen = self._choose(query, body, documents)
        if not chosen:
            return abstain()
        return number_citations([c.selected for c in chosen], documents)

    def stream(self, query: Query, hits: list[ParagraphHit], documents: DocumentLookup) -> Iterator[str | Draft]:
        return stream_words(self.generate(query, hits, documents))

    def _choose(self, query: Query, hits: list[ParagraphHit], documents: DocumentLookup) -> list[Scored]:
        chosen = self._choose_any(query, hits, documents)
        if query.context_text:
            # A follow-up asks for something new: do not repeat what the previous answer already quoted.
            fresh = [c for c in chosen if c.selected.text not in query.context_text]
            return fresh or chosen
        return chosen

    def _choose_any(self, query: Query, hits: list[ParagraphHit], documents: DocumentLookup) -> list[Scored]:
        if query.wants_points:
            enumerated = self._enumerated(hits, documents)
            if len(enumerated) >= 2:
                return enumerated
        if query.wants_list:
            return self._list(query, hits)
        return self._focused(query, hits)

    def _focused(self, query: Query, hits: list[ParagraphHit]) -> list[Scored]:
        pool = [s for hit in hits[:3] for s in score_sentences(query, hit)]
        pool.sort(key=lambda s: -s.score)
        if not pool:
            return []
        chosen = [pool[0]]
        for cand in pool[1:]:
            if len(chosen) >= self.max_sentences or cand.score < 0.85 * pool[0].score:
                break
            if not _redundant(cand, chosen):
                chosen.append(cand)
        return chosen

    def _list(self, query: Query, hits: list[ParagraphHit]) -> list[Scored]:
        """Best sentence of each comparably relevant paragraph, plus a second one that matches as well."""
        if not hits:
            return []
        top = max(h.relevance for h in hits)
        relevant = [h for h in hits if h.relevance >= 0.75 * top][: self.list_max]
        chosen: list[Scored] = []
        for hit in relevant:
            ranked = [s for s in score_sentences(query, hit) if not _redundant(s, chosen)]
            chosen += ranked[:1] + [s for s in ranked[1:2] if s.score >= 0.9 * ranked[0].score]
        return chosen

    def _enumerated(self, hits: list[ParagraphHit], documents: DocumentLookup) -> list[Scored]:
        """The opening sentences of the enumerated paragraphs ("First, ...") of the best document."""
        if not hits:
            return []
        doc_id = hits[0].doc_id
        found = {h.paragraph: h for h in hits if h.doc_id == doc_id}
        document = documents(doc_id)
        members = [p for p in document.paragraphs if ENUMERATED.match(p.text)]
        if not any(p.number in found for p in members):
            return []
        floor = min(h.score for h in hits)
        chosen = []
        for p in members:
            hit = found.get(p.number) or ParagraphHit(doc_id, p.number, p.text, floor * 0.9, 0.0, 0.0)
            lead = _lead(hit)
            if lead is not None:
                chosen.append(lead)
        return chosen
