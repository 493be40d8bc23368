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


def test_a_follow_ups_own_words_pull_towards_their_paragraph_beside_the_conversations(assistant) -> None:
    class Words:  # the lexical seam: the conversation's words match paragraph 2, the follow-up's own paragraph 7
        def lexical_search(self, text: str, k: int, doc_ids: object = None) -> list[tuple[tuple[str, int], float]]:
            return [(("d", 7), 3.0)] if text.startswith("Whom") else [(("d", 2), 5.0)]

    history = [Turn("user", "For how long does the resolution extend the mandate?"),
               Turn("assistant", "Decides to renew the mandate of the Force for six months. [1]")]
    boost = assistant.variant(retriever=Words())._topic_boost(analyse("Whom does the Council commend in it?", history),
                                                              ["d"])
    assert boost[("d", 2)] > 0 and boost[("d", 7)] > 0
    # "what else" names no topic of its own: only the conversation's paragraphs and their neighbours
    more = assistant.variant(retriever=Words())._topic_boost(analyse("What else?", history), ["d"])
    assert ("d", 7) not in more and set(more) == {("d", 1), ("d", 2), ("d", 3)}


def test_a_question_may_name_the_part_of_a_document_it_asks_about() -> None:
    from rag.assistant import _PART

    assert _PART.search("Why is the Council worried, according to the preamble?")
    assert _PART.search("What does the Council decide at the end of the resolution?").group("end")
    assert _PART.search("What did he say at the outset?").group("outset")
    assert _PART.search("What is the end of the conflict?") is None


def test_its_after_a_name_the_question_gives_points_at_that_name_not_the_conversation() -> None:
    from rag.question import Turn, follow_kind

    history = [Turn("user", "What does Malawi ask for ahead of the climate conference?"), Turn("assistant", "Aid. [1]")]
    assert follow_kind("By when does Malawi want to halve its carbon emissions?", history) == ""
    assert follow_kind("How does it fund its plan?", history) == "refers"
    assert follow_kind("And what about its budget?", history) == "refers"


def test_asking_how_the_statement_ends_names_its_own_topic() -> None:
    from rag.question import Turn, follow_kind

    history = [Turn("user", "What does Tuvalu say about the Summit of the Future?"),
               Turn("assistant", "It applauds. [1]")]
    assert follow_kind("How does the statement end?", history) == ""
    assert follow_kind("How does the speech begin?", history) == ""
    assert follow_kind("And how does it end?", history) == "refers"
