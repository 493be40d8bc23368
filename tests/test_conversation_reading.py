"""How conversation answers are read by the evaluation: a repeat a new question asks for is no fault."""

from __future__ import annotations

from evals.conversations import reading_problems
from rag.answer import Answer


def answer(text: str) -> Answer:
    return Answer("q", text, False)


def test_a_sentence_from_the_previous_answer_is_a_repeat_unless_the_new_question_asks_for_it() -> None:
    said = ["Estonia seeks a seat on the Council."]
    again = answer("Estonia seeks a seat on the Council. [1]")
    assert reading_problems(again, said) == ("repeats the previous answer",)
    assert reading_problems(again, said, asked=said) == ()


def test_markers_out_of_order_and_a_leaning_opening_are_faults() -> None:
    assert "markers out of order" in reading_problems(answer("First. [2] Second. [1]"), [])
    assert "opens with an unresolved reference" in reading_problems(answer("Such help matters. [1]"), [])
    assert "opens with an unresolved reference" in reading_problems(answer("This is causing harm. [1]"), [])
    # a time the reader shares is no reference back
    assert reading_problems(answer("This year marks the 20th anniversary of the Convention. [1]"), []) == ()
