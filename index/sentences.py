"""Sentence splitting for speech and resolution text, as character spans so callers can cite offsets.

A sentence ends at ".", "!", "?" or an ellipsis (with any closing quotes or brackets after it)
that is followed by whitespace and then something other than a lowercase letter. A full stop does
not end a sentence after a title or abbreviation common in UN text (Mr., H.E., No., Art., e.g.) or
after an initial (J. K., U.N.); a semicolon never does. Decimals ("2.5") have no space after the
point, so they never split. The function is pure: the same text always gives the same spans.
"""

from __future__ import annotations

import re
from functools import lru_cache

# A run of sentence punctuation, then closing quotes/brackets, then whitespace or the end.
_CANDIDATE = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019\u00bb)\]]*(?=\s|$)")
_WORD_BEFORE = re.compile(r"[\w.]*$")  # letters and dots before the stop: "(Mr" -> "Mr", "S/2329/Rev" -> "Rev"
_INITIALS = re.compile(r"(?:[^\W\d_]\.)*[^\W\d_]")  # "J", "U.N", "H.E", "e.g"
# Written without the final full stop; compared case-sensitively so "No." differs from "no.".
_ABBREVIATIONS = frozenset({
    "Mr", "Mrs", "Ms", "Mme", "Messrs", "Dr", "Prof", "Sr", "Jr", "St", "Gen", "Sen", "Hon", "Amb", "Rev",
    "No", "Nos", "no", "nos", "Art", "Arts", "art", "arts", "Para", "Paras", "para", "paras", "Vol", "vol",
    "Fig", "fig", "pp", "Corr", "Add", "Ch", "ch", "Sect", "sect", "vs", "cf", "viz", "approx", "i.e", "e.g",
})
_NO_SPLIT_AFTER = ",;:"


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) spans of the sentences of `text`, in order, without surrounding whitespace.

    Every non-whitespace character of `text` lies in exactly one span; `text[start:end]` never
    begins or ends with whitespace. Text with no sentence end is one span; blank text has none.
    """
    return list(_spans(text))


@lru_cache(maxsize=4096)  # answering splits the same retrieved paragraphs question after question
def _spans(text: str) -> tuple[tuple[int, int], ...]:
    spans: list[tuple[int, int]] = []
    start = _skip_space(text, 0)
    for match in _CANDIDATE.finditer(text, start):
        if _ends_sentence(text, match):
            spans.append((start, match.end()))
            start = _skip_space(text, match.end())
    end = len(text.rstrip())
    if start < end:
        spans.append((start, end))
    return tuple(spans)


def _skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index].isspace():
        index += 1
    return index


def _ends_sentence(text: str, match: re.Match[str]) -> bool:
    following = _skip_space(text, match.end())
    if following == len(text):
        return True
    nxt = text[following]
    if nxt.islower() or nxt in _NO_SPLIT_AFTER:
        return False
    return not (match.group().rstrip("\"'\u201d\u2019\u00bb)]") == "." and _is_abbreviation(text, match.start()))


def _is_abbreviation(text: str, dot: int) -> bool:
    """Whether the word before the full stop at `dot` is a known abbreviation or an initial."""
    match = _WORD_BEFORE.search(text, max(0, dot - 40), dot)
    word = match.group() if match else ""
    return word in _ABBREVIATIONS or _INITIALS.fullmatch(word) is not None
