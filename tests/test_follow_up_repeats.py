"""How extractive answers are composed: what a follow-up says again or reads on to, what an opener leans on,
and where an unfinished sentence or a stated cause is found."""

from __future__ import annotations

import pytest

from index.parse import parse_text
from rag.extractive import ExtractiveGenerator
from rag.generate import Draft
from rag.question import Turn, analyse
from rag.retrieve import ParagraphHit

TEXT = ("Over the past decade, we have reduced the poverty rate from 31.5 per cent to 20.5 per cent. "
        "Our per-capita income jumped more than threefold, to $2,227, in only a decade.\n"
        "Bangladesh has made impressive progress in the socioeconomic sphere and in women's empowerment. "
        "The infant mortality rate was reduced by half in the same period.\n")
PREVIOUS = ("Over the past decade, we have reduced the poverty rate from 31.5 per cent to 20.5 per cent. [1] "
            "Our per-capita income jumped more than threefold, to $2,227, in only a decade. [1]")


def ask(question: str) -> str:
    document = parse_text(TEXT, "bgd")
    hits = [ParagraphHit("bgd", p.number, p.text, 1.0 - 0.05 * p.number, 0.5, 0.3) for p in document.paragraphs]
    history = [Turn("user", "How much has Bangladesh cut its poverty rate over the past decade?"),
               Turn("assistant", PREVIOUS)]
    return ExtractiveGenerator().generate(analyse(question, history), hits, lambda doc_id: document).answer


def test_a_follow_up_naming_what_was_said_gets_that_sentence_again() -> None:
    assert ask("and per-capita income?").startswith("Our per-capita income jumped")


def test_what_else_gives_only_what_was_not_said() -> None:
    answer = ask("What other progress does she point to?")
    assert "per-capita" not in answer and "poverty rate" not in answer
    assert "progress in the socioeconomic sphere" in answer or "infant mortality" in answer


def test_what_else_moves_to_a_paragraph_the_conversation_has_not_quoted() -> None:
    text = ("We have cut poverty by half. We also built clinics in every district, and hospitals too.\n"
            "Beyond health, we connected every village to the grid and doubled school enrolment.\n")
    document = parse_text(text, "gha")
    # the quoted paragraph ranks first, so only the "what else" rule can move the answer on
    hits = [ParagraphHit("gha", p.number, p.text, 1.0 - 0.1 * p.number, 0.5, 0.3) for p in document.paragraphs]
    history = [Turn("user", "What progress does Ghana report?"), Turn("assistant", "We have cut poverty by half. [1]")]
    answer = ExtractiveGenerator().generate(analyse("What else has Ghana achieved?", history), hits,
                                            lambda doc_id: document)
    assert answer.citations[0].paragraph == 2
    assert "poverty" not in answer.answer


def test_an_answer_never_opens_with_a_runner_up_that_leans_on_a_sentence_it_leaves_out() -> None:
    from index.text import leans_back

    text = ("The pandemic changed how we live together, far beyond what anyone expected.\n"
            "It would have seemed implausible, but we no longer hug our loved ones or visit elderly relatives. "
            "We have learnt to greet each other from a distance and not to shake hands during the pandemic.\n")
    document = parse_text(text, "gha")
    hits = [ParagraphHit("gha", 2, document.paragraph(2).text, 1.0, 0.6, 0.5),
            ParagraphHit("gha", 1, document.paragraph(1).text, 0.5, 0.3, 0.2)]
    question = ("Which habits, like shaking hands, hugging or visiting relatives, did people give up during the "
                "pandemic?")
    answer = ExtractiveGenerator().generate(analyse(question), hits, lambda doc_id: document)
    assert answer.citations and answer.answer.startswith("We have learnt to greet")
    assert not leans_back(answer.answer)


def test_a_question_naming_the_text_and_a_one_word_topic_is_asked_fresh() -> None:
    from rag.question import follow_kind

    history = [Turn("user", "What does Mexico say about vaccines?"),
               Turn("assistant", "It wants equitable access. [1]")]
    assert follow_kind("What does the statement say about corruption?", history) == ""
    assert follow_kind("What does the speech say on it?", history) == "refers"
    assert follow_kind("Which issues?", history) == "refers"


def test_why_may_be_answered_by_the_reason_the_conversation_already_gave() -> None:
    text = ("Uruguay rejects the blockade against Cuba. That is why my country rejects any coercive, unilateral "
            "measures, because they contravene international law.\n"
            "Uruguay also supports the peace process in Colombia and the talks in Havana.\n")
    document = parse_text(text, "ury")
    hits = [ParagraphHit("ury", p.number, p.text, 1.0 - 0.1 * p.number, 0.5, 0.3) for p in document.paragraphs]
    history = [Turn("user", "What is Uruguay's position on the blockade against Cuba?"),
               Turn("assistant", "Uruguay rejects the blockade against Cuba. [1] That is why my country rejects any "
                                 "coercive, unilateral measures, because they contravene international law. [1]")]
    answer = ExtractiveGenerator().generate(analyse("Why does Uruguay oppose it?", history), hits,
                                            lambda doc_id: document)
    assert "because they contravene international law" in answer.answer


def test_nothing_chosen_stays_nothing() -> None:
    from rag.extractive import _opening_stands

    assert _opening_stands([], reading=False, said=[]) == [] and _opening_stands([], reading=True, said=[]) == []


def test_a_follow_up_about_what_was_said_is_answered_from_there_not_from_a_weaker_unquoted_paragraph() -> None:
    text = ("We can counteract disinformation by exposing illegitimate interference and by fostering open and "
            "fair debate.\n"
            "Our goal was to provide an initial impetus for a just and lasting peace, based on international law.\n")
    document = parse_text(text, "che")
    hits = [ParagraphHit("che", p.number, p.text, 1.0 - 0.1 * p.number, 0.5, 0.3) for p in document.paragraphs]
    history = [Turn("user", "What does the statement say about disinformation?"),
               Turn("assistant", "We can counteract disinformation by exposing illegitimate interference and by "
                                 "fostering open and fair debate. [1]")]
    # nothing new in paragraph 1, and paragraph 2 is far weaker: the question asks about what was said
    answer = ExtractiveGenerator().generate(analyse("How can it be countered?", history), hits,
                                            lambda doc_id: document)
    assert answer.citations[0].paragraph == 1
    assert "illegitimate interference" in answer.answer


def test_a_follow_up_answered_by_a_sentence_leaning_on_one_already_quoted_brings_that_one_back() -> None:
    from index.text import leans_back, strip_markers

    text = ("Our economy grew by seven per cent last year, despite the pandemic.\n"
            "Ghana welcomed thousands of visitors from the diaspora in 2019, the Year of Return. "
            "They came to trace the roots of their ancestors and to invest in the land of their forebears.\n")
    document = parse_text(text, "gha")
    hits = [ParagraphHit("gha", p.number, p.text, 1.0 - 0.1 * p.number, 0.5, 0.3) for p in document.paragraphs]
    history = [Turn("user", "Whom did Ghana welcome in 2019?"),
               Turn("assistant", "Ghana welcomed thousands of visitors from the diaspora in 2019, the Year of "
                                 "Return. [1]")]
    answer = ExtractiveGenerator().generate(analyse("What did they come to trace?", history), hits,
                                            lambda doc_id: document).answer
    assert "trace the roots" in answer  # not the unrelated sentence that merely opens without a pronoun
    assert not leans_back(strip_markers(answer))


def _why(text: str, previous_question: str, previous_answer: str, question: str = "why?") -> str:
    document = parse_text(text, "bgd")
    hits = [ParagraphHit("bgd", p.number, p.text, 1.0 - 0.1 * p.number, 0.5, 0.3) for p in document.paragraphs]
    history = [Turn("user", previous_question), Turn("assistant", previous_answer + " [1]")]
    return ExtractiveGenerator().generate(analyse(question, history), hits, lambda doc_id: document).answer


def test_why_after_a_consequence_brings_the_sentence_before_it() -> None:
    text = ("Peace remains a pre-eminent focus of our foreign policy. Threats of terrorism and violent extremism "
            "jeopardize peace and security in many parts of the world. We therefore maintain a zero-tolerance "
            "policy in that regard.\n"
            "Our economy grew by seven per cent last year, despite the pandemic.\n")
    answer = _why(text, "What is the policy on terrorism?",
                  "We therefore maintain a zero-tolerance policy in that regard.")
    assert "jeopardize peace and security" in answer


def test_why_after_a_plain_claim_brings_the_sentence_after_it() -> None:
    text = ("Even if some missions have fallen short, they contribute to stability in people's everyday lives. "
            "When deciding which missions to deploy, we must overcome our disagreements. Peace is too precious a "
            "commodity to become a pawn of self-serving interests.\n"
            "Our economy grew by seven per cent last year, despite the pandemic.\n")
    answer = _why(text, "What is needed when deciding which missions to deploy?",
                  "When deciding which missions to deploy, we must overcome our disagreements.")
    assert "too precious a commodity" in answer


def test_a_quantity_follow_up_gets_the_quoted_sentence_that_holds_the_number_over_one_that_does_not() -> None:
    text = ("We are now among the five fastest-growing economies in the world, ranking forty-first in terms of "
            "gross domestic product (GDP).\n"
            "Our decisions included 28 stimulus packages, to the tune of $14.6 billion, or 4.44 per cent of our "
            "GDP, to keep our economy afloat.\n")
    document = parse_text(text, "bgd")
    hits = [ParagraphHit("bgd", p.number, p.text, 0.8 + 0.1 * p.number, 0.5, 0.3) for p in document.paragraphs][::-1]
    history = [Turn("user", "How many stimulus packages did they adopt?"),
               Turn("assistant", "Our decisions included 28 stimulus packages, to the tune of $14.6 billion, or "
                                 "4.44 per cent of our GDP, to keep our economy afloat. [2]")]
    answer = ExtractiveGenerator().generate(analyse("what share of GDP is that?", history), hits,
                                            lambda doc_id: document)
    assert "4.44 per cent" in answer.answer


def test_what_else_gives_the_rest_of_the_new_paragraph_not_only_its_best_sentence() -> None:
    text = ("We have cut poverty by half over the past decade.\n"
            "Bangladesh has made impressive progress in women's empowerment. Maternal mortality fell to 173 per "
            "100,000 live births. Life expectancy rose to 73 years.\n")
    document = parse_text(text, "bgd")
    hits = [ParagraphHit("bgd", p.number, p.text, 1.0 - 0.1 * p.number, 0.5, 0.3) for p in document.paragraphs]
    history = [Turn("user", "How much has poverty fallen?"),
               Turn("assistant", "We have cut poverty by half over the past decade. [1]")]
    answer = ExtractiveGenerator().generate(analyse("What other progress does she point to?", history), hits,
                                            lambda doc_id: document).answer
    assert "impressive progress" in answer and "173 per 100,000" in answer and "73 years" in answer
    assert "poverty" not in answer


POINTING = ("The speaker's father was a strong advocate of multilateralism. In his first speech to the Assembly, "
            "on 25 September 1974, he said,\n"
            "\u201cOur goal is self-reliance. International cooperation could make our task less onerous.\u201d "
            "Many have echoed him since.\n"
            "There are major challenges ahead: wars, disasters and the damage done to our shared environment.\n"
            "The Organization has a crucial role to play in tackling these issues.\n")


def _answer_after(previous_question: str, previous_answer: str, question: str) -> str:
    document = parse_text(POINTING, "pts")
    hits = [ParagraphHit("pts", p.number, p.text, 1.0 - 0.05 * p.number, 0.5, 0.3) for p in document.paragraphs]
    history = [Turn("user", previous_question), Turn("assistant", previous_answer)]
    return ExtractiveGenerator().generate(analyse(question, history), hits, lambda doc_id: document).answer


def test_a_follow_up_to_an_unfinished_sentence_reads_on_to_the_whole_quotation() -> None:
    previous = "In his first speech to the Assembly, on 25 September 1974, he said, [1]"
    answer = _answer_after("When did he first speak to the Assembly?", previous, "What did he say?")
    assert answer.startswith("\u201cOur goal is self-reliance.")
    assert "less onerous.\u201d" in answer and "echoed" not in answer and "25 September" not in answer


def test_a_follow_up_asking_which_things_a_sentence_points_back_to_gets_the_sentence_before() -> None:
    answer = _answer_after("What role does the speech give the Organization?",
                           "The Organization has a crucial role to play in tackling these issues. [1]", "Which issues?")
    assert answer.startswith("There are major challenges ahead: wars, disasters")
    assert "crucial role" not in answer


def _draft_from(text: str, number: int, question: str) -> Draft:
    """The answer to a fresh `question` when paragraph `number` of `text` is the only one retrieved."""
    document = parse_text(text, "doc")
    hits = [ParagraphHit("doc", number, document.paragraph(number).text, 1.0, 0.6, 0.5)]
    return ExtractiveGenerator().generate(analyse(question), hits, lambda doc_id: document)


def test_a_fresh_answer_ending_unfinished_brings_what_follows() -> None:
    draft = _draft_from(POINTING, 1, "When did he first speak to the Assembly on 25 September 1974?")
    assert [c.paragraph for c in draft.citations] == [1, 2]
    assert draft.answer.rstrip().endswith("[2]") and "Our goal is self-reliance" in draft.answer


def test_there_is_opens_a_sentence_without_leaning_back() -> None:
    from index.text import leans_back

    assert not leans_back("There are major challenges ahead: wars and disasters.")
    assert leans_back("There, we agreed on a plan.")


def test_a_leaning_opener_does_not_pull_in_a_chain_of_sentences_that_lean_in_turn() -> None:
    from rag.extractive import _opening_stands, score_sentences

    text = ("The numbers are staggering. That is not the history taught in schools. "
            "Those are not events of long ago. Those are events happening in our own time.\n"
            "In 1945, many nations declared war before the San Francisco Conference met.\n")
    document = parse_text(text, "gha")
    query = analyse("Which events came before the San Francisco Conference?")
    first, second = (ParagraphHit("gha", n, document.paragraph(n).text, 1.0 - 0.1 * n, 0.5, 0.5) for n in (1, 2))
    today = next(s for s in score_sentences(query, first) if s.selected.text.startswith("Those are events"))
    war = score_sentences(query, second)[0]
    kept = _opening_stands([today, war], False, [])
    assert [s.selected.text[:12] for s in kept] == ["In 1945, man"]


def test_the_clauses_of_a_resolution_do_not_run_on_into_the_next_one() -> None:
    text = ("Recalling its resolution 264 (1969) on the situation in the Territory,\n"
            "Gravely concerned at the continued illegal occupation of the Territory,\n"
            "Reaffirming the legal responsibility of the United Nations over the Territory,\n"
            "1. Condemns the continued illegal occupation of the Territory;\n"
            "2. Demands the withdrawal of the illegal administration from the Territory;\n")
    draft = _draft_from(text, 1, "Which earlier resolution on the Territory does it recall?")
    assert [c.paragraph for c in draft.citations] == [1]


@pytest.mark.parametrize(("question", "why"), [
    ("What is driving the migration of children to the North?", True),
    ("What are the root causes of the conflict, according to him?", True),
    ("To what does the President credit the country's success against the virus?", True),
    ("What lies behind the rise in crime?", True),
    ("What is the Council doing about the drought?", False),
    ("Which causes does the Foundation support?", False),
])
def test_questions_asking_for_a_cause_look_for_a_stated_reason(question: str, why: bool) -> None:
    assert analyse(question).asks_why is why


def test_a_cause_question_brings_the_sentence_that_states_the_cause() -> None:
    text = ("There has been an unusual migration of children to the North, many unaccompanied by an adult. "
            "This migration is the result of the violence of drug trafficking and of poverty. "
            "We have opened shelters along the border.\n")
    answer = _draft_from(text, 1, "What is driving the unusual migration of children to the North?").answer
    assert "result of the violence" in answer


def test_an_answer_opening_a_paragraph_with_a_pronoun_brings_the_previous_paragraphs_last_sentence() -> None:
    text = ("New Zealand took part in the San Francisco Conference of 1945.\n"
            "Our delegation was led by Prime Minister Peter Fraser.\n"
            "He understood that the Charter of the Organization was imperfect, and he signed it all the same.\n")
    draft = _draft_from(text, 3, "What did the Prime Minister understand about the Charter?")
    assert draft.answer.startswith("Our delegation was led by Prime Minister Peter Fraser. [1] He understood")
    assert [c.paragraph for c in draft.citations] == [2, 3]


@pytest.mark.parametrize(("question", "head"), [
    ("Which ceasefires does New Zealand welcome in its statement?", "ceasefir"),
    ("For which conflicts does the speaker say there is no military solution?", "conflict"),
    ("What natural disasters does the speaker use as images of recovery?", "disaster"),
    ("Which country convened the meeting?", ""),
    ("What does he say those countries need?", ""),
    ("Which process was it?", ""),
])
def test_which_things_asks_for_several(question: str, head: str) -> None:
    from index.text import stem

    assert analyse(question).several == (stem(head) if head else "")


def test_which_things_adds_another_paragraph_that_names_them_after_the_best_one() -> None:
    text = ("We welcome the ceasefire in Gaza agreed last month, and call for it to hold.\n"
            "Our trade with the region grew by a third last year.\n"
            "We also welcome the ceasefire over Ukraine agreed in Minsk, fragile as it is.\n")
    document = parse_text(text, "nzl")
    hits = [ParagraphHit("nzl", n, document.paragraph(n).text, score, 0.6, 0.5)
            for n, score in ((3, 1.0), (1, 0.95), (2, 0.9))]
    draft = ExtractiveGenerator().generate(analyse("Which ceasefires does New Zealand welcome?"), hits,
                                           lambda doc_id: document)
    assert [c.paragraph for c in draft.citations][:2] in ([3, 1], [1, 3])
    assert "trade" not in draft.answer
    single = ExtractiveGenerator().generate(analyse("Which ceasefire does New Zealand welcome in Ukraine?"), hits,
                                            lambda doc_id: document)
    assert len(single.citations) == 1


def test_a_resolutions_clauses_of_one_kind_answer_together() -> None:
    text = ("1. Requests the Secretary-General to submit progress reports every six months;\n"
            "2. Decides to remain seized of the matter;\n"
            "3. Decides to encourage assistance from all Member States, and requests the Secretary-General to "
            "submit within thirty days recommendations on the costs;\n")
    document = parse_text(text, "res")
    hits = [ParagraphHit("res", n, document.paragraph(n).text, score, 0.6, 0.5)
            for n, score in ((1, 1.0), (2, 0.9), (3, 0.8))]
    asked = ExtractiveGenerator().generate(analyse("What does the resolution ask the Secretary-General to do?"),
                                           hits, lambda doc_id: document)
    assert [c.paragraph for c in asked.citations] == [1, 3] and "thirty days" in asked.answer
    how_often = ExtractiveGenerator().generate(analyse("How often must the Secretary-General report?"), hits,
                                               lambda doc_id: document)
    assert [c.paragraph for c in how_often.citations] == [1]


def test_a_clause_opening_with_the_verb_asked_answers_and_a_list_opens_on_its_best_item() -> None:
    from rag.extractive import _acts_as_asked

    clause = "9. Commends the efforts of the Secretary-General;"
    assert _acts_as_asked(clause, 3, len(clause), {"commend", "council"})  # "9." may split off as a sentence
    assert _acts_as_asked("Having examined the application of Oman,", 0, 40, {"examin"})
    assert not _acts_as_asked("We commend the Secretary-General.", 0, 33, {"commend"})  # a statement's sentence
    second = "Recalling its resolution 425. It also notes the report."
    assert not _acts_as_asked(second, 30, len(second), {"recall"})  # only the sentence that opens the clause
    text = ("Decides that all States shall report on the activities under section C of the plan;\n"
            "Confirms that the Special Commission and the Agency have the authority to conduct activities under "
            "section C;\n")
    document = parse_text(text, "res")
    hits = [ParagraphHit("res", n, document.paragraph(n).text, score, 0.6, 0.5) for n, score in ((1, 1.0), (2, 0.99))]
    draft = ExtractiveGenerator().generate(
        analyse("Which bodies does the Council confirm have authority to conduct activities under section C?"), hits,
        lambda doc_id: document)
    assert draft.citations[0].paragraph == 2


def test_a_follow_up_whose_own_verb_the_new_clause_holds_is_not_sent_back_to_what_was_said() -> None:
    text = ("Decides to renew the mandate of the Force for six months, until 19 June 1982;\n"
            "Requests the Secretary-General to continue his discussions and to report periodically to the "
            "Security Council;\n"
            "Commends the efforts of the Secretary-General and the performance of the Force;\n")
    document = parse_text(text, "res")
    hits = [ParagraphHit("res", p.number, p.text, 1.0 - 0.1 * p.number, 0.5, 0.3) for p in document.paragraphs]
    history = [Turn("user", "For how long does the resolution renew the mandate of the Force?"),
               Turn("assistant", "Decides to renew the mandate of the Force for six months, until 19 June 1982; [1] "
                                 "Requests the Secretary-General to continue his discussions and to report "
                                 "periodically to the Security Council; [2]")]
    answer = ExtractiveGenerator().generate(analyse("Whom does the Council commend in it?", history), hits,
                                            lambda doc_id: document)
    assert answer.citations[0].paragraph == 3


def test_the_council_and_the_resolution_a_question_names_favour_no_clause() -> None:
    text = ("Calls upon all concerned to respect the cease-fire called for by the Security Council in resolution "
            "490 and reiterates its condemnation of all actions contrary to the resolution;\n"
            "Decides to remain seized of the question and to review the situation within two months;\n")
    document = parse_text(text, "res")
    hits = [ParagraphHit("res", p.number, p.text, 0.9, 0.5, 0.3) for p in document.paragraphs]
    answer = ExtractiveGenerator().generate(analyse("What else does the Council decide in this resolution?"), hits,
                                            lambda doc_id: document)
    assert answer.citations[0].paragraph == 2


def test_what_else_reads_on_to_the_next_paragraph_when_it_answers_nearly_as_well() -> None:
    text = ("Since March 2020, we have faced three cyclones and a pandemic, and we are still standing.\n"
            "Resilience is insurance for the most vulnerable and the relocation of communities from rising seas.\n"
            "Our partners have shown resilience in the face of disasters, storms and floods, as partners do.\n")
    document = parse_text(text, "fji")
    hits = [ParagraphHit("fji", n, document.paragraph(n).text, score, 0.5, 0.3)
            for n, score in ((1, 1.0), (3, 0.9), (2, 0.8))]
    history = [Turn("user", "What has the country faced since March 2020?"),
               Turn("assistant", "Since March 2020, we have faced three cyclones and a pandemic, and we are still "
                                 "standing. [1]")]
    answer = ExtractiveGenerator().generate(analyse("What else does he count as resilience?", history), hits,
                                            lambda doc_id: document)
    assert answer.citations[0].paragraph == 2


def test_a_question_asking_when_and_how_many_gets_the_sentence_with_the_number_too() -> None:
    from index.hits import ChunkHit
    from index.sentences import split_sentences

    text = ("Kyrgyzstan has launched a number of global initiatives in this area. In August last year, the Group of "
            "Friends of Mountainous Countries was created. Today it includes 23 States. We also hosted two forums.\n")
    document = parse_text(text, "kgz")
    body = document.paragraph(1).text
    # the sentence windows as a dense search scores them: the number's sentence matches the question poorly
    windows = tuple(ChunkHit(f"w{i}", "kgz", 1, a, b, body[a:b], "", score)
                    for i, ((a, b), score) in enumerate(zip(split_sentences(body), (0.5, 0.8, 0.2, 0.2), strict=True)))
    hits = [ParagraphHit("kgz", 1, body, 1.0, 0.8, 0.4, windows)]
    question = "When was the Group of Friends of Mountainous Countries created, and how many States are in it?"
    both = ExtractiveGenerator().generate(analyse(question), hits, lambda doc_id: document)
    assert "August last year" in both.answer and "23 States" in both.answer
    one = ExtractiveGenerator().generate(analyse("When was the Group of Friends of Mountainous Countries created?"),
                                         hits, lambda doc_id: document)
    assert "23 States" not in one.answer  # one thing asked: no second sentence for a number nobody asked for


def test_an_answer_never_opens_on_a_chain_of_references_it_does_not_resolve() -> None:
    from index.text import leans_back

    text = ("We also need to find solutions for the refugees displaced throughout the world. They also need our help. "
            "Chad is the African country with the second-largest number of refugees, estimated at over 500,000. "
            "They come from the regions bordering Chad, particularly Darfur and Libya. "
            "They live in difficult environmental and humanitarian conditions.\n")
    document = parse_text(text, "tcd")
    hits = [ParagraphHit("tcd", 1, document.paragraph(1).text, 1.0, 0.6, 0.4)]
    history = [Turn("user", "How many refugees does Chad host?"),
               Turn("assistant", "We also need to find solutions for the refugees displaced throughout the world. [1] "
                                 "Chad is the African country with the second-largest number of refugees, estimated "
                                 "at over 500,000. [1]")]
    answer = ExtractiveGenerator().generate(analyse("What conditions do they live in?", history), hits,
                                            lambda doc_id: document).answer
    assert "difficult environmental" in answer and not leans_back(answer)


def test_a_paragraph_opening_on_that_is_why_brings_the_paragraphs_before_back_to_a_sentence_that_stands() -> None:
    from index.text import leans_back

    text = ("Our ocean is overfished and polluted.\n"
            "That is why the Pacific States are establishing protected marine areas for our children.\n"
            "That is why we are committed to ensuring the launch of negotiations by September 2015 for a new "
            "agreement on marine biological diversity.\n")
    document = parse_text(text, "plw")
    hits = [ParagraphHit("plw", 3, document.paragraph(3).text, 1.0, 0.7, 0.6)]
    answer = ExtractiveGenerator().generate(analyse("By when does the country want negotiations launched?"), hits,
                                            lambda doc_id: document).answer
    assert "September 2015" in answer and not leans_back(answer)
    assert answer.index("Our ocean") < answer.index("protected marine areas") < answer.index("September 2015")


def test_the_paragraph_of_the_best_sentence_is_read_first_whatever_retrieval_ranked_first() -> None:
    text = ("I congratulate the President on his election to preside over this session of the General Assembly.\n"
            "We welcome this session's theme, 'Building resilience through hope', for the General Assembly.\n")
    document = parse_text(text, "stp")
    # retrieval ranked the greeting first; the theme sentence answers the question better
    hits = [ParagraphHit("stp", 1, document.paragraph(1).text, 1.0, 0.6, 0.5),
            ParagraphHit("stp", 2, document.paragraph(2).text, 0.9, 0.75, 0.5)]
    answer = ExtractiveGenerator().generate(
        analyse("What theme did the President choose for this session of the General Assembly?"), hits,
        lambda doc_id: document)
    assert [c.paragraph for c in answer.citations] == [2, 1]
    assert answer.answer.startswith("We welcome this session's theme")


def test_a_leaning_sentence_far_the_best_still_opens_with_what_it_leans_on() -> None:
    text = ("We must mobilize finance for the recovery of every economy.\n"
            "This is what I heard from many of you at the meeting on financing for development that Canada hosted "
            "last spring with the Secretary-General and the Prime Minister of Jamaica.\n"
            "If we rise to this challenge, we will lay the foundations of a better world.\n")
    document = parse_text(text, "doc")
    # the weaker, self-standing paragraph ranks first: only the leaning sentence's own score can win
    hits = [ParagraphHit("doc", n, document.paragraph(n).text, s, 0.6, 0.5) for n, s in ((3, 1.0), (2, 0.9))]
    question = analyse("With whom did Canada host the meeting on financing for development, and when?")
    draft = ExtractiveGenerator().generate(question, hits, lambda doc_id: document)
    assert "Prime Minister of Jamaica" in draft.answer
    assert draft.answer.startswith("We must mobilize finance")  # it does not open on "This is what ..."


def test_each_of_two_questions_asked_at_once_gets_its_sentence() -> None:
    text = ("Our Prime Minister and the President of France launched the International Solar Alliance. "
            "In March, we chaired the founding conference of the Alliance, in which 120 countries participated. "
            "Sixty-eight nations have become members of the Alliance so far. "
            "Solar power is the energy of the future.\n")
    question = ("How many countries have joined the International Solar Alliance, and how many took part in its "
                "founding conference?")
    answer = _draft_from(text, 1, question).answer
    assert "Sixty-eight nations" in answer and "120 countries" in answer
    assert "energy of the future" not in answer


def test_the_statements_own_name_in_a_question_chooses_less_than_its_topic() -> None:
    from dataclasses import replace

    text = ("I am honoured to address the Assembly as Minister for Foreign Affairs of Sao Tome and Principe.\n"
            "We welcome this session's theme, building resilience through hope.\n")
    document = parse_text(text, "stp")
    hits = [ParagraphHit("stp", p.number, p.text, 1.0 - 0.05 * p.number, 0.5, 0.3) for p in document.paragraphs]
    question = analyse("What was the theme of the session, as quoted by Sao Tome and Principe?")
    own = replace(question, own_name=frozenset({"sao", "tome", "principe"}))
    answer = ExtractiveGenerator().generate(own, hits, lambda doc_id: document)
    assert answer.citations[0].paragraph == 2


def test_the_attribute_asked_is_a_content_word_of_the_sentence() -> None:
    from rag.extractive import _has_shape

    question = "What was the theme of the session?"
    assert _has_shape(question, "We welcome this session's theme, building resilience through hope.")
    assert not _has_shape(question, "We thank them all for their work.")


def test_what_else_gives_the_next_point_from_one_paragraph() -> None:
    """A runner-up from another paragraph is the point after this one: "what else" keeps to the opener's
    paragraph, and reads on in it."""
    from rag.extractive import _rest_of_paragraph, score_sentences

    text = ("Ghana has also achieved universal access to clinics. Every district now has a hospital.\n"
            "We cut the cost of electricity by half for every village.\n")
    document = parse_text(text, "gha")
    hits = [ParagraphHit("gha", p.number, p.text, 1.0 - 0.1 * p.number, 0.5, 0.3) for p in document.paragraphs]
    query = analyse("What else has Ghana achieved?", [Turn("user", "What has Ghana achieved?"),
                                                       Turn("assistant", "We have cut poverty by half. [1]")])
    opener = next(s for s in score_sentences(query, hits[0]) if "clinics" in s.selected.text)
    runner_up = score_sentences(query, hits[1])[0]
    answer = _rest_of_paragraph([opener, runner_up], query, [frozenset(["cut", "poverti", "half"])])
    assert {s.selected.hit.paragraph for s in answer} == {1}
    assert [s.selected.text for s in answer] == ["Ghana has also achieved universal access to clinics.",
                                                 "Every district now has a hospital."]
