"""A sentence that goes on with a quoted one ("They also include ...") comes along, while the answer has room."""

from __future__ import annotations

from index.parse import parse_text
from rag.extractive import ExtractiveGenerator
from rag.question import analyse
from rag.retrieve import ParagraphHit

TEXT = ("The General Assembly approved new principles on sovereign debt restructuring last week.\n"
        "Principles have been set that should guide a country renegotiating its external debt. They include "
        "good faith, transparency and impartiality in the treatment of creditors. They also include sovereign "
        "immunity from jurisdiction, legitimacy and sustainability. Our country pays its creditors in full.\n"
        "The debt restructuring conference will meet again in 2026 with 120 countries taking part.\n")


def _answer(question: str, paragraph: int) -> str:
    document = parse_text(TEXT, "st")
    hit = next(p for p in document.paragraphs if p.number == paragraph)
    hits = [ParagraphHit("st", hit.number, hit.text, 0.9, 0.8, 0.6)]
    return ExtractiveGenerator().generate(analyse(question), hits, lambda doc_id: document).answer


def test_the_sentence_going_on_with_the_quoted_point_comes_along() -> None:
    answer = _answer("Which principles include transparency and good faith?", 2)
    assert "good faith, transparency" in answer
    assert "sovereign immunity" in answer  # "They also include ...": the same list goes on
    assert answer.index("good faith") < answer.index("sovereign immunity")
    assert "pays its creditors" not in answer  # the next point is not the same one


def test_a_question_asking_for_a_number_does_not_take_what_follows() -> None:
    answer = _answer("How many principles include transparency and good faith?", 2)
    assert "sovereign immunity" not in answer
