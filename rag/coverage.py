"""Whether a text answers a question: the share of the question's content terms (stems) the text holds.

One small pure function, so every answer policy (the LLM verifier here, the extractive policy too)
asks "does this answer the question?" the same way. Terms are `index.lexical.tokenize` stems, so
"agencies" meets "agency" and question words ("what", "statement", "say") never count.
"""

from __future__ import annotations

from collections.abc import Collection

from index.text import tokenize


def question_terms(question: str) -> frozenset[str]:
    """The content terms of a question, as stems."""
    return frozenset(tokenize(question))


def coverage(question_terms: Collection[str], text: str) -> float:
    """Share of `question_terms` found among the stems of `text`; 1.0 when the question has none."""
    terms = set(question_terms)
    if not terms:
        return 1.0
    return len(terms.intersection(tokenize(text))) / len(terms)
