"""Is the question one the retrieved text can answer? Checks made after retrieval, before trusting it.

Two general signals, beyond retrieval confidence: (1) the answer type — a "how many/how much"
question needs a quantity in the quoted text, a "when/what year" question a date or time
expression; (2) named things — a capitalised name in the question (Geneva, Vienna, the US) that
appears in none of the retrieved paragraphs means the statement talks about something else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

Expect = Literal["quantity", "time", "entity"]

_QUANTITY_Q = re.compile(r"\b(how (much|many)|what (amount|number|percentage|share|sum)|how large|(which|what) "
                         r"(\w+ ){0,3}number)\b", re.IGNORECASE)
_ENTITY_Q = re.compile(r"^\s*(who (is|was|are|were) (the|a|an)\b|whom\b|whose\b)|"
                       r"\b(which|what) (?!(?:should|do|does|did|can|could|would|will|must|are|is|were|was|have|"
                       r"has|may|might)\b)(\w+ )?(country|countries|organi[sz]ations?|agency|"
                       r"agencies|body|bodies|person|people|official|leader|nation|nations|state|states|group|groups)\b",
                       re.IGNORECASE)
_TIME_Q = re.compile(r"\b(when|what year|which year|what date|which date|since when|how long ago)\b", re.IGNORECASE)
_CARDINAL = re.compile(
    r"\b\d[\d,.]*\b(?!st|nd|rd|th)(?!\s+(years?|decades?|months?|days?)\b)|\b(one|two|three|four|five|six|seven|"
    r"eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|thousand|million|billion|trillion|dozens?|"
    r"percent)\b(?!\s+(years?|decades?|months?|days?)\b)|%|\$|€|£",
    re.IGNORECASE,
)
_TIME = re.compile(
    r"\b(1[89]\d\d|20\d\d|january|february|march|april|may|june|july|august|september|october|november|december|"
    r"this year|last year|next year|anniversary|decades?|today|yesterday|tomorrow|ago|century)\b",
    re.IGNORECASE,
)
_NAME = re.compile(r"\b[A-Z][a-zA-Z]+(?:[-'][A-Za-z]+)*\b|\b[A-Z]{2,}\b")
_COMMON_CAPS = frozenset(
    [
        "What", "Which", "Who", "Whom", "Whose", "When", "Where", "Why", "How", "Does", "Did", "Do", "Is", "Are", "Was",
        "Were", "Can", "Could", "Should", "Would", "Will", "The", "A", "An", "In", "On", "At", "Of", "For", "To", "And",
        "Or", "But", "If", "It", "Its", "This", "That", "These", "Those", "He", "She", "They", "His", "Her", "Their",
        "Tell", "Give", "List", "Name", "Explain", "Describe", "Summarize", "Summarise", "According", "Please",
        "Ignore", "I", "You", "We", "My", "Your", "Our", "Mr", "Ms", "Mrs", "Dr", "SYSTEM"
    ]
)


def expected_type(question: str) -> Expect | None:
    if _QUANTITY_Q.search(question):
        return "quantity"
    if _TIME_Q.search(question):
        return "time"
    if _ENTITY_Q.search(question):
        return "entity"
    return None


def satisfies(expect: Expect | None, text: str, question: str = "") -> bool:
    """Does `text` hold the kind of thing the question asks for (beyond what the question already names)?"""
    if expect == "quantity":
        return bool(_CARDINAL.search(text))
    if expect == "time":
        return bool(_TIME.search(text))
    if expect == "entity":
        asked = {w.lower().removesuffix("'s") for w in _NAME.findall(question)}
        return any(w.lower().removesuffix("'s") not in asked for w in names_in(text))
    return True


def names_in(question: str) -> list[str]:
    """Capitalised names in the question, without question words and sentence-initial words."""
    found = []
    for match in _NAME.finditer(question):
        word = match.group(0)
        if word in _COMMON_CAPS or match.start() == 0:
            continue
        found.append(word)
    return found


def missing_names(question: str, texts: Iterable[str]) -> list[str]:
    """Names of the question that occur in none of `texts` (case-insensitive, possessives folded)."""
    haystack = " ".join(texts).lower()
    missing = []
    for name in names_in(question):
        stem = name.lower().removesuffix("'s")
        if stem not in haystack:
            missing.append(name)
    return missing
