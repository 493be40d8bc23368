"""The evaluation's LLM counters: shown, removed, abstentions, deadline, and the strict support check."""

from __future__ import annotations

from types import SimpleNamespace

from evals.summary import generation, unsupported_shown
from rag.answer import Answer, Citation, GenerationReport

PARAGRAPH = "The rampant violence in Haiti is closely linked to weapons influx. All countries should act."


def _answer(text: str, quote: str, report: GenerationReport | None, abstained: bool = False) -> Answer:
    citations = () if abstained else (Citation("doc", "Doc", 7, PARAGRAPH, quote, 0.9),)
    return Answer("q", text, abstained, citations, report=report)


def test_a_sentence_its_quote_does_not_hold_is_counted_as_unsupported() -> None:
    quote = "The rampant violence in Haiti is closely linked to weapons influx."
    good = _answer("The rampant violence in Haiti is linked to weapons influx. [1]", quote, None)
    bad = _answer("The rampant violence in Haiti is linked to drugs and money laundering by gangs. [1]", quote, None)
    assert unsupported_shown(good) == 0
    assert unsupported_shown(bad) == 1


def test_counters_add_up_over_the_answers_of_the_llm_path() -> None:
    quote = "The rampant violence in Haiti is closely linked to weapons influx."
    scores = [
        SimpleNamespace(answer=_answer(f"{quote} [1]", quote, GenerationReport(1, 2))),
        SimpleNamespace(answer=_answer("x", "", GenerationReport(0, 1, abstain_reason="r"), abstained=True)),
        SimpleNamespace(answer=_answer(f"{quote} [1] Note: late.", quote, GenerationReport(1, 0, True, True))),
        SimpleNamespace(answer=_answer("x", "", None, abstained=True)),  # abstained before the LLM was asked
    ]
    assert generation(scores) == {  # type: ignore[arg-type]  # stand-ins with only the fields it reads
        "answers": 3, "sentences_shown": 2, "sentences_removed": 3, "shown_unsupported_strict": 0,
        "abstentions": 2, "at_deadline": 1, "fell_back": 1, "abstain_reasons": {"r": 1}}


def test_runs_without_the_llm_have_no_counters() -> None:
    assert generation([SimpleNamespace(answer=_answer("a [1]", "a", None))]) is None  # type: ignore[list-item]  # a stand-in score
