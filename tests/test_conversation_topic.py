"""What a follow-up takes from the conversation: the topic of what was answered, and nothing when it names its own."""

from __future__ import annotations

from rag.question import Turn, analyse

SUMMIT = [Turn("user", "How many states came to the Summit on Peace in Ukraine?"),
          Turn("assistant", "Switzerland brought together around 100 states for the Summit on Peace in Ukraine. [1]"),
          Turn("user", "Did Russia take part?"),
          Turn("assistant", "The statement does not address this question, so I cannot answer it from the text.")]


def test_a_question_the_text_could_not_answer_gives_the_conversation_no_topic() -> None:
    query = analyse("What is Switzerland asking of the international community about it?", SUMMIT)
    assert query.is_follow_up
    assert "Summit on Peace" in query.standalone
    assert "Russia" not in query.standalone  # else "Russia" would have to be in the cited text


def test_a_question_going_back_to_a_named_topic_is_read_as_asked_fresh() -> None:
    for question in ("Back to the environment: what must we keep doing there?",
                     "Going back to repatriation, what must Myanmar do?"):
        query = analyse(question, SUMMIT)
        assert not query.is_follow_up and query.standalone == question
    assert analyse("What must they keep doing there?", SUMMIT).is_follow_up
