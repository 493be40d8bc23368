"""The answer policy: every weight and threshold in one object, and the abstention decisions with reasons.

Answering runs in stages with typed values between them: question analysis (`rag.question.Query`,
computed once per question), evidence selection (retrieval, then the generator's sentences),
abstention (here) and composition (`rag.generate.number_citations`). Each decision here returns a
reason string instead of a bare boolean, so the answer, the CLI, the UI and the evaluation report
can say *why* the assistant declined ("not_in_text: Iran", "needs_quantity: peacekeeper"), and a
reader can find the line that decided. Nothing here knows any one document: what a document calls
itself (its speaker, its title, the names it uses throughout) comes from its parsed metadata.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from index.countries import code_of, countries_asked, country_code, document_country, mentions_country
from index.model import Document
from index.sentences import split_sentences
from index.text import NAME, NAME_RUN, name_key, names_in, stem, tokenize
from rag.answerability import (
    ASKS_YEAR,
    DOCUMENT_NUMBER,
    SHARES,
    about_itself,
    about_structure_only,
    absent_attribute,
    asked_paper,
    asks_amount,
    asks_country,
    asks_exact_date,
    asks_office_holder,
    asks_one_person,
    asks_proper_name,
    asks_target,
    counted_kin,
    happened_unreported,
    inner_names,
    left_unnamed,
    missing_names,
    months_named,
    names_new_person,
    names_new_proper,
    names_other_country,
    never_reported,
    ordinal_conflict,
    paper_content_given,
    quantity_head,
    reference_unreported,
    referenced_document,
    reported_subject,
    reported_topic,
    states_amount,
    states_share,
    states_target,
    stressed_self,
    tied_date,
    tied_number,
    topic_unreported,
    unfound_quotes,
    unsaid,
    without,
)
from rag.generate import Draft
from rag.question import Query, is_injection
from rag.retrieve import ParagraphHit

# Words that frame a question about a time rather than name its topic ("In which year did ...").
_TIME_FRAME = frozenset(tokenize("year years date day month when time period held happen happens happened take takes "
                                 "taking took place occur occurs occurred exact precise specific deadline"))


@dataclass(frozen=True)
class AnswerPolicy:
    """Every weight and threshold of answering, with its meaning. Tuned on the tune half of the gold
    collections (docs/EVALUATION.md); the report half never guided a value."""

    abstain_threshold: float = 0.2  # retrieval confidence (0.65 dense + 0.35 word coverage) below which to abstain
    weak_dense: float = 0.22  # with weak_words: neither meaning nor words match ... (fitted on PolicyQA's tune half)
    weak_words: float = 0.5  # ... (best dense similarity and best share of question words both below these)
    follow_up_boost: float = 0.5  # a follow-up's pull towards the paragraphs the previous answer quoted
    neighbour_boost: float = 0.25  # ... and towards the paragraphs just before and after the one it quoted most
    own_words_boost: float = 0.5  # ... and towards the paragraphs its own words match best (BM25 on them alone)
    name_miss_dense: float = 0.45  # a name absent from the text abstains unless a passage is at least this close
    label_boost: float = 2.0  # a paragraph the question names by its printed number ("operative paragraph 4")
    part_boost: float = 0.5  # the paragraphs of the part a question names ("according to the preamble")
    number_window: int = 6  # "how many X": the number must stand within this many words of X
    measure_window: int = 12  # ... and "how much does it cost": an amount within this many words of the measure
    date_window: int | None = 12  # "when did X": a date must stand within this many words of X (None: anywhere)
    identity_share: float = 0.2  # a name in at least this share of a document's paragraphs is the document's own
    # P(the cited paragraph answers) = logistic(slope * relevance + offset), fitted on the tune halves
    # (`speechqa eval calibrate`); the shown score, so 0.8 means right about four times in five
    calibration_slope: float = 4.2748
    calibration_offset: float = -1.3073

    def chance(self, relevance: float) -> float:
        """The calibrated chance that a paragraph with this raw relevance answers the question."""
        return 1.0 / (1.0 + math.exp(-(self.calibration_slope * relevance + self.calibration_offset)))


@dataclass(frozen=True)
class Profile:
    """What one document says about itself, computed once per document version."""

    vocabulary: frozenset[str]  # its content tokens (as `tokenize` gives them)
    identity: frozenset[str]  # names that stand for the document itself: speaker, title, names used throughout
    text: str = ""  # its whole text, to look a country up in any of its forms
    country: str | None = None  # the country it speaks for, as it writes the name (`index.countries`)
    code: str | None = None  # that country's ISO code, also when only its file name or metadata gives it
    numbers: frozenset[str] = frozenset()  # the numbers its title gives it ("Resolution 385 (1976)": 385, 1976)


def profile(document: Document, policy: AnswerPolicy) -> Profile:
    paragraphs = document.citable()
    vocabulary = frozenset(t for p in paragraphs for t in tokenize(p.text))
    spread: Counter[str] = Counter()
    for p in document.paragraphs:
        spread.update({name_key(n) for n in NAME.findall(p.text)})
    floor = max(2, policy.identity_share * len(document.paragraphs))
    common = {n for n, count in spread.items() if count >= floor}
    own = {name_key(n) for n in NAME.findall(" ".join([document.title, document.speaker or ""]))}
    listed = str(document.meta.get("country") or "")
    country = document_country(document)
    code = country_code(document.doc_id.upper()) or (code_of(listed) if listed else None)
    numbers = frozenset(re.findall(r"\d+", document.title))
    return Profile(vocabulary, frozenset(common | own), "\n".join(p.text for p in paragraphs), country or None, code,
                   numbers)


def before_generation(query: Query, hits: Sequence[ParagraphHit], profiles: Sequence[Profile],
                      confidence: float, policy: AnswerPolicy, named: bool = False) -> str | None:
    """Why the retrieved text cannot answer the question, or None when an answer may be tried.
    `named`: the question named its evidence by the document's own numbering, so match strength is moot."""
    if is_injection(query.original):
        return "injection"
    vocabulary = frozenset().union(*(p.vocabulary for p in profiles)) if profiles else frozenset()
    structural = query.wants_points and not query.is_follow_up and about_structure_only(
        tokenize(query.original), set(vocabulary))
    if structural or named:  # "What are the main points?" matches no passage closely, yet the text answers it
        return None
    if confidence < policy.abstain_threshold:
        return "low_relevance"
    body = [h for h in hits if h.paragraph != 0]
    if _weak_match(body, policy):
        return "weak_match"
    strong = max((h.dense for h in body), default=0.0) >= policy.name_miss_dense
    missing = missing_names(query.standalone, [h.text for h in body])
    # a close passage may paraphrase a name ("the Gulf sultanate"), not a whole name of several words that no
    # passage has in any part ("the Kyoto Protocol" beside "the Paris Agreement")
    whole = [run for run in NAME_RUN.findall(query.original) if len(run.split()) >= 2  # its own, not the history's
             and all(part in missing for part in run.split())]
    if missing and (not strong or whole):
        return f"not_in_text: {whole[0] if whole else missing[0]}"
    # a country the documents never name in any form ("Mexican" cartels, "the Iran agreement") is not a
    # paraphrase, however close the passages: no dense exemption
    inner = inner_names(query.standalone)  # "China" asked beside "the South China Sea" must stand on its own
    absent = [c for c in countries_asked(query.standalone)
              if not (_own_country(c, profiles) or any(mentions_country(_outside(p.text, c, inner), c)
                                                       for p in profiles))]
    if absent and profiles:
        return f"not_in_text: {absent[0]}"
    sentences = [h.text[a:b] for h in body for a, b in split_sentences(h.text)]
    identity = frozenset().union(*(p.identity for p in profiles)) if profiles else frozenset()
    subject = reported_subject(query.standalone, identity)
    if subject is not None and any(_own_country(c, profiles) for c in countries_asked(subject)):
        subject = None  # "the Colombian President" of Colombia's statement is its speaker
    itself = DOCUMENT_NUMBER.search(subject) if subject is not None else None
    if itself is not None and int(itself.group("number")) in {int(n) for p in profiles for n in p.numbers}:
        subject = None  # "What does resolution 566 say about ...?" asked of resolution 566: the text itself
    if subject is not None and never_reported(subject, sentences):
        return f"not_reported: {subject}"
    topic = reported_topic(query.original)
    if subject is not None and topic_unreported(subject, topic, [h.text for h in body]):
        return f"not_reported: {subject} on {' '.join(sorted(topic))}"
    reference = referenced_document(query.standalone, [n for p in profiles for n in p.numbers])
    if reference is not None and reference_unreported(reference, sentences):
        return f"not_reported: document {reference}"
    if unfound_quotes(query.original, sentences):
        return "quote_not_found"
    undone = happened_unreported(query.original, sentences)
    if undone is not None:
        return f"not_in_text: {undone}"
    attribute = absent_attribute(query.original, set(vocabulary))
    return f"not_in_text: {attribute}" if attribute else None


def _outside(text: str, country: str, inner: dict[str, list[str]]) -> str:
    """`text` without the longer names the question gives around `country` ("South China Sea" for "China")."""
    longer = [run for name, runs in inner.items() if code_of(name) is not None and code_of(name) == code_of(country)
              for run in runs]
    return without(text, longer) if longer else text


def _own_country(country: str, profiles: Sequence[Profile]) -> bool:
    """`country` is the one a document speaks for (by its name or its code)."""
    return any(country == p.country or (p.code is not None and code_of(country) == p.code) for p in profiles)


def after_generation(query: Query, draft: Draft, policy: AnswerPolicy) -> str | None:
    """Why the composed answer does not answer what was asked, or None when it does: a quantity
    question needs a number tied to what is counted, a time question a date beside its topic."""
    if draft.abstained:
        return draft.reason or "no_evidence"
    sentences = [c.quote[a:b] for c in draft.citations for a, b in split_sentences(c.quote)]
    if query.expect == "quantity":
        head = quantity_head(query.original)
        amount = asks_amount(query.original)  # "how much" is not answered by a count of things
        counted = head | counted_kin(unsaid(head, sentences), sentences)  # "soldiers" the text calls "peacekeepers"
        # a measure ("the cost of transporting goods to the nearest seaports can reach up to 50%") names its
        # thing before the amount, and may stand further from it
        window = policy.measure_window if head and head <= MEASURES else policy.number_window
        itself = stressed_self(query.original)  # "How much does Ghana itself lose?"
        share = _share_topic(query.original) if head & SHARES else set()
        if not any((tied_number(s, counted, window) or states_share(s, share)) and (not amount or states_amount(s))
                   and (itself is None or about_itself(s, itself))
                   for s in sentences):
            return "needs_quantity" + (f": {' '.join(sorted(head))}" if head else "")
    paper = asked_paper(query.original)
    if paper is not None and not paper_content_given(sentences, paper):
        return f"not_reported: the {paper}"
    if asks_target(query.original) and not any(states_target(s) for s in sentences):
        return "needs_quantity: target"
    if query.expect == "entity" and asks_country(query.original) and not names_other_country(sentences, query.original):
        return "needs_country"
    if asks_office_holder(query.original) and not names_new_person(sentences, query.original):
        return "needs_name"
    if asks_one_person(query.original) and not names_new_proper(sentences, query.original, one=True):
        return "needs_name"
    proper = asks_proper_name(query.original)
    if proper and not names_new_proper(sentences, query.original, place=proper == "place"):
        return "needs_name"
    unnamed = left_unnamed(sentences, query.original)  # "which party ...?" met by "one of the parties"
    if unnamed is not None:
        return f"needs_name: {unnamed}"
    if query.expect == "time":
        topic = set(tokenize(query.original)) - _TIME_FRAME
        event = topic - {t for name in names_in(query.original) for t in tokenize(name)}
        year = bool(ASKS_YEAR.search(query.original))
        day = asks_exact_date(query.original)  # "on what date" wants a day, not "earlier this month"
        months = months_named(query.original) if day else frozenset()
        if not any(tied_date(s, topic, event, year, policy.date_window, day, months)
                   and not ordinal_conflict(query.original, s)
                   for s in sentences):
            return "needs_date"
    return None


def _share_topic(question: str) -> set[str]:
    """"What share of the seats ...": a percentage answers in a sentence on the question's topic, whatever it calls
    the seats. The topic is the question's words beyond the share, the time, its names and its own numbers."""
    named = {t for name in names_in(question) for t in tokenize(name)}
    return {t for t in tokenize(question) if not t[:1].isdigit()} - SHARES - _TIME_FRAME - named


MEASURES = frozenset(stem(w) for w in ("cost", "costs", "price", "value", "budget", "amount", "total", "size", "rate",
                                       "ratio", "share", "percentage"))


def _weak_match(body: Sequence[ParagraphHit], policy: AnswerPolicy) -> bool:
    """Neither the meaning nor the words match: no passage is semantically close and none holds half
    of the question's words ("Which football team does the ambassador support?" meets only "support")."""
    top = body[:3]
    dense = max((h.dense for h in top), default=0.0)
    return dense < policy.weak_dense and max((h.lexical for h in top), default=0.0) < policy.weak_words


def names_held(query: Query, draft: Draft, profiles: Sequence[Profile]) -> bool:
    """Every name the question gives, beyond the documents' own (their speaker, their country, the names
    they use throughout), stands in the draft's quotes: a passage answers only about what was asked ("the
    Yamoussoukro IV Accord of 30 October 1991" for the date of that accord, not another date)."""
    own = frozenset().union(*(p.identity for p in profiles)) if profiles else frozenset()
    own |= {name_key(w) for p in profiles if p.country for w in p.country.split()}
    quoted = {name_key(w) for c in draft.citations for w in re.findall(r"[\w'’-]+", c.quote)}
    wanted = {name_key(w) for name in names_in(query.original) for w in name.split()} - own
    return wanted <= quoted
