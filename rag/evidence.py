"""What an LLM's claim may rest on: one sentence of a paragraph, or two adjacent ones, with what they hold.

Each such unit carries its content words (stems), its raw words (for names), its numbers and its
negation words, so `rag.verify` can ask of each claim: are its words, names and numbers there, and
is nothing negated or reversed ("is not in the interest" against "is in the interest")?
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.sentences import split_sentences
from index.text import NAME, NUMBER, STOPWORDS, tokenize

NEGATIONS = frozenset({"not", "no", "never", "nor", "neither", "none", "nothing", "nobody", "nowhere", "without"})
_WORDS = re.compile(r"[\w'’-]+")


def numbers_of(text: str) -> set[str]:
    return {n.replace(",", "").rstrip(".") for n in NUMBER.findall(text)}


def words_of(text: str) -> set[str]:
    return {w.lower() for w in _WORDS.findall(text)}


def names_of(text: str) -> set[str]:
    """Capitalised words (names, places, bodies), lower-cased, without stop words such as "The"."""
    return {n.lower() for n in NAME.findall(text)} - STOPWORDS


def negations(text: str) -> frozenset[str]:
    """The negation words of a text ("can't" and "cannot" count as "not")."""
    words = {"not" if w.endswith(("n't", "n’t")) or w == "cannot" else w for w in words_of(text)}
    return frozenset(words & NEGATIONS)


def share(words: set[str], tokens: set[str]) -> float:
    return len(words & tokens) / len(words) if words else 0.0


@dataclass(frozen=True)
class Unit:
    """One sentence of a paragraph, or two adjacent ones: what a claim may rest on."""

    start: int
    end: int
    text: str
    tokens: frozenset[str]
    words: frozenset[str]
    numbers: frozenset[str]
    negations: frozenset[str]
    pair: bool

    @classmethod
    def of(cls, text: str, start: int, end: int, pair: bool) -> Unit:
        part = text[start:end]
        return cls(start, end, part, frozenset(tokenize(part)), frozenset(words_of(part)),
                   frozenset(numbers_of(part)), negations(part), pair)

    def holds(self, words: set[str], numbers: set[str], names: set[str], negated: frozenset[str]) -> float:
        """The share of the claim's content words found here, or 0.0 when a number, a name or a
        negation of the claim is not here (or this has a negation the claim lacks)."""
        if not (numbers <= self.numbers and names <= self.words and negated == self.negations):
            return 0.0
        return share(words, set(self.tokens))


def units(text: str) -> list[Unit]:
    """Each sentence of a paragraph, then each pair of adjacent sentences."""
    spans = split_sentences(text) or [(0, len(text))]
    singles = [Unit.of(text, s, e, False) for s, e in spans]
    pairs = [Unit.of(text, a[0], b[1], True) for a, b in zip(spans, spans[1:], strict=False)]
    return singles + pairs
