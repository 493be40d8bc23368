"""Example questions drawn from the loaded documents themselves, so the first screen fits what is loaded.

A document's topics are the names (capitalised runs mid-sentence) and long words that recur across
its substantive paragraphs (a term in one paragraph is a detail; one in most is the subject); names
weigh double, and words of its own title and heading are left out (they name the speaker and the
occasion, which the metadata question covers). Nothing here knows any particular document.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from index.model import Document
from index.text import NAME_RUN, STOPWORDS, stem

_WORD = re.compile(r"(?<![\w.])[a-z]{7,}\b")  # long lower-case words: mostly nouns, rarely function words
NAME_WEIGHT = 2.0  # a name mid-sentence (a country, an organisation) makes a concrete topic
MIN_WORDS = 12  # shorter paragraphs are salutations and thanks, not topics
MAX_EXAMPLES = 3


def topics(document: Document, n: int = 2) -> list[str]:
    """The `n` names or words that best say what `document` is about, as the text writes them."""
    skip = {stem(w.lower()) for w in re.findall(r"[^\W\d_]+", " ".join([document.title, document.heading]))}
    spread: dict[str, float] = {}
    forms: dict[str, str] = {}
    for paragraph in document.paragraphs:
        if len(paragraph.text.split()) < MIN_WORDS:
            continue
        for term, weight in set(_terms(paragraph.text)):
            key = " ".join(stem(w) for w in term.lower().split())
            if term.lower() in STOPWORDS or term.endswith("ly") or skip & set(key.split()):
                continue
            forms.setdefault(key, term)
            spread[key] = spread.get(key, 0.0) + weight
    # names first (a concrete subject), then words; within each, the most widespread
    ranked = sorted((key for key, score in spread.items() if score >= 2),
                    key=lambda k: (not forms[k][0].isupper(), -spread[k], k))
    return [forms[key] for key in ranked[:n]]


def _terms(text: str) -> list[tuple[str, float]]:
    names = [(m.group(0), NAME_WEIGHT) for m in NAME_RUN.finditer(text) if not _starts_sentence(text, m.start())]
    return names + [(m.group(0), 1.0) for m in _WORD.finditer(text)]


def _starts_sentence(text: str, at: int) -> bool:
    before = text[:at].rstrip()
    return not before or before[-1] in ".!?:;\"“("


def example_questions(documents: Sequence[Document]) -> list[str]:
    """Up to three questions: about the topics of the first documents, then who delivered it and when."""
    questions: list[str] = []
    verb = "does the statement" if len(documents) == 1 else "do the documents"
    chosen: list[str] = []
    for document in documents:
        for topic in topics(document, 3):
            if not any(topic in other or other in topic for other in chosen):  # "Karsk" within "Mount Karsk"
                chosen.append(topic)
                questions.append(f"What {verb} say about {topic}?")
        if len(questions) >= MAX_EXAMPLES - 1:
            break
    questions = questions[: MAX_EXAMPLES - 1]
    if len(documents) == 1 and (documents[0].speaker or documents[0].date or documents[0].heading):
        questions.append("Who delivered this statement, and when?")
    elif documents:
        questions.append("What are the main points?")
    return questions
