"""Text helpers shared by the metrics: SQuAD-style normalisation, tokens, sentences and [n] markers.

Everything here is a pure function of its input. Sentences and markers come from the product's own
primitives (`index.sentences`, `index.text`), with trailing citation markers kept with the sentence
they close (`... cooperation. [1] Next` gives `... cooperation. [1]`). The word normalisation is the
metrics' own (SQuAD's), deliberately independent of the product's stemmer, so a judge does not share
the blind spots of what it judges.
"""

from __future__ import annotations

import re
import string

from index.sentences import split_sentences as sentence_spans
from index.text import markers, strip_markers

_LEADING_MARKERS = re.compile(r"^(?:\s*\[\d+\])+")

_ARTICLES_RE = re.compile(r"\b(a|an|the)\b")
_PUNCT_TABLE = str.maketrans("", "", string.punctuation + "\u2018\u2019\u201c\u201d\u2013\u2014")
_STOPWORD_TEXT = (
    "a an the and or but if of to in on at by for with from as is are was were be been being it its this "
    "that these those there their they them he she his her we our us you your i me my not no nor so than "
    "too very can will would should could may might must shall do does did has have had which who whom "
    "what when where why how all any both each also such into over about against between through "
    "during before after above below up down out off again further then once only own same other"
)
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def normalize_answer(text: str) -> str:
    """SQuAD normalisation: lower-case, drop punctuation and the articles a/an/the, squeeze spaces."""
    lowered = text.lower().translate(_PUNCT_TABLE)
    return " ".join(_ARTICLES_RE.sub(" ", lowered).split())


def tokens(text: str) -> list[str]:
    """SQuAD tokens: the words of `normalize_answer(text)`."""
    return normalize_answer(text).split()


def content_tokens(text: str) -> list[str]:
    """Tokens without stopwords and markers, with a trailing plural `s` dropped from longer words."""
    words = tokens(strip_markers(text))
    return [_singular(w) for w in words if w not in STOPWORDS]


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def extract_markers(text: str) -> tuple[int, ...]:
    """The citation numbers of the `[n]` markers in `text`, in order of appearance, repeats kept."""
    return markers(text)


def split_sentences(text: str) -> tuple[str, ...]:
    """Split an answer into sentences; markers after the final punctuation stay with that sentence."""
    sentences: list[str] = []
    for start, end in sentence_spans(text):
        piece = text[start:end]
        lead = _LEADING_MARKERS.match(piece)
        if lead and sentences:  # "... cooperation. [1] Next": the marker closes the sentence before
            sentences[-1] += " " + lead.group(0).strip()
            piece = piece[lead.end():]
        if piece.strip():
            sentences.append(piece.strip())
    return tuple(sentences)
