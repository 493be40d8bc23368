"""The one coverage function: how much of a question's content a text holds (rag/coverage.py)."""

from __future__ import annotations

import pytest

from rag.coverage import coverage, question_terms


def test_terms_are_stems_without_question_words() -> None:
    assert question_terms("What does the statement say about the agencies?") == {"agency"}


@pytest.mark.parametrize(("question", "text", "expected"), [
    ("What does the statement say about Haiti?", "The rampant violence in Haiti is linked to weapons.", 1.0),
    ("What does the statement say about Haiti?", "I thank Secretary-General Guterres for his statement.", 0.0),
    ("Which agencies does China thank?", "China wishes to thank the specialized agencies.", 1.0),
    ("Which crimes are linked to new technologies?", "New technologies give rise to telecom fraud.", 0.5),
])
def test_coverage_is_the_share_of_question_terms_in_the_text(question: str, text: str, expected: float) -> None:
    assert coverage(question_terms(question), text) == pytest.approx(expected)


def test_a_question_without_content_terms_is_covered_by_anything() -> None:
    assert coverage(question_terms("What is it?"), "") == 1.0
