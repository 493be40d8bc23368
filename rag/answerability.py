"""Is the question one the retrieved text can answer? Checks made after retrieval, before trusting it.

Two general signals, beyond retrieval confidence: (1) the answer type — a "how many/how much"
question needs a quantity in the quoted text, a "when/what year" question a date or time
expression; (2) named things — a capitalised name in the question (Geneva, Vienna, the US) that
appears in none of the retrieved paragraphs means the statement talks about something else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Literal

from index.text import COMMON_CAPS, NAME, names_in, stem, words

Expect = Literal["quantity", "time", "entity"]

_QUANTITY_Q = re.compile(r"\b(how (much|many)|what (amount|number|percentage|share|sum)|how large|(which|what) "
                         r"(\w+ ){0,3}number)\b", re.IGNORECASE)
_ENTITY_Q = re.compile(r"^\s*(who (is|was|are|were) (the|a|an)\b|whom\b)|"
                       r"\b(which|what) (?!(?:should|do|does|did|can|could|would|will|must|are|is|were|was|have|"
                       r"has|may|might)\b)(\w+ )?(country|countries|organi[sz]ations?|agency|"
                       r"agencies|body|bodies|person|people|official|leader|nation|nations|state|states|group|groups)\b",
                       re.IGNORECASE)
# "when" must open the question: "... when the UN assists member states" asks for no time
_TIME_Q = re.compile(r"^\s*(and |so |but )?when\b|\b(what year|which year|what date|which date|since when|"
                     r"how long ago)\b", re.IGNORECASE)
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
        asked = {w.lower().removesuffix("'s") for w in NAME.findall(question)}
        return any(w.lower().removesuffix("'s") not in asked for w in names_in(text))
    return True


def missing_names(question: str, texts: Iterable[str]) -> list[str]:
    """Names of the question that occur as words in none of `texts` (possessives folded); an acronym
    (US, EU) must match in capitals, so the pronoun "us" does not count as the United States."""
    joined = " ".join(texts)
    missing = []
    for name in names_in(question):
        stem = name.removesuffix("'s")
        acronym = stem.isupper() and len(stem) <= 4
        pattern = re.compile(rf"\b{re.escape(stem)}\b", 0 if acronym else re.IGNORECASE)
        if not pattern.search(joined):
            missing.append(name)
    return missing


_REPORTED = re.compile(r"\bwhat (?:did|does|do|has|have|had) (?P<who>.+?) (?:say|said|tell|told|argue|argued|propose|"
                       r"suggest|recommend|report|announce|state|stress|claim|note|warn|think|believe|mention|"
                       r"emphasi[sz]e|highlight|call for|ask for)\b", re.IGNORECASE)
_SPEAKER = re.compile(r"^(he|she|they|it|the (speaker|ambassador|statement|speech|text|remarks|document|author)|"
                      r"china|zhang jun|the chinese \w+)$", re.IGNORECASE)
ACKNOWLEDGES = re.compile(r"\b(thank|thanks|welcome|listened|appreciate|congratulate|commend|grateful)\b",
                          re.IGNORECASE)


def reported_subject(question: str) -> str | None:
    """Who a "what did X say/argue/propose" question asks about, when X is not the speaker itself."""
    match = _REPORTED.search(question)
    if not match:
        return None
    who = match.group("who").strip()
    return None if _SPEAKER.match(who) else who


def only_acknowledged(subject: str, sentences: Iterable[str]) -> bool:
    """The text mentions `subject` only to thank or acknowledge them ("I thank X for her briefing"):
    it reports nothing they said. False when no sentence names them (other checks decide then)."""
    names = [w for w in NAME.findall(subject) if w not in COMMON_CAPS]
    wanted = set(words(" ".join(names) or subject))  # "Secretary-General" -> secretary, general
    naming = [s for s in sentences if wanted & set(words(s))]
    return bool(naming) and all(ACKNOWLEDGES.search(s) for s in naming)


_ATTRIBUTE = re.compile(r"^\s*(?:what|who|which)(?:'s| is| was| are| were) (?:the|its|their|his|her) "
                        r"(?:\w+ )?(?P<attribute>\w+) of\b", re.IGNORECASE)


def absent_attribute(question: str, vocabulary: set[str]) -> str | None:
    """"What is the capital of Haiti?": the attribute asked for (capital), when the text never uses the word.

    `vocabulary` holds the text's words as `index.lexical.tokenize` gives them (stemmed)."""
    match = _ATTRIBUTE.search(question)
    if not match:
        return None
    attribute = match.group("attribute").lower()
    if attribute in FRAME_NOUNS or stem(attribute) in vocabulary:
        return None
    return attribute


# nouns that frame a question about the text itself rather than name an attribute it must mention
FRAME_NOUNS = frozenset(["name", "names", "meaning", "purpose", "role", "aim", "goal", "point", "points", "content",
                         "subject", "topic", "gist", "nature", "significance", "importance", "focus", "essence",
                         "message", "summary", "kind", "type", "number", "list", "main", "rest", "end", "start"])


# words of a question about a statement's structure ("What are the main points?", "Summarise it")
STRUCTURE_WORDS = frozenset(["main", "point", "proposal", "recommendation", "suggestion", "priority", "idea",
                             "argument", "message", "key", "overall", "outline", "make", "give", "put", "forward",
                             "two", "three", "four", "five", "six"])


def about_structure_only(question_tokens: Iterable[str], vocabulary: set[str]) -> bool:
    """Every word of the question frames the statement's structure or occurs in the text: "What are the
    main points?" qualifies, "What are the main points of the weather report?" does not."""
    return all(t in STRUCTURE_WORDS or t.startswith("summar") or t in vocabulary for t in question_tokens)


_QUOTED = re.compile(r"[\"“”‘’']([^\"“”‘’']{12,})[\"“”‘’']")


def unfound_quotes(question: str, texts: Sequence[str]) -> list[str]:
    """Passages the question quotes (four words or more) that none of `texts` contains, nearly word for word."""
    haystacks = [set(words(t)) for t in texts]  # sentences, so the words must stand together
    missing = []
    for passage in _QUOTED.findall(question):
        quoted = words(passage)
        if len(quoted) < 4:
            continue
        if not any(len(set(quoted) & h) >= 0.9 * len(set(quoted)) for h in haystacks):
            missing.append(passage)
    return missing
