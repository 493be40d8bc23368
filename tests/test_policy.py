"""The answer policy's general mechanisms, checked as pure functions on text from several documents:
numbers tied to what is counted, dates beside their topic, questions about the document itself, a
resolution's own paragraph numbers, and per-document BM25 statistics."""

from __future__ import annotations

import pytest

from index.lexical import document_bm25
from index.model import Document, Paragraph
from index.paragraphs import printed_labels
from rag.answerability import paragraph_references, quantity_head, tied_date, tied_number
from rag.question import about_the_document, analyse


@pytest.mark.parametrize(("question", "head"), [
    ("How many Ghanaian peacekeepers are serving in missions?", {"peacekeeper"}),  # the name says whose
    ("How many ECOWAS troops are being deployed there?", {"troop"}),
    ("What share of GDP is that?", {"shar", "gdp"}),  # the name is what is measured
    ("What is the budget of the welfare plan?", {"budget"}),
    ("How many pirates has Mauritius prosecuted?", {"pirat"}),
])
def test_a_quantity_question_names_what_it_counts(question: str, head: set[str]) -> None:
    assert quantity_head(question) == head


def test_a_number_answers_only_when_it_counts_what_was_asked() -> None:
    sentence = "We have provided cash grants to a total of 77,000 households throughout the nation."
    assert tied_number(sentence, {"household"}, 6)
    assert not tied_number(sentence, {"money"}, 6)
    assert not tied_number("Resolution 264 (1969) was recalled on 20 March 1969.", {"resolution"}, 6)
    assert not tied_number("Draft resolution A/71/L.73 requested an opinion.", set(), 6)
    assert tied_number("Estonia has 22 years of participation in peacekeeping.", {"year", "participation"}, 6)


def test_a_date_must_stand_beside_the_topic_it_dates() -> None:
    assert tied_date("Mauritius was admitted to the United Nations in 1968.", {"admitt", "mauritius"})
    assert not tied_date("Elections shall be held under United Nations supervision.", {"election"})


@pytest.mark.parametrize(("question", "about"), [
    ("Who delivered this statement?", True),
    ("When was the resolution adopted, and at which meeting?", True),
    ("On what date did Moses Garoeb make his statement to the Council?", False),
    ("On what date are the elections to be held under this resolution?", False),
    ("What is the number and adoption date of this Security Council resolution?", True),
    ("What did the earlier resolution decide?", False),
    ("What is the name of the Kenyan President giving this address?", True),
    ("What is the name of the official who delivered this statement?", True),
])
def test_metadata_questions_are_about_the_document_itself(question: str, about: bool) -> None:
    assert about_the_document(question) is about
    assert (analyse(question).metadata is not None) is about or not about


def test_the_name_of_the_official_giving_the_address_is_its_speaker() -> None:
    assert analyse("What is the name of the Indian minister delivering this address?").metadata == "speaker"
    assert analyse("What is the name of the minister who gave a speech in Paris?").metadata is None


def test_a_resolutions_own_numbering_maps_to_reader_paragraphs() -> None:
    paragraphs = ["Recalling its resolution 264,", "1. Condemns the occupation;", "2. Demands that:",
                  "(a) prisoners be released;", "(b) exiles may return;", "3. Decides to remain seized."]
    labels = printed_labels(paragraphs)
    assert labels == {"1": 2, "2": 3, "2(a)": 4, "2(b)": 5, "3": 6}
    assert paragraph_references("What does operative paragraph 3 decide?") == ["3"]
    assert paragraph_references("What does paragraph 2 (b) call for?") == ["2(b)"]


def test_scoped_bm25_uses_the_documents_own_word_statistics() -> None:
    doc = Document("d", "T", (Paragraph(1, "Estonia supports Estonia's digital agenda."),
                              Paragraph(2, "Estonia urges all States to join the Budapest Convention on Cybercrime."),
                              Paragraph(3, "Estonia speaks of climate.")))
    ranked = document_bm25(doc, "Which convention does Estonia urge States to join?", 3)
    assert ranked[0][0] == ("d", 2)  # "Estonia" is in every paragraph, so it decides nothing


def test_what_someone_said_about_a_topic_needs_their_reported_words_near_that_topic() -> None:
    from rag.answerability import reported_topic, topic_unreported

    question = "What did Pope Francis say about drug trafficking?"
    topic = reported_topic(question)
    assert "drug" in topic
    quoted_on_giving = ["I would like to quote Pope Francis: \u201cgiving is a duty\u201d. We must share."]
    quoted_on_drugs = ["Pope Francis said that drug trafficking destroys the young."]
    assert topic_unreported("Pope Francis", topic, quoted_on_giving)
    assert not topic_unreported("Pope Francis", topic, quoted_on_drugs)
    assert reported_topic("What did Pope Francis say?") == set()


def test_a_date_beside_the_names_alone_does_not_date_the_event_asked_about() -> None:
    from rag.answerability import tied_date

    recalled = "Recalling resolution 2145 of 27 October 1966, which terminated South Africa's Mandate over Namibia."
    topic, event = {"south", "africa", "begin", "administer", "namibia"}, {"begin", "administer"}
    assert tied_date(recalled, topic)  # the names and a date: enough without the event
    assert not tied_date(recalled, topic, event)
    assert tied_date("My country made a pledge at its admission in 1968.", {"admitt", "mauritius"}, {"admitt"})


def test_a_date_far_from_the_event_in_a_long_sentence_dates_something_else() -> None:
    from index.text import stem
    from rag.answerability import tied_date

    demand = ("Demands that South Africa urgently make a solemn declaration accepting the foregoing provisions for "
              "the holding of free elections in Namibia under United Nations supervision and control, undertaking "
              "to comply with the resolutions and decisions of the United Nations and with the advisory opinion of "
              "the International Court of Justice of 21 June 1971 in regard to Namibia.")
    topic, event = {stem("elections"), stem("namibia")}, {stem("elections")}
    assert tied_date(demand, topic, event)  # anywhere in the sentence: the opinion's date passes for the elections'
    assert not tied_date(demand, topic, event, window=12)
    assert tied_date("Elections in Namibia were held in November 1989.", topic, event, window=12)


def test_a_question_about_another_resolution_needs_a_sentence_saying_what_it_did() -> None:
    from rag.answerability import reference_unreported, referenced_document

    question = "What did Security Council resolution 264 (1969) decide?"
    assert referenced_document(question, own=["385", "1976"]) == "264"
    assert referenced_document("What did resolution 385 (1976) decide?", own=["385", "1976"]) is None  # itself
    assert referenced_document("What did the Council decide?") is None
    listed = "Reiterates its demand, in accordance with resolutions 264 (1969), 269 (1969) and 366 (1974), to withdraw."
    assert reference_unreported("264", [listed])
    assert not reference_unreported("264", ["Recalling its resolution 264 (1969), by which it terminated the Mandate,"])
    assert not reference_unreported("264", ["Recalling resolution 264 (1969) in which the Council decided to act,"])


def test_a_relative_date_answers_when_but_not_which_year() -> None:
    from rag.answerability import tied_date

    adopted = "Two days ago, we adopted the Pact for the Future."
    assert tied_date(adopted, {"pact", "adopt"}, {"adopt"})
    assert not tied_date(adopted, {"pact", "adopt"}, {"adopt"}, year=True)
    assert tied_date("In 2015 we adopted the Agenda.", {"adopt"}, {"adopt"}, year=True)


def _draft(quote: str):
    from rag.answer import Citation
    from rag.generate import Draft

    return Draft(quote, (Citation("d", 1, "D", quote, quote, 0.8),), abstained=False)


def test_which_country_needs_an_answer_that_names_a_country_the_question_does_not() -> None:
    from rag.policy import AnswerPolicy, after_generation

    question = "Which country will chair ASEAN next year?"
    assert after_generation(analyse(question), _draft("ASEAN turns fifty this year."), AnswerPolicy()) == \
        "needs_country"
    assert after_generation(analyse(question), _draft("Viet Nam will chair ASEAN in 2020."), AnswerPolicy()) is None
    plural = "Which countries does the statement thank?"  # countries asked for are countries named
    assert after_generation(analyse(plural), _draft("We thank our neighbours."), AnswerPolicy()) == "needs_country"
    assert after_generation(analyse(plural), _draft("We thank India and Australia."), AnswerPolicy()) is None


def test_a_rate_asked_of_a_country_is_a_quantity() -> None:
    from rag.policy import AnswerPolicy, after_generation

    query = analyse("What is Uruguay's poverty rate?")
    assert query.expect == "quantity"
    reason = after_generation(query, _draft("Poverty has fallen in Uruguay."), AnswerPolicy())
    assert reason is not None and reason.startswith("needs_quantity")
    assert after_generation(query, _draft("Uruguay's poverty rate fell to 9.7 per cent."), AnswerPolicy()) is None


def test_a_share_is_answered_by_a_percentage_on_the_question_topic_whatever_it_calls_the_thing() -> None:
    from rag.policy import AnswerPolicy, after_generation

    query = analyse("What share of the seats in parliament are held by women?")
    women = "Women now make up 48 per cent of our parliament."
    assert after_generation(query, _draft(women), AnswerPolicy()) is None  # no "seats" and no "share" in it
    trees = "We aim to reduce deforestation by 20 per cent by 2030."
    reason = after_generation(query, _draft(trees), AnswerPolicy())
    assert reason is not None and reason.startswith("needs_quantity")
    fallen = analyse("By what percentage has poverty fallen over the past 20 years?")  # its own 20 is no topic
    reason = after_generation(fallen, _draft(trees), AnswerPolicy())
    assert reason is not None and reason.startswith("needs_quantity")


def test_how_old_needs_an_age_and_one_of_a_group_or_a_decade_is_no_count() -> None:
    from rag.policy import AnswerPolicy, after_generation

    query = analyse("How old is the Attorney General?")
    assert query.expect == "quantity"
    for unsaid in ("Our Attorney General is one of the youngest in the world.",
                   "The freedom fighters of the 1960s will make way for the new breed."):
        reason = after_generation(query, _draft(unsaid), AnswerPolicy())
        assert reason is not None and reason.startswith("needs_quantity")
    assert after_generation(query, _draft("Our Attorney General is 34 years old."), AnswerPolicy()) is None
    assert tied_number("One of our ten ministers is young.", {"minister"}, 6)  # "ten ministers" still counts


def test_countries_on_one_side_of_a_vote_are_not_those_on_another() -> None:
    from rag.answerability import asks_country, names_other_country

    line = "Adopted at the 982nd meeting by 9 votes to none, with 2 abstentions (France, United Kingdom)."
    favour = "Which countries voted in favour of resolution 169?"
    assert asks_country(favour) and not names_other_country([line], favour)
    assert names_other_country([line], "Which countries abstained on resolution 169?")
    assert not asks_country("Which countries voted against it?")  # "to none" answers that
    named = "Adopted by 10 votes in favour (Brazil, China) to 1 against (Cuba)."
    assert names_other_country([named], favour)
    assert names_other_country([named], "Which country voted against?")


def test_what_a_letter_says_needs_its_content_not_its_mention() -> None:
    from rag.policy import AnswerPolicy, after_generation

    query = analyse("What did Lebanon say in that letter?")
    noted = "Taking note of the letter of the Permanent Representative of Lebanon dated 14 December 1981,"
    assert after_generation(query, _draft(noted), AnswerPolicy()) == "not_reported: the letter"
    told = "Having considered the letter of Lebanon, in which it requests that the mandate be extended,"
    assert after_generation(query, _draft(told), AnswerPolicy()) is None
    assert after_generation(analyse("What does the statement say about Haiti?"), _draft(noted), AnswerPolicy()) is None


def test_a_target_is_a_figure_a_deadline_or_net_zero() -> None:
    from rag.policy import AnswerPolicy, after_generation

    query = analyse("What renewable energy target does the speaker announce?")
    vague = "We must achieve energy sufficiency in a sustainable manner."
    assert after_generation(query, _draft(vague), AnswerPolicy()) == "needs_quantity: target"
    for stated in ("We will reach 70 per cent renewable power by 2030.", "We have committed to net-zero emissions."):
        assert after_generation(query, _draft(stated), AnswerPolicy()) is None


def test_a_number_of_missions_is_no_number_of_troops() -> None:
    from rag.policy import AnswerPolicy, after_generation

    query = analyse("How many Namibian troops and police are deployed in UN peace missions?")
    missions = "Out of 52 United Nations peacekeeping and special political missions, 26 are in Africa."
    reason = after_generation(query, _draft(missions), AnswerPolicy())
    assert reason is not None and reason.startswith("needs_quantity")
    troops = "Namibia has deployed 400 troops and police officers to seven peace missions."
    assert after_generation(query, _draft(troops), AnswerPolicy()) is None


def test_who_holds_an_office_needs_an_answer_that_names_a_person() -> None:
    from rag.policy import AnswerPolicy, after_generation

    question = "Who was the President of the United Nations Council for Namibia whose statement the Council heard?"
    heard = "Having heard the statement of the President of the United Nations Council for Namibia,"
    assert after_generation(analyse(question), _draft(heard), AnswerPolicy()) == "needs_name"
    named = "We congratulate His Excellency Mr. Dennis Francis on his election as President of the Assembly."
    assert after_generation(analyse("Who is the new President of the General Assembly?"), _draft(named),
                            AnswerPolicy()) is None
    # a question about who did something is not about an office holder
    assert after_generation(analyse("Who put forward the Global Security Initiative?"),
                            _draft("China put forward the Global Security Initiative."), AnswerPolicy()) is None


def test_which_state_is_a_country_question_but_a_state_of_affairs_is_not() -> None:
    from rag.answerability import asks_country

    assert asks_country("Which State does Mauritius accuse of excising the Chagos Archipelago?")
    assert not asks_country("What state of emergency was declared?")
    assert not asks_country("Which States voted against?")  # "none": a vote is answered without a name


def test_a_proper_name_asked_needs_a_new_name_and_a_place_neither_a_country_nor_a_body() -> None:
    from rag.policy import AnswerPolicy, after_generation

    field = "What is the name of the offshore field where Ghana discovered its gas?"
    unnamed = "Looking forward, we will use the gas we have discovered in our offshore concessions."
    assert after_generation(analyse(field), _draft(unnamed), AnswerPolicy()) == "needs_name"
    named = "Gas from the Jubilee and Sankofa fields now reaches our power plants."
    assert after_generation(analyse(field), _draft(named), AnswerPolicy()) is None
    city = "In which city was the ministerial conference on maritime security held?"
    hosted = "As Chair of the Indian Ocean Commission, Mauritius co-hosted a ministerial conference on that."
    assert after_generation(analyse(city), _draft(hosted), AnswerPolicy()) == "needs_name"
    placed = "Mauritius hosted the ministerial conference on maritime security in Port Louis in April."
    assert after_generation(analyse(city), _draft(placed), AnswerPolicy()) is None


def test_a_person_thanked_beside_member_states_is_not_reported() -> None:
    from rag.answerability import never_reported

    thanked = "I thank Mr. Miroslav Lajčák for his engagement with Member States during his presidency."
    assert never_reported("Miroslav Lajčák", [thanked])
    assert not never_reported("Miroslav Lajčák", ["Mr. Miroslav Lajčák states that reform is overdue."])
    # a resolution's operative verbs report, capitalised as they are
    assert not never_reported("Secretary-General", ["Requests the Secretary-General to report. Calls upon "
                                                    "the Secretary-General to act."])


def test_a_count_must_be_of_the_thing_asked_not_beside_the_name_that_says_whose() -> None:
    sentence = ("As the newly-elected Chairperson of the Economic Community of West African States (ECOWAS), I say "
                "that one immediate test confronting the Community is the political situation in Mali.")
    head = quantity_head("How many ECOWAS troops are being deployed there?")
    assert not tied_number(sentence, head, 6)
    assert tied_number("ECOWAS has deployed 3,000 troops to the region.", head, 6)


def test_a_sentence_holds_a_quantity_answer_only_with_a_number_of_what_is_counted() -> None:
    from rag.answerability import holds_answer

    question = "what share of GDP is that?"
    assert not holds_answer("quantity", "We are now among the five fastest-growing economies in the world, ranking "
                                        "forty-first in terms of gross domestic product (GDP).", question)
    assert holds_answer("quantity", "Those decisions included 28 stimulus packages, to the tune of $14.6 billion, or "
                                    "4.44 per cent of our GDP, to keep our economy afloat.", question)


def test_a_date_starts_at_its_day_so_the_window_counts_from_there() -> None:
    sentence = ("Peru is organizing the first conference on the wildlife trade in the Americas, to be held in Lima on "
                "3 and 4 October, in order to generate commitments.")
    assert tied_date(sentence, {"conferenc", "wildlif", "trad"}, {"conferenc", "wildlif", "trad"}, window=12)
    assert not tied_date("The trade grew strongly in the Americas over many years and decades, and then, in the end, "
                         "in October, it stopped.", {"trad"}, {"trad"}, window=12)


def test_an_office_holder_must_be_named_with_that_office_and_not_be_the_person_the_question_names() -> None:
    from rag.policy import AnswerPolicy, after_generation

    asked = analyse("Who was President of the Security Council when the resolution was adopted?")
    assert asked.metadata is None  # a person is asked, not the adoption date
    other = "The Council heard a statement by Mr. Anand Sharma, Minister of State of the host country."
    assert after_generation(asked, _draft(other), AnswerPolicy()) == "needs_name"
    holder = "The Council heard Mr. Anand Sharma, President of the Security Council for the month."
    assert after_generation(asked, _draft(holder), AnswerPolicy()) is None
    assert after_generation(analyse("Who was Freedonia's ruler at the time?"),
                            _draft("Having examined the application of Freedonia for admission,"),
                            AnswerPolicy()) == "needs_name"


def test_which_person_or_firm_needs_a_name_that_is_neither_the_one_asked_nor_a_body_or_country() -> None:
    from rag.policy import AnswerPolicy, after_generation

    figure = analyse("Which opposition figure does the speech say was poisoned?")
    unnamed = "There are few consequences where opposition figures are poisoned and the United Nations is silent."
    assert after_generation(figure, _draft(unnamed), AnswerPolicy()) == "needs_name"
    assert after_generation(figure, _draft("Mr. Ivan Petrenko, an opposition figure, was poisoned last year."),
                            AnswerPolicy()) is None
    behalf = analyse("Who is the official delivering the statement on behalf of President Marcos?")
    same = "I address the General Assembly on behalf of President Ferdinand Romualdez Marcos Jr. of the Philippines."
    assert after_generation(behalf, _draft(same), AnswerPolicy()) == "needs_name"


def test_how_much_needs_an_amount_not_a_count_of_things() -> None:
    from rag.policy import AnswerPolicy, after_generation

    spend = analyse("How much is Norway spending on fighting the epidemic?")
    counted = "Norway is active against the epidemic, and resolution 2177, sponsored by 130 Member States, helps."
    assert after_generation(spend, _draft(counted), AnswerPolicy()) is not None
    assert after_generation(spend, _draft("Norway is spending $40 million on fighting the epidemic."),
                            AnswerPolicy()) is None
    assert after_generation(analyse("How many Member States sponsored the resolution?"), _draft(counted),
                            AnswerPolicy()) is None  # a count answers "how many"


def test_on_what_date_needs_a_day_and_the_nth_of_something_is_not_another_one() -> None:
    from rag.policy import AnswerPolicy, after_generation

    signed = analyse("On what date was the Minsk agreement signed?")
    assert after_generation(signed, _draft("We welcome the Minsk agreement reached earlier this month."),
                            AnswerPolicy()) == "needs_date"
    assert after_generation(signed, _draft("The Minsk agreement was signed on 5 September 2014."),
                            AnswerPolicy()) is None
    first = analyse("When did Ireland launch its first national action plan on women and security?")
    second = "Next January Ireland will launch its second national action plan on women and security."
    assert after_generation(first, _draft(second), AnswerPolicy()) == "needs_date"
    assert after_generation(analyse("When will Ireland launch its second national action plan?"), _draft(second),
                            AnswerPolicy()) is None


def test_a_country_the_question_also_names_inside_a_longer_name_must_stand_on_its_own() -> None:
    from rag.policy import AnswerPolicy, Profile, before_generation
    from rag.retrieve import ParagraphHit

    text = "The primacy of the law of the sea was affirmed by the 2016 arbitral award on the South China Sea."
    hits = [ParagraphHit("d", 1, text, 1.0, 0.7, 0.6)]
    own = Profile(frozenset(), frozenset(), text)
    reacted = analyse("How did China react to the 2016 South China Sea arbitral award?")
    assert before_generation(reacted, hits, [own], 0.6, AnswerPolicy()) == "not_in_text: China"
    award = analyse("What does the statement say about the South China Sea arbitral award?")
    assert before_generation(award, hits, [own], 0.6, AnswerPolicy()) is None


def test_how_many_times_is_answered_by_an_ordinal_of_time() -> None:
    head = quantity_head("How many times has the speaker represented her country at the General Assembly?")
    assert tied_number("I represent my country for the seventeenth time at the General Assembly.", head, 6)
    assert not tied_number("It was the first step towards peace.", quantity_head("How many people died?"), 6)


def test_on_what_date_needs_the_day_beside_the_event_not_another_events_day() -> None:
    sentence = "The conference on quality infrastructure meets in January 2018, and the pledging meeting on 8 February."
    topic = {"conferenc", "qualiti", "infrastructur"}
    assert not tied_date(sentence, topic, topic, window=6, day=True)
    assert tied_date("The conference on quality infrastructure opens on 12 January 2018.", topic, topic, window=6,
                     day=True)


def test_a_count_of_soldiers_is_answered_by_peacekeepers_only_when_the_text_has_no_word_for_soldiers() -> None:
    from rag.policy import AnswerPolicy, after_generation

    died = analyse("How many Norwegian soldiers have died while serving in United Nations missions?")
    assert after_generation(died, _draft("In all, 42 Norwegian peacekeepers have made the ultimate sacrifice."),
                            AnswerPolicy()) is None
    # "peacekeeping" names what was asked, so the number beside "men and women" counts someone else
    killed = analyse("How many Norwegian peacekeepers were killed last year?")
    served = "We salute those who fell in peacekeeping last year. Some 370 Norwegian men and women serve today."
    assert after_generation(killed, _draft(served), AnswerPolicy()) is not None


def test_an_exact_date_or_deadline_is_a_time_question_needing_a_day() -> None:
    from rag.policy import AnswerPolicy, after_generation

    summit = analyse("On what exact date was the extraordinary virtual summit held?")
    month = "I convened and chaired an extraordinary virtual summit in June last year."
    assert after_generation(summit, _draft(month), AnswerPolicy()) == "needs_date"
    assert after_generation(summit, _draft("The extraordinary virtual summit was held on 3 June 2020."),
                            AnswerPolicy()) is None
    deadline = analyse("By what deadline must the Secretary-General report?")
    assert after_generation(deadline, _draft("Requests the Secretary-General to report to the Council."),
                            AnswerPolicy()) == "needs_date"


def test_a_date_opening_the_sentence_dates_its_main_clause_however_far() -> None:
    from rag.policy import AnswerPolicy, after_generation

    supplied = ("In 1987, under the first democratic Government and under the control of the International Atomic "
                "Energy Agency, Argentina supplied the nuclear fuel for the reactor known as Tehran.")
    year = analyse("In what year did Argentina supply nuclear fuel for the Tehran reactor?")
    assert after_generation(year, _draft(supplied), AnswerPolicy()) is None
    late = ("Under the first democratic Government and under the control of the International Atomic Energy Agency "
            "and its inspectors, Argentina supplied the nuclear fuel for the reactor known as Tehran in 1987.")
    assert after_generation(year, _draft(late), AnswerPolicy()) is None  # the year beside the reactor
    buried = ("Under the first democratic Government, in 1987, and under the control of the International Atomic "
              "Energy Agency and its many inspectors and officials, Argentina supplied the nuclear fuel.")
    assert after_generation(year, _draft(buried), AnswerPolicy()) == "needs_date"


def test_days_of_dates_and_numbers_inside_names_count_nothing() -> None:
    doses = quantity_head("How many COVID-19 vaccine doses had Kenya administered?")
    assert not tied_number("We must put equitable global vaccine access at the core of recovery from COVID-19.",
                           doses, 6)
    assert tied_number("Kenya has administered 4 million COVID-19 vaccine doses.", doses, 6)
    voters = quantity_head("What percentage of white voters approved the constitution?")
    assert not tied_number("The constitution endorsed on 2 November 1983 by the white voters", voters, 6)


def test_what_percentage_needs_an_amount_and_people_may_be_counted_by_a_demonym() -> None:
    from rag.policy import AnswerPolicy, after_generation

    share = analyse("What percentage of voters approved the new constitution?")
    assert after_generation(share, _draft("The new constitution was approved by 12 voters of 3 regions."),
                            AnswerPolicy()) is not None
    assert after_generation(share, _draft("The new constitution was approved by 66 per cent of voters."),
                            AnswerPolicy()) is None
    people = analyse("How many people will the health scheme cover?")
    assert after_generation(people, _draft("The health scheme will benefit 500 million Indians."),
                            AnswerPolicy()) is None
    charged = "The judge decided to press charges against five Iranian citizens in the case."
    assert after_generation(analyse("How many people were killed in the attack?"), _draft(charged),
                            AnswerPolicy()) is not None


def test_the_name_of_a_person_needs_a_person_not_a_body() -> None:
    from rag.policy import AnswerPolicy, after_generation

    official = analyse("What is the name of the former intelligence official whom Interpol is looking for?")
    bodies = "Our Ambassador held meetings with the State Department and asked Interpol about that individual."
    assert after_generation(official, _draft(bodies), AnswerPolicy()) == "needs_name"
    assert after_generation(official, _draft("Interpol is looking for Antonio Stiuso, a former official."),
                            AnswerPolicy()) is None


def test_which_member_needs_a_member_named() -> None:
    from rag.policy import AnswerPolicy, after_generation

    sponsor = analyse("Which Council member sponsored the draft resolution?")
    assert after_generation(sponsor, _draft("Requests the Secretary-General to report on the implementation."),
                            AnswerPolicy()) == "needs_country"
    assert after_generation(sponsor, _draft("The draft resolution was sponsored by Ghana and adopted."),
                            AnswerPolicy()) is None


def test_a_deadline_may_be_a_year_and_a_share_a_fraction() -> None:
    from rag.policy import AnswerPolicy, after_generation

    deadline = analyse("By what deadline must the Goals be met?")
    assert after_generation(deadline, _draft("The Goals must be met by 2030, the deadline we set."),
                            AnswerPolicy()) is None
    share = analyse("What share of the budget goes to peacekeeping?")
    assert after_generation(share, _draft("Two thirds of the budget goes to peacekeeping."), AnswerPolicy()) is None


def test_the_number_and_adoption_date_are_both_asked_of_the_document() -> None:
    query = analyse("What is the number and adoption date of this Security Council resolution?")
    assert set(query.metadata_fields) == {"date", "title"}


def test_a_sentence_counting_people_by_their_demonym_holds_the_answer() -> None:
    from rag.answerability import holds_answer

    question = "How many people will the health scheme cover?"
    assert holds_answer("quantity", "That revolutionary scheme will benefit 500 million Indians.", question)
    assert not holds_answer("quantity", "The scheme was launched a few days ago by the Prime Minister.", question)


def test_what_a_resolution_says_asked_of_that_resolution_is_asked_of_the_text_itself() -> None:
    from rag.policy import AnswerPolicy, Profile, before_generation
    from rag.retrieve import ParagraphHit

    text = "Condemns South Africa for the installation of a so-called interim government in Windhoek;"
    hits = [ParagraphHit("r", 15, text, 1.0, 0.7, 0.6)]
    own = Profile(frozenset(), frozenset(), text, numbers=frozenset(["566", "1985"]))
    itself = analyse("What does resolution 566 say about the interim government?")
    assert before_generation(itself, hits, [own], 0.6, AnswerPolicy()) is None
    other = analyse("What does resolution 435 say about the interim government?")
    assert before_generation(other, hits, [own], 0.6, AnswerPolicy()) == "not_reported: resolution 435"


def test_a_whole_name_no_passage_has_in_any_part_abstains_however_close_the_passage() -> None:
    from rag.policy import AnswerPolicy, Profile, before_generation
    from rag.retrieve import ParagraphHit

    text = "In November last year, we ratified the Paris Agreement on Climate Change."
    hits = [ParagraphHit("d", 3, text, 1.0, 0.7, 0.6)]  # dense 0.7: a close passage
    own = Profile(frozenset(), frozenset(), text)
    kyoto = analyse("When did the country ratify the Kyoto Protocol?")
    assert before_generation(kyoto, hits, [own], 0.6, AnswerPolicy()) == "not_in_text: Kyoto Protocol"
    # one capitalised word may be the question's paraphrase of what the text says
    paris = analyse("When did the country ratify the Paris climate accord of the Champs?")
    assert before_generation(paris, hits, [own], 0.6, AnswerPolicy()) is None


def test_a_measure_names_its_thing_before_the_amount_and_may_stand_further_from_it() -> None:
    from rag.policy import AnswerPolicy, after_generation

    sentence = ("Due to our location, the cost of transporting goods to the nearest seaports can reach up to 50% of "
                "the final value.")
    cost = analyse("How much can it cost to move goods to the nearest seaports?")
    assert after_generation(cost, _draft(sentence), AnswerPolicy()) is None
    many = analyse("How many seaports are there?")  # a count keeps the narrow window
    assert after_generation(many, _draft("Our seaports, far from here across many borders, handle 50% of the "
                                         "final value."), AnswerPolicy()) is not None


def test_an_amount_asked_of_a_country_itself_must_be_its_own() -> None:
    from rag.policy import AnswerPolicy, after_generation

    question = analyse("How much does Ghana itself lose to illicit financial flows each year?")
    region = "Africa is losing more than $50 billion annually through illicit financial outflows."
    assert after_generation(question, _draft(region), AnswerPolicy()) == "needs_quantity"
    own = "We lose more than $2 billion annually through illicit financial outflows."
    assert after_generation(question, _draft(own), AnswerPolicy()) is None


def test_which_states_asked_of_a_sentence_about_such_states_needs_one_named_near_them() -> None:
    from rag.policy import AnswerPolicy, after_generation

    imposed = analyse("Which Member States had already imposed voluntary measures?")
    urged = ("Urges States Members of the United Nations that have not done so to consider in the meantime "
             "taking appropriate voluntary measures against South Africa.")
    assert after_generation(imposed, _draft(urged), AnswerPolicy()) == "needs_country"
    named = "States such as Sweden and Norway have already imposed voluntary measures against the regime."
    assert after_generation(imposed, _draft(named), AnswerPolicy()) is None
    added = analyse("Which countries does India want added as permanent members of the Council?")
    chaired = ("In March, India and France chaired the founding conference of the Alliance, in which 120 countries "
               "participated.")
    assert after_generation(added, _draft(chaired), AnswerPolicy()) == "needs_country"
    thanked = analyse("Which countries did the President thank for vaccines?")  # no "countries" in the text: any
    assert after_generation(thanked, _draft("We thank Australia and Japan for the vaccines."), AnswerPolicy()) is None


def test_where_an_event_happens_needs_a_name_the_question_does_not_give() -> None:
    from rag.policy import AnswerPolicy, after_generation

    held = analyse("Where was the inaugural Africa-CARICOM Summit held?")
    assert after_generation(held, _draft("I also recently hosted the inaugural Africa-CARICOM Summit."),
                            AnswerPolicy()) == "needs_name"
    assert after_generation(held, _draft("The inaugural Africa-CARICOM Summit was held in Nairobi."),
                            AnswerPolicy()) is None
    going = analyse("Where does the speech say most climate resources will keep going?")  # no event: no name needed
    assert after_generation(going, _draft("Most of our climate resources will keep going to the Pacific islands."),
                            AnswerPolicy()) is None


def test_where_an_event_happens_needs_the_name_beside_the_event_or_the_verb_that_places_it() -> None:
    from rag.policy import AnswerPolicy, after_generation

    meeting = analyse("Where will the regional meeting on autonomous weapons be held?")
    elsewhere = ("The Philippines is working with partners on autonomous weapons. In that regard, we will host a "
                 "regional meeting in December.")
    assert after_generation(meeting, _draft(elsewhere), AnswerPolicy()) == "needs_name"
    placed = "The Ministerial Conference on Disaster Risk Reduction is to be held in Manila in 2024."
    conference = analyse("Where will the Ministerial Conference on Disaster Risk Reduction take place?")
    assert after_generation(conference, _draft(placed), AnswerPolicy()) is None
    city = analyse("In which Costa Rican city will the ocean meeting take place?")  # "which <name> city": a place
    far = ("Together with French President Emmanuel Macron, we announced our interest in co-hosting the United "
           "Nations Ocean Conference and in holding a meeting in Costa Rica on ocean governance.")
    assert after_generation(city, _draft(far), AnswerPolicy()) == "needs_name"


def test_the_members_of_a_group_are_several_countries_named_beside_it() -> None:
    from rag.policy import AnswerPolicy, after_generation

    group = analyse("Which countries make up the Group of Five for the Sahel?")
    one = "Senegal serves in the Mission in Mali, and welcomes the efforts of the Group of Five for the Sahel."
    assert after_generation(group, _draft(one), AnswerPolicy()) == "needs_country"
    team = analyse("Which countries make up the joint team investigating the downing of the flight?")
    members = "The Joint Investigation Team of Australia, Belgium, Malaysia, the Netherlands and Ukraine is at work."
    assert after_generation(team, _draft(members), AnswerPolicy()) is None


def test_a_name_the_question_gives_by_its_acronym_answers_nothing() -> None:
    from rag.policy import AnswerPolicy, after_generation

    unit = analyse("What is the name of the UN observer unit to be deployed along the border?")
    unnamed = "Notes the completion of the deployment of the United Nations observer unit along the border."
    assert after_generation(unit, _draft(unnamed), AnswerPolicy()) == "needs_name"
    named = "Decides to deploy the United Nations Iraq-Kuwait Observation Mission, the observer unit, along the border."
    assert after_generation(unit, _draft(named), AnswerPolicy()) is None


def test_the_name_of_a_countrys_office_holder_is_a_person() -> None:
    from rag.policy import AnswerPolicy, after_generation

    minister = analyse("What is the name of Namibia's young Prime Minister?")
    offices = "That includes the young Prime Minister and the Deputy Prime Minister for International Relations."
    assert after_generation(minister, _draft(offices), AnswerPolicy()) == "needs_name"
    assert after_generation(minister, _draft("Our Prime Minister, Ms. Saara Kuugongelwa, is young."),
                            AnswerPolicy()) is None


def test_on_what_date_in_a_month_needs_a_day_of_that_month() -> None:
    from rag.policy import AnswerPolicy, after_generation

    january = analyse("On what date in January 2018 will the conference on infrastructure be held?")
    other = ("They are the conference on infrastructure in January 2018 and, on 8 February 2018, the "
             "replenishment conference.")
    assert after_generation(january, _draft(other), AnswerPolicy()) == "needs_date"
    assert after_generation(january, _draft("The conference on infrastructure will be held on 15 January 2018."),
                            AnswerPolicy()) is None
    described = analyse("By what date did the Council, in its January 1976 resolution, demand elections?")
    assert after_generation(described, _draft("The Council demanded that elections be held by 31 August 1976."),
                            AnswerPolicy()) is None


def test_which_one_is_not_answered_by_a_vague_mention_of_the_kind() -> None:
    from rag.answerability import left_unnamed
    from rag.policy import AnswerPolicy, after_generation

    query = analyse("Which party to the conflict attacked the peace-keeping forces?")
    vague = "Condemns the attacks against the peace-keeping forces in Liberia by one of the parties to the conflict;"
    assert after_generation(query, _draft(vague), AnswerPolicy()) == "needs_name: party"
    named = "Condemns the attacks against the peace-keeping forces by one of the parties, the NPFL, and its allies;"
    assert after_generation(query, _draft(named), AnswerPolicy()) is None
    definite = "Condemns the attacks on the forces by the party that holds the port;"
    assert left_unnamed([definite], query.original) is None
    blocs = "Which trade blocs has the country applied to join?"
    some = "We have also applied for membership in a number of other trade and economic blocs."
    assert left_unnamed([some], blocs) == "blocs"
    assert left_unnamed(["We have applied to join the blocs of Eastern Africa."], blocs) is None


@pytest.mark.parametrize(("question", "fields"), [
    ("Who gave this address for Kyrgyzstan, and on what date?", ("speaker", "date")),
    ("Who delivered the statement and when?", ("speaker", "date")),
    ("What is this resolution's number and date, and how and at which meeting was it adopted?",
     ("date", "title", "vote", "meeting")),
    ("Who was President of the Council when it was adopted?", ()),
    ("On what date was the interim government installed?", ()),
])
def test_every_field_a_question_about_the_document_asks_is_read(question: str, fields: tuple[str, ...]) -> None:
    assert set(analyse(question).metadata_fields) == set(fields)


def test_countries_may_be_counted_as_nations_or_member_states() -> None:
    from rag.answerability import holds_answer

    question = "How many countries have joined the Alliance?"
    assert holds_answer("quantity", "Sixty-eight nations have become members of the Alliance so far.", question)
    assert holds_answer("quantity", "It now has 68 Member States.", question)
    assert not holds_answer("quantity", "The Alliance held 12 meetings in its first year.", question)


def test_a_vague_mention_does_not_abstain_when_the_answer_names_the_kind_elsewhere() -> None:
    from rag.answerability import left_unnamed, which_kind

    question = "Against which countries had the aggression been condemned?"
    named = ["It condemned the aggression against Angola, Botswana and Lesotho.", "Other countries were threatened."]
    assert left_unnamed(named, question) is None
    assert left_unnamed(["Other countries were threatened."], question) == "countries"
    leader = "Which religious leader does the speaker cite?"
    assert left_unnamed(["Many leaders spoke.", "As Pope Francis said, people are not pawns."], leader) is None
    assert which_kind("Which conflicts around the world does the statement single out?") == "conflicts"


def test_take_place_frames_a_time_question_and_names_no_topic() -> None:
    from rag.policy import AnswerPolicy, after_generation

    query = analyse("When will the summit take place?")
    echo = "Let us bear in mind that the actions we take today will echo through generations."
    assert after_generation(query, _draft(echo), AnswerPolicy()) == "needs_date"
    held = "The summit will take place in September 2024 in New York."
    assert after_generation(query, _draft(held), AnswerPolicy()) is None
