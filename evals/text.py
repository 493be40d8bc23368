"""Text helpers shared by the metrics: SQuAD-style normalisation, tokens, sentences and [n] markers.

Everything here is a pure function of its input. Sentence splitting is deliberately simple (split after
`.`, `!` or `?` followed by whitespace) but keeps trailing citation markers with the sentence they close
(`... cooperation. [1] Next` gives `... cooperation. [1]`) and does not split after common
abbreviations such as `Mr.` or after single-letter initials.
"""

from __future__ import annotations

import re
import string

MARKER_RE = re.compile(r"\[(\d+)\]")

_ARTICLES_RE = re.compile(r"\b(a|an|the)\b")
_PUNCT_TABLE = str.maketrans("", "", string.punctuation + "\u2018\u2019\u201c\u201d\u2013\u2014")
_BOUNDARY_RE = re.compile(r"[.!?]+(?:[\"'\u2019\u201d)]*)(?:\s*\[\d+\])*(?=\s|$)")
_WORD_BEFORE_RE = re.compile(r"([A-Za-z]+)$")
_ABBREVIATIONS = frozenset({"mr", "mrs", "ms", "dr", "prof", "st", "no", "vs", "etc", "eg", "ie", "jr", "sr"})
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
    return tuple(int(m) for m in MARKER_RE.findall(text))


def strip_markers(text: str) -> str:
    """`text` without its `[n]` markers, with whitespace squeezed."""
    return " ".join(MARKER_RE.sub(" ", text).split())


def split_sentences(text: str) -> tuple[str, ...]:
    """Split an answer into sentences; markers after the final punctuation stay with that sentence."""
    sentences: list[str] = []
    start = 0
    for match in _BOUNDARY_RE.finditer(text):
        if _is_abbreviation(text, match.start()):
            continue
        sentences.append(text[start : match.end()])
        start = match.end()
    sentences.append(text[start:])
    return tuple(s.strip() for s in sentences if s.strip())


def _is_abbreviation(text: str, dot: int) -> bool:
    """True when the punctuation at `dot` ends `Mr`, `e.g`, or a single-letter initial."""
    if text[dot] != ".":
        return False
    word = _WORD_BEFORE_RE.search(text[:dot])
    if word is None:
        return False
    letters = word.group(1)
    return len(letters) == 1 or letters.lower() in _ABBREVIATIONS
