"""Questions about the statement itself, answered from what a statement without a heading says of itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.countries import countries_named, own_country
from index.model import Document
from index.parse import parse_file
from rag.metadata import metadata_draft
from rag.question import analyse

EXTERNAL = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "external"
UNGDC = EXTERNAL / "ungdc_2014_2024"
RESOLUTION = EXTERNAL / "unsc_resolutions_gold_cr-unsc" / "S_RES_0385_1976_EN_GOLD.txt"


def statement(name: str) -> Document:
    session = name.split("_")[1]
    year = name.split("_")[2]
    return parse_file(UNGDC / f"session_{session}_{year}" / f"{name}.txt")


def texts(document: Document) -> list[str]:
    return [p.text for p in document.paragraphs]


def test_names_are_read_in_every_iso_form_and_a_shared_short_form_names_nobody() -> None:
    text = "The Republic of Korea, Bolivia, the Islamic Republic of Iran and Korea."
    assert countries_named(text) == ["Republic of Korea", "Bolivia", "Islamic Republic of Iran"]


@pytest.mark.parametrize(("name", "country"), [("EST_72_2017", "Estonia"), ("MUS_73_2018", "Mauritius"),
                                               ("GHA_70_2015", "Ghana"), ("KOR_78_2023", "Republic of Korea")])
def test_a_statement_speaks_for_the_country_it_names_most_or_its_file_names(name: str, country: str) -> None:
    assert own_country(texts(statement(name)), f"{name}.txt") == country


def test_a_file_name_code_the_text_never_names_is_not_taken_on_trust() -> None:
    assert own_country(["We thank the Assembly.", "Our people and we are grateful."], "EST_72_2017.txt") is None


def test_a_resolution_speaks_for_no_country() -> None:
    assert own_country(texts(parse_file(RESOLUTION)), RESOLUTION.name) is None


def test_which_country_is_answered_by_the_first_sentence_naming_it() -> None:
    document = statement("MUS_73_2018")
    draft = metadata_draft(analyse("Which country delivered this statement?"), document)
    assert draft is not None and not draft.abstained
    (citation,) = draft.citations
    assert "Mauritius" in citation.quote and citation.quote in document.paragraph(citation.paragraph).text
    assert all("Mauritius" not in p.text for p in document.paragraphs[: citation.paragraph - 1])


@pytest.mark.parametrize("question", [
    "Which Member State made this statement?", "What country is the speaker representing?",
    "Which country does the speaker lead?", "Which country's delegation delivered this statement?",
    "On behalf of which Member State was this statement delivered?"])
def test_the_statements_own_country_is_asked_in_many_words(question: str) -> None:
    assert analyse(question).metadata == "country"
    draft = metadata_draft(analyse(question), statement("MUS_73_2018"))
    assert draft is not None and "Mauritius" in draft.citations[0].quote


def test_two_fields_asked_of_a_statement_without_heading_are_both_answered_from_its_text() -> None:
    document = statement("MUS_73_2018")
    query = analyse("Which country delivered this statement, and at which session of the General Assembly?")
    assert query.metadata_fields == ("country", "session")
    draft = metadata_draft(query, document)
    assert draft is not None and not draft.abstained
    country, session = draft.citations
    assert "Mauritius" in country.quote and "seventy-third session" in session.quote.lower()
    assert draft.answer.index("[1]") < draft.answer.index("[2]")


@pytest.mark.parametrize("question", [
    "Which country does the speaker say leads the fight against piracy?",
    "Which Member State does the statement thank for hosting the summit?"])
def test_a_country_the_statement_tells_of_is_no_question_about_the_statement(question: str) -> None:
    assert analyse(question).metadata is None


def test_the_session_and_the_speaker_come_from_the_text_when_it_says_them() -> None:
    session = metadata_draft(analyse("At which session of the General Assembly was this statement made?"),
                             statement("MUS_73_2018"))
    assert session is not None and "seventy-third session" in session.answer
    speaker = metadata_draft(analyse("Who is delivering this statement?"), statement("HND_69_2014"))
    assert speaker is not None and "I am Juan Orlando Hern" in speaker.answer


def test_a_statement_that_does_not_name_its_speaker_gets_no_answer() -> None:
    query = analyse("Who delivered Mauritius's statement?")
    assert query.metadata == "speaker"
    assert metadata_draft(query, statement("MUS_73_2018")) is None


def test_a_resolution_date_is_quoted_as_its_heading_writes_it() -> None:
    draft = metadata_draft(analyse("What is the number of this resolution, and on what date was it adopted?"),
                           parse_file(RESOLUTION))
    assert draft is not None
    assert "of 30 January 1976" in draft.answer and "1976-01-30" not in draft.answer


def test_a_country_the_text_never_names_in_any_form_is_asked_about_in_vain() -> None:
    from index.countries import countries_asked, mentions_country

    assert countries_asked("Which Mexican drug cartels does he name?") == ["Mexico"]
    assert countries_asked("What is Estonia's position on the Iran nuclear agreement?") == ["Estonia", "Iran"]
    text = "\n".join(texts(statement("EST_72_2017")))
    assert mentions_country(text, "Estonia") and not mentions_country(text, "Iran")
    assert mentions_country("The Chinese delegation", "China")


def test_a_statements_own_country_is_taken_out_of_what_retrieval_reads() -> None:
    from rag.question import without_name

    assert without_name("How does Estonia's statement characterise terrorism?", "Estonia") == \
        "How does the statement characterise terrorism?"
    assert without_name("What does the Bangladesh statement say about Afghanistan?", "Bangladesh") == \
        "What does the statement say about Afghanistan?"
    assert without_name("What did Estonia and Singapore launch?", "Estonia") == "What did and Singapore launch?"
    assert without_name("What did Estonians say?", "Estonia") == "What did Estonians say?"


def test_a_statements_own_demonym_is_taken_out_only_where_it_names_the_statement_or_speaker() -> None:
    from rag.question import without_demonym

    assert without_demonym("What does the Swiss statement say about Swiss banks?", "Swiss") == \
        "What does the statement say about Swiss banks?"
    assert without_demonym("What does the Honduran President say?", "Honduran") == "What does the President say?"
    assert without_demonym("Who fights on Honduran soil?", "Honduran") == "Who fights on Honduran soil?"


def test_demonyms_the_suffix_rule_cannot_read_are_known_and_name_their_country() -> None:
    from index.countries import DEMONYMS, code_of, countries_asked, demonym_country, demonyms_of, names_country

    assert all(code_of(demonym_country(word) or "") == code for word, code in DEMONYMS.items())
    assert countries_asked("What does the Swiss statement say about Dutch and Nigerian troops?") == \
        ["Switzerland", "Netherlands", "Nigeria"]
    assert code_of(countries_asked("the Austrian proposal")[0]) == "AUT"  # not Australia, which sorts first
    assert demonyms_of("The Swiss people and the French delegation", "CHE") == ["Swiss"]
    assert names_country("the British Prime Minister", "UK") and not names_country("the British", "France")


def test_a_statement_that_never_writes_its_own_name_still_speaks_for_its_file_names_country() -> None:
    from index.countries import code_of, country_code
    from rag.policy import AnswerPolicy, profile

    document = statement("COL_77_2022")
    assert "Colombia" not in "\n".join(texts(document))  # "my country", never its name
    assert own_country(texts(document), "COL_77_2022.txt") is None  # not the country it names most
    assert country_code("COL-77-2022") == "COL" and code_of("Colombia") == "COL"
    own = profile(document, AnswerPolicy())
    assert own.code == "COL"  # so "the Colombian President" is not a country the text never names


def test_the_president_of_a_statements_own_country_is_its_speaker_not_someone_it_reports() -> None:
    from rag.policy import AnswerPolicy, before_generation, profile
    from rag.retrieve import ParagraphHit

    document = statement("COL_77_2022")
    own = profile(document, AnswerPolicy())
    hits = [ParagraphHit(document.doc_id, p.number, p.text, 1.0, 0.6, 0.5) for p in document.paragraphs[:5]]
    query = analyse("What does the Colombian President say about the Amazon?")
    reason = before_generation(query, hits, [own], 0.6, AnswerPolicy())
    assert reason is None or not reason.startswith(("not_reported", "not_in_text: Colombia"))


def test_a_country_asked_by_its_everyday_name_is_found_under_its_official_one() -> None:
    from index.countries import code_of, mentions_country
    from rag.answerability import missing_names

    official = "Singapore condemns the Democratic People’s Republic of Korea’s missile tests."
    assert code_of("North Korea") == code_of("Democratic People's Republic of Korea") == "PRK"
    assert mentions_country(official, "North Korea") and not mentions_country(official, "South Korea")
    assert missing_names("What does Singapore say about North Korea's weapons tests?", [official]) == []
    assert missing_names("What does Singapore say about North Korea's weapons tests?",
                         ["Singapore condemns the tests."]) == ["North", "Korea's"]
    assert mentions_country("the Russian Federation", "Russia") and not mentions_country("Belarus", "Russia")


@pytest.mark.parametrize("question", [
    "What does the foreign minister say about sovereign debt?",
    "What does the 2014 speech say about the Millennium Development Goals?",
    "What does his government propose on climate finance?",
    "What does the Foreign Minister say about sovereign debt?",
])
def test_the_speaker_in_any_of_their_roles_is_not_someone_the_text_reports(question: str) -> None:
    from rag.answerability import reported_subject

    assert reported_subject(question) is None


@pytest.mark.parametrize(("question", "subject"), [
    ("What did the Russian Foreign Minister say about sanctions?", "the Russian Foreign Minister"),
    ("What did the US representative say at the meeting?", "the US representative"),
    ("What did the President of the General Assembly say?", "the President of the General Assembly"),
    ("What did the Secretary-General say about reform?", "the Secretary-General"),
])
def test_another_countrys_official_or_another_office_is_someone_the_text_reports(question: str, subject: str) -> None:
    from rag.answerability import reported_subject

    assert reported_subject(question) == subject


def test_a_question_in_a_conversation_does_not_borrow_a_subject_from_the_sentence_before() -> None:
    from rag.answerability import reported_subject

    assert reported_subject("And what does he want stopped? What does the foreign minister say about debt?") is None


def test_possessive_apostrophes_are_not_quotation_marks() -> None:
    from rag.answerability import unfound_quotes

    text = ["Singapore is deeply concerned about the situation in Rakhine State."]
    assert unfound_quotes("What happened in Myanmar's Rakhine state, according to Singapore's speech?", text) == []
    assert unfound_quotes("Where does it say 'a world without walls or fences'?", text) == \
        ["a world without walls or fences"]
    assert unfound_quotes("Where does it say “a world without walls or fences”?", text) == \
        ["a world without walls or fences"]


def test_every_everyday_country_name_stands_for_an_iso_country() -> None:
    import pycountry

    from index.countries import COMMON_NAMES, code_of

    for name, code in COMMON_NAMES.items():
        assert pycountry.countries.get(alpha_3=code) is not None, name
        assert code_of(name) == code, name


def test_fields_asked_together_are_answered_together_from_the_heading() -> None:
    document = parse_file(RESOLUTION)
    for question in ("What is the number of this resolution, and on what date was it adopted?",
                     "When was it adopted, and what is the number of this resolution?"):
        draft = metadata_draft(analyse(question), document)
        assert draft is not None and not draft.abstained
        assert "385" in draft.answer and "30 January 1976" in draft.answer
        (citation,) = draft.citations
        assert citation.paragraph == 0 and citation.quote in (document.heading or "")


def test_a_heading_line_is_quoted_with_the_line_it_runs_on_from() -> None:
    document = parse_file(RESOLUTION.with_name("S_RES_0788_1992_EN_GOLD.txt"))
    draft = metadata_draft(analyse("When was this resolution adopted?"), document)
    assert draft is not None
    assert draft.answer == "\u201cAdopted by the Security Council at its 3138th meeting, on 19 November 1992\u201d [1]"
    assert draft.citations[0].quote in (document.heading or "")


@pytest.mark.parametrize(("question", "number"), [
    ("At which meeting of the Security Council was resolution 788 adopted, and on what date?", "788"),
    ("When was resolution 264 (1969) adopted?", "264"),
    ("What did resolution 264 decide?", None),
])
def test_a_question_naming_a_document_by_number_asks_about_that_document(question: str, number: str | None) -> None:
    query = analyse(question)
    assert query.metadata_number == number
    assert (query.metadata is not None) is (number is not None)


def test_the_date_of_something_is_a_time_question() -> None:
    assert analyse("What is the date of the Yamoussoukro IV Accord?").expect == "time"


def test_the_vote_comes_from_the_resolutions_own_adoption_line() -> None:
    document = parse_file(RESOLUTION)
    for question in ("What was the vote on this resolution?", "How was the resolution adopted?"):
        draft = metadata_draft(analyse(question), document)
        assert draft is not None and draft.answer == "Adopted unanimously at the 1885th meeting. [1]"
        assert draft.citations[0].paragraph > 0
    # resolution 788 prints where and when it was adopted, not how: the text does not say
    later = parse_file(RESOLUTION.with_name("S_RES_0788_1992_EN_GOLD.txt"))
    assert metadata_draft(analyse("What was the vote on resolution 788?"), later) is None


def test_the_office_the_speaker_says_he_holds_is_read_from_his_own_words() -> None:
    query = analyse("What office does the speaker of Peru's statement say he holds?")
    assert query.metadata == "title"
    draft = metadata_draft(query, statement("PER_74_2019"))
    assert draft is not None and "in my capacity as President of Peru" in draft.answer


def test_which_years_asks_for_a_time() -> None:
    assert analyse("For which years is Poland seeking a seat on the Security Council?").expect == "time"


def test_a_date_question_the_best_passage_cannot_date_is_answered_by_a_runner_up_naming_what_is_asked(
        tmp_path: Path, embedder) -> None:
    from index.chroma import open_store
    from index.ingest import Ingestor
    from rag.assistant import build_assistant
    from rag.settings import Settings

    Ingestor(open_store(tmp_path), embedder).ingest_paths([RESOLUTION.with_name("S_RES_0788_1992_EN_GOLD.txt")])
    assistant = build_assistant(Settings(index_dir=tmp_path))
    answer = assistant.ask("What is the date of the Yamoussoukro IV Accord?")
    assert not answer.abstained and "Yamoussoukro IV Accord of 30 October 1991" in answer.answer
    # a runner-up must name what is asked: no passage dates an accord the text never names
    assert assistant.ask("What is the date of the Lomé Peace Accord?").abstained


def test_the_meeting_comes_from_the_adoption_line_beside_the_heading_date() -> None:
    document = parse_file(RESOLUTION)
    draft = metadata_draft(analyse("When and at which meeting was resolution 385 adopted?"), document)
    assert draft is not None and not draft.abstained
    assert "30 January 1976" in draft.answer and "1885th meeting" in draft.answer
    assert [c.paragraph for c in draft.citations][0] == 0 and draft.citations[1].paragraph > 0
    assert draft.answer.index("[1]") < draft.answer.index("[2]")
    # a question that opens with "who" asks for a person, not for the date its "when" clause mentions
    assert analyse("Who was President of the Council when resolution 385 was adopted?").metadata is None


def test_the_date_of_a_resolution_is_asked_of_its_heading_and_is_never_an_absent_word() -> None:
    from rag.answerability import absent_attribute

    assert analyse("What is the date of resolution 385?").metadata == "date"
    assert absent_attribute("What is the date of the report the Council approves?", {"report"}) is None
    assert absent_attribute("What is the capital of Haiti?", {"haiti"}) == "capital"


def test_who_abstained_on_a_named_resolution_is_asked_of_its_adoption_line() -> None:
    query = analyse("Which members abstained on resolution 385?")
    assert query.metadata == "vote" and query.metadata_number == "385"


def test_a_date_the_scan_misspelt_is_answered_in_words() -> None:
    path = EXTERNAL / "unsc_resolutions_gold_cr-unsc" / "S_RES_0687_1991_EN_GOLD.txt"
    draft = metadata_draft(analyse("On what date was resolution 687 adopted?"), parse_file(path))
    assert draft is not None and not draft.abstained
    assert draft.answer.startswith("3 April 1991") and "Apri] 1991" in draft.citations[0].quote
