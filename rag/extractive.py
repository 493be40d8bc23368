"""The default answer generator: no LLM, the answer is made of the statement's own sentences.

Each sentence of the retrieved paragraphs is scored by how well the question matches it (the dense
score of the best sentence window that contains it, and the share of the question's content words
it contains). One answer sentence per claim, each followed by the marker of its paragraph; a list
question ("what are the points ...") takes the best sentence of each relevant paragraph; redundant
sentences are skipped; the answer reads in the statement's order. Because every sentence is quoted
verbatim, every citation's quote is exactly the text the answer used.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from index.lexical import tokenize
from index.sentences import split_sentences
from rag.generate import Draft, DocumentLookup, Selected, abstain, number_citations, stream_words
from rag.question import Query
from rag.retrieve import ParagraphHit

MIN_CONTENT_WORDS = 3  # "Mr. President," and "Thank you." carry no answer


@dataclass(frozen=True)
class Scored:
    selected: Selected
    score: float
    tokens: frozenset[str]


def _sentence_dense(hit: ParagraphHit, start: int, end: int) -> float:
    covering = [c.score for c in hit.chunks if c.start <= start and end <= c.end]
    return max(covering, default=hit.dense * 0.8)


def score_sentences(query: Query, hit: ParagraphHit, lead_bonus: float) -> list[Scored]:
    wanted = set(tokenize(query.original)) or set(tokenize(query.standalone))
    scored = []
    for i, (start, end) in enumerate(split_sentences(hit.text) or [(0, len(hit.text))]):
        tokens = frozenset(tokenize(hit.text[start:end]))
        if len(tokens) < MIN_CONTENT_WORDS and hit.paragraph != 0:
            continue
        overlap = len(wanted & tokens) / len(wanted) if wanted else 0.0
        value = 0.55 * _sentence_dense(hit, start, end) + 0.45 * overlap + 0.15 * hit.score
        value += lead_bonus if i == 0 else 0.0
        scored.append(Scored(Selected(hit, start, end), value, tokens))
    return sorted(scored, key=lambda s: -s.score)


def _redundant(candidate: Scored, chosen: list[Scored]) -> bool:
    for other in chosen:
        union = candidate.tokens | other.tokens
        if union and len(candidate.tokens & other.tokens) / len(union) > 0.6:
            return True
    return False


class ExtractiveGenerator:
    """Composes answers from verbatim sentences of the retrieved paragraphs."""

    def __init__(self, max_sentences: int = 3, list_max: int = 6) -> None:
        self.max_sentences, self.list_max = max_sentences, list_max

    def generate(self, query: Query, hits: list[ParagraphHit], documents: DocumentLookup) -> Draft:
        chosen = self._list(query, hits) if query.wants_list else self._focused(query, hits)
        if not chosen:
            return abstain()
        return number_citations([c.selected for c in chosen], documents)

    def stream(self, query: Query, hits: list[ParagraphHit], documents: DocumentLookup) -> Iterator[str | Draft]:
        return stream_words(self.generate(query, hits, documents))

    def _focused(self, query: Query, hits: list[ParagraphHit]) -> list[Scored]:
        pool = [s for hit in hits[:3] for s in score_sentences(query, hit, 0.0)]
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
        if not hits:
            return []
        relevant = [h for h in hits if h.score >= 0.5 * hits[0].score][: self.list_max]
        chosen: list[Scored] = []
        for hit in relevant:
            best = next((s for s in score_sentences(query, hit, 0.15) if not _redundant(s, chosen)), None)
            if best is not None:
                chosen.append(best)
        return chosen
