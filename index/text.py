"""Text primitives, each in one place: words, content tokens and stems, names, acronyms and markers.

Every other module imports these instead of writing its own regex, so a question and the text it is
matched against are always cut the same way. `tokenize` gives the stemmed content tokens that BM25,
sentence scoring and coverage compare; `words` gives plain lower-case words (for "do these words
stand together" checks); `names_in` gives capitalised names; `acronym` folds "United Nations" to
"UN" so either spelling meets the other. Sentence splitting lives in `index.sentences`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_PLAIN_WORD = re.compile(r"[a-z0-9]+")
STOPWORDS = frozenset(
    [
        "a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are", "as", "at", "be",
        "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could", "did", "do",
        "does", "doing", "down", "during", "each", "few", "for", "from", "further", "had", "has", "have", "having",
        "he", "her", "here", "hers", "herself", "him", "himself", "his", "how", "i", "if", "in", "into", "is", "it",
        "its", "itself", "just", "me", "more", "most", "my", "myself", "no", "nor", "not", "now", "of", "off", "on",
        "once", "only", "or", "other", "our", "ours", "ourselves", "out", "over", "own", "same", "she", "should", "so",
        "some", "such", "than", "that", "the", "their", "theirs", "them", "themselves", "then", "there", "these",
        "they", "this", "those", "through", "to", "too", "under", "until", "up", "very", "was", "we", "were", "what",
        "when", "where", "which", "while", "who", "whom", "why", "will", "with", "would", "you", "your", "yours",
        "yourself", "yourselves", "does", "say", "says", "said", "statement", "speech", "speaker", "mention",
        "mentions", "mentioned"
    ]
)
_SUFFIXES = (("ies", "y"), ("sses", "ss"), ("xes", "x"), ("ches", "ch"), ("shes", "sh"), ("ing", ""),
             ("edly", ""), ("ed", ""), ("ly", ""), ("ss", "ss"), ("us", "us"), ("is", "is"), ("s", ""))

# A capitalised word (with inner hyphens or apostrophes) or an all-capitals acronym.
NAME = re.compile(r"\b[A-Z][a-zA-Z]+(?:[-'’][A-Za-z]+)*\b|\b[A-Z]{2,}\b")
# Capitalised words that open questions and sentences or are pronouns and honorifics, not names.
COMMON_CAPS = frozenset(
    [
        "What", "Which", "Who", "Whom", "Whose", "When", "Where", "Why", "How", "Does", "Did", "Do", "Is", "Are", "Was",
        "Were", "Can", "Could", "Should", "Would", "Will", "The", "A", "An", "In", "On", "At", "Of", "For", "To", "And",
        "Or", "But", "If", "It", "Its", "This", "That", "These", "Those", "He", "She", "They", "His", "Her", "Their",
        "Tell", "Give", "List", "Name", "Explain", "Describe", "Summarize", "Summarise", "According", "Please",
        "Ignore", "I", "You", "We", "My", "Your", "Our", "Mr", "Ms", "Mrs", "Dr", "SYSTEM", "Mention", "Identify",
        "State", "Quote", "Show", "Find", "After", "Before", "Under", "By", "As", "From", "With", "So", "Also",
        # titles and calendar words: a question may use them where the text names the person or date otherwise
        "President", "Vice", "Prime", "Minister", "Secretary", "General", "Ambassador", "Chair", "Chairman", "King",
        "Queen", "Main", "January", "February", "March", "April", "May", "June", "July", "August", "September",
        "October", "November", "December", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
        "Sunday",
        # more titles, and the planet: a question may use them where the text says "the Holy Father", "our planet"
        "Pope", "Prince", "Princess", "Emperor", "Sultan", "Sheikh", "Emir", "Chancellor", "Governor", "Mayor",
        "Senator", "Earth", "Planet",
    ]
)
# A run of capitalised words ("United Nations Office on Drugs" gives "United Nations Office").
NAME_RUN = re.compile(r"(?<![\w.])[A-Z][^\W\d_]+(?:[ -][A-Z][^\W\d_]+)*")
# A number as written: "77,000", "2.5", "7".
NUMBER = re.compile(r"\d[\d,.]*\d|\d")
MARKER = re.compile(r"\s*\[(\d+)\]")
_ACRONYM_WORDS = frozenset(["of", "the", "and", "for", "on", "in", "to", "de", "des", "la", "le", "et", "&"])


@lru_cache(maxsize=1 << 16)  # a language has few word forms; questions and sentences reuse them
def stem(word: str) -> str:
    """A light, deterministic suffix stripper (plural, -ing, -ed, -ly, final e); enough to match word forms."""
    for suffix, keep in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: len(word) - len(suffix)] + keep
            break
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


def tokenize(text: str) -> list[str]:
    """The stemmed content tokens of `text`: lower-cased words without stop words or single letters."""
    return [stem(w) for w in _WORD.findall(text.lower()) if len(w) > 1 and w not in STOPWORDS]


def words(text: str) -> list[str]:
    """Plain lower-case words and numbers of `text`, stop words kept, nothing stemmed."""
    return _PLAIN_WORD.findall(text.lower())


def names_in(text: str) -> list[str]:
    """Capitalised names in `text`, without question words, pronouns and the word that opens it."""
    return [m.group(0) for m in NAME.finditer(text) if m.group(0) not in COMMON_CAPS and m.start() != 0]


def name_key(name: str) -> str:
    """A name folded for comparison: lower case, possessive dropped ("China's" -> "china")."""
    return name.lower().removesuffix("'s").removesuffix("’s")


def acronym(phrase: str) -> str:
    """The initials of a multi-word name, function words skipped: "United Nations" -> "UN",
    "Office on Drugs and Crime" -> "ODC". Empty for a single word."""
    parts = [w for w in re.split(r"[\s-]+", phrase) if w and w.lower() not in _ACRONYM_WORDS]
    return "".join(w[0].upper() for w in parts) if len(parts) >= 2 else ""


def acronyms_spelled_out(text: str) -> set[str]:
    """Every acronym the runs of capitalised words in `text` spell: "the United Nations Office" gives
    UN, UNO and NO; so a question's "UN" is found in a text that only writes "United Nations"."""
    found: set[str] = set()
    run: list[str] = []
    for token in re.findall(r"[A-Za-z][\w'’-]*", text) + [""]:
        if token[:1].isupper() or (run and token.lower() in _ACRONYM_WORDS):
            run.append(token)
            continue
        for letters in ([w for w in run if w[:1].isupper()], run):  # "MoU" keeps the "of"
            for i in range(len(letters)):
                for j in range(i + 2, min(len(letters), i + 8) + 1):
                    found.add("".join(w[0] for w in letters[i:j]).upper())
        run = []
    return found


_LEANING = re.compile(r"^(it|its|this|these|that|those|they|their|them|he|she|his|her|him|such|thus|therefore|"
                      r"however|there)\b", re.IGNORECASE)
# "It is crucial that ...", "There are many ...", "There is": a dummy subject points forward, not back
_EXPLETIVE = re.compile(r"^there\s+(is|are|was|were|has been|have been|will be|would be|remains?|seems?|appears?|"
                        r"exists?)\b|"
                        r"^(it|there)\s+(is|was|are|were|has been|have been|will be|would be|remains|seems|appears|"
                        r"becomes|became)\b(.*\b(that|to|for|how|whether|when|time|many|no|a|an)\b)",
                        re.IGNORECASE)
# "This year marks ...", "These days ...": a time the reader shares, not something said before
_DEICTIC_TIME = re.compile(r"^(this|these|that)\s+(year|years|week|weeks|month|months|morning|evening|day|days|"
                           r"session|decade|century|time|summer|spring|autumn|winter|moment|anniversary)\b",
                           re.IGNORECASE)


def leans_back(sentence: str) -> bool:
    """The sentence opens with a word that points at something said before it ("He understood ...",
    "These measures ..."), so it cannot be read alone; "It is crucial that ..." points forward."""
    text = sentence.strip()
    return bool(_LEANING.match(text)) and not _EXPLETIVE.match(text) and not _DEICTIC_TIME.match(text)


def strip_markers(text: str) -> str:
    """`text` without its [n] citation markers, whitespace squeezed."""
    return " ".join(MARKER.sub(" ", text).split())


def markers(text: str) -> tuple[int, ...]:
    """The numbers of the [n] markers in `text`, in order of appearance, repeats kept."""
    return tuple(int(m) for m in MARKER.findall(text))


def content_set(texts: Iterable[str]) -> frozenset[str]:
    """The union of the content tokens of `texts`."""
    return frozenset(t for text in texts for t in tokenize(text))
