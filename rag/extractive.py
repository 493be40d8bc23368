"""The default answer generator: no LLM, the answer is made of the statement's own sentences.

Each sentence of the retrieved paragraphs is scored by the dense score of the best sentence window
that contains it, the share of the question's words it holds (each word weighted by how rare it is
in the document, so "crime" in a speech about crime counts little), its paragraph's retrieval
score, and whether it has the shape asked for (a number, a date, a name, examples). A focused
answer takes the best sentence, the sentence it leans on ("such help" needs the one before), and
close runners-up that add something; a list takes the best sentence of every retrieved paragraph
that answers nearly as well; a question about the statement's points takes the opening sentence of
each enumerated paragraph ("First, ...", "Second, ..."). A follow-up does not repeat what the
previous answer quoted. Every sentence is quoted verbatim, so each citation's quote is exactly the
text the answer used.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace

from index.model import Document
from index.sentences import split_sentences
from index.text import leans_back, names_in, stem, tokenize
from rag.answerability import asked_attribute, expected_type, holds_answer, kin
from rag.generate import DocumentLookup, Draft, Selected, abstain, number_citations, says_something, stream_words
from rag.question import SECOND_ASK, Query, Turn, own_topic
from rag.retrieve import ParagraphHit

ENUMERATED = re.compile(r"^(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|finally|lastly|"
                        r"last but not least|in addition|moreover|firstly|secondly|thirdly|fourthly)\b[,:]?",
                        re.IGNORECASE)


SAME_PARAGRAPH = 0.8  # a runner-up sentence from a paragraph already cited, relative to the best
OTHER_PARAGRAPH = 0.9  # one that would add a citation
LIST_FLOOR = 0.8  # a list item's sentence, relative to the best sentence of the answer
FOCUS_FLOOR = 0.6  # ... or one holding the word the list is about
WEIGHT_CACHE = 4096  # documents whose word weights are kept (the 2,133-statement archive fits)
HEADING_WORDS = 14  # "Third, stepping up support to developing countries' capacity building."
HEADING_DISCOUNT = 0.85
SHAPE_BONUS = 0.05
RANK_WEIGHT = 0.5  # the fused retrieval score of the sentence's paragraph
ASKS_EXAMPLES = re.compile(r"\b(examples?|for instance|such as|(which|what) (kinds|types|sorts))\b", re.IGNORECASE)
GIVES_EXAMPLES = re.compile(r"\b(such as|including|for example|for instance|e\.g\.|like)\b", re.IGNORECASE)
GIVES_REASON = re.compile(r"\b(because|due to|owing to|since|as a result|so that|in order to|so as to|linked to|"
                          r"caused by|results? (of|from)|resulted (in|from)|leads? to|led to|given that|reasons?|"
                          r"thanks to|therefore|thus|hence|if we are to|otherwise)\b", re.IGNORECASE)
REASON_BONUS = 0.1
# A sentence that draws a consequence ("We therefore ...", "It was that conviction that led us to ...") has its
# reason in the sentence before it; any other claim states its reason, if it has one nearby, in the next.
DRAWS_CONSEQUENCE = re.compile(r"\b(therefore|thus|hence|consequently|accordingly|that is why|this is why|for (that|"
                               r"this|these|those) reasons?|(led|leads|prompted|drove) (us|me|them|him|her) to)\b",
                               re.IGNORECASE)
# A resolution's clause opens with its operative verb and what it acts on: "3. Requests the Secretary-General ..."
OPERATIVE = re.compile(r"^(?:\d+\.\s*)?(?P<verb>[A-Z][a-z]+s)\s+"
                       r"(?P<object>(?:the |all |its )?[A-Z][\w-]+(?: [A-Z][\w-]+)*)")
# The verb a resolution's clause opens with: operative ("3. Commends ...", "(b) Calls upon ...") or preambular
# ("Recalling ...", "Having examined ...")
CLAUSE_VERB = re.compile(r"^(?:\d+\.\s*)?(?:\([a-z]{1,2}\)\s*)?(?:(?:Having|Further|Also|Strongly) (?=[a-z])|(?=[A-Z]))"
                         r"(?P<verb>[A-Za-z][a-z]{3,}(?:s|ing|ed))\b")
OPERATIVE_BONUS = 0.1
# how a question names the document it asks about ("at the end of the resolution", "this resolution", "the
# Council" that adopts it): words that every clause of it answers to alike
THE_DOCUMENT = re.compile(r"\b(?i:the|this|its|present) (?:(?i:resolution)|(?:Security )?Council)\b(?!\s*\d)")
# a question asking two things ("When was it created, and how many States are in it?")
TWO_ASKS = re.compile(r"\b(?:when|how|what|which|where|who)\b.+\band (?:when|how|what|which|where|who|in which|on what|"
                      r"by how)\b", re.IGNORECASE)
ASKS_WHAT = re.compile(r"^\s*(?:and |so )?(?:what|which)\b", re.IGNORECASE)
# A sentence leaning on the paragraph before ("This is what I heard at the meeting ... Canada hosted") still
# opens the answer when it scores this many times the best one that does not; `_antecedent` brings what it
# leans on
LEANING_LEAD = 1.2
MAX_FOCUSED = 4  # sentences in an answer that is not a list or a summary
FOCUS_POOL = 5  # retrieved paragraphs whose sentences compete to open a focused answer
RUNNER_UP_POOL = 3  # ... and those that may add a second paragraph to it
ASKS_WHO = re.compile(r"^\s*(who|whom)\b", re.IGNORECASE)
# The statement's own name in the question ("as quoted by Sao Tome and Principe") weighs this share of its
# rarity: every paragraph speaks for the statement, yet a sentence that names its own country as the actor
# ("New Zealand has committed $70 million") may still be the one asked about
OWN_NAME_WEIGHT = 0.6
CONTEXT_WEIGHT = 0.15  # words a follow-up takes from the conversation, against its own
REPEATED = 0.8  # share of a sentence's words already in the previous answer
# A follow-up whose best new sentence scores under this share of the best sentence overall (one the
# conversation already quoted) asks about what was said ("How can it be countered?" after the answer that
# said how): it is answered from there again, not from a weaker paragraph that merely has not been quoted.
NEW_EVIDENCE_SHARE = 0.7
READ_ON_SHARE = 0.85  # "what else": the paragraph after the last answer's wins when it scores this share of the best
DENSE, FOLLOW_UP_DENSE = 0.55, 0.35  # share of the dense match in a sentence's score (the rest: words)
REFERS_BACK = re.compile(r"^(it|its|this|these|that|those|they|their|them|he|she|his|her|him|such|thus|therefore|"
                         r"however|there)\b|\bsuch (?!as\b)\w+|"
                         r"\b(them|in this regard|to this end)\b", re.IGNORECASE)


# A sentence that stops unfinished goes on in what follows; one naming "these issues" points at what came before
UNFINISHED = re.compile(r"[,:\u2014\u2013-]\s*$")
CLAUSE_END = re.compile(r"[,:;]\s*$")  # how the clauses of a resolution end
RUN_ON_SHARE = 0.2  # a document with more paragraphs ending so is made of clauses, not of unfinished sentences
POINTS_BACK = re.compile(r"\b(these|those|such|the above|the aforementioned)\s+(?!as\b)(\w+)", re.IGNORECASE)


@dataclass(frozen=True)
class Scored:
    selected: Selected
    score: float
    tokens: frozenset[str]


def _sentence_dense(hit: ParagraphHit, start: int, end: int) -> float:
    windows = [c for c in hit.chunks if not c.whole] or list(hit.chunks)
    covering = [c.score for c in windows if c.start <= start and end <= c.end]
    return max(covering, default=hit.dense * 0.8)


def sentence_weights(document: Document) -> dict[str, float]:
    """Inverse sentence frequency of each word in `document`: words every sentence shares count little."""
    sentences = [frozenset(tokenize(p.text[a:b])) for p in document.paragraphs for a, b in split_sentences(p.text)]
    frequency: Counter[str] = Counter(t for tokens in sentences for t in tokens)
    return {t: math.log(1 + len(sentences) / n) for t, n in frequency.items()} | {"": math.log(1 + len(sentences))}


# A line that only addresses someone ("H.E. Abdulla Shahid, President of the General Assembly at its seventy-sixth
# session,", "Excellencies, distinguished delegates,"): it answers who is addressed, nothing else
SALUTATION = re.compile(r"^\W*(?:h\.\s?e\.|(?:(?:his|her|your) excellency|excellenc(?:y|ies)|distinguished|"
                        r"honou?rable|mr|mrs|ms|madam|madame|dear|ladies)\b\.?)[^.!?;]*,\s*$", re.IGNORECASE)
SALUTATION_WORDS = 30
# ... a question about whom the statement addresses or greets, or about persons at all
SALUTED_Q = re.compile(r"\b(?:who|whom|whose|officials?|dignitar\w+|address(?:ed|es)?|directed|greet\w*|"
                       r"congratulat\w*|presid\w*)\b", re.IGNORECASE)


def _is_salutation(paragraph: str) -> bool:
    return bool(SALUTATION.match(paragraph)) and len(paragraph.split()) <= SALUTATION_WORDS


def _is_heading(text: str) -> bool:
    """A bare enumerated heading ("Third, stepping up support to ...") names a topic; it answers little."""
    return bool(ENUMERATED.match(text)) and len(text.split()) <= HEADING_WORDS


def score_sentences(query: Query, hit: ParagraphHit, weights: dict[str, float] | None = None) -> list[Scored]:
    """Sentences of `hit` scored by dense match and by the share of the question's words they hold,
    each word weighted by how rare it is in the document (`weights`, from `sentence_weights`)."""
    asked = set(tokenize(THE_DOCUMENT.sub(" ", query.original)))  # "the resolution" names no content
    context = set(tokenize(query.standalone)) - asked if query.is_follow_up else set()
    idf = (lambda t: weights.get(t, weights[""])) if weights else (lambda t: 1.0)

    def weight(t: str) -> float:  # a follow-up's own words choose the sentence; the conversation's help
        return idf(t) * (CONTEXT_WEIGHT if t in context else 1.0) * (OWN_NAME_WEIGHT if t in query.own_name else 1.0)

    wanted = asked | context
    total = sum(weight(t) for t in wanted)
    # dense scores compare sentences with the whole conversation; a follow-up's own words weigh more
    dense_share = FOLLOW_UP_DENSE if query.is_follow_up else DENSE
    greeting = _is_salutation(hit.text) and not SALUTED_Q.search(query.original)  # it answers only whom it greets
    scored = []
    for start, end in split_sentences(hit.text) or [(0, len(hit.text))]:
        text = hit.text[start:end]
        tokens = frozenset(tokenize(text))
        if not says_something(text, tokens):
            continue
        overlap = sum(weight(t) for t in wanted & tokens) / total if total else 0.0
        value = dense_share * _sentence_dense(hit, start, end) + (1 - dense_share) * overlap + 0.15 * hit.relevance
        value += RANK_WEIGHT * hit.score
        if query.expect and holds_answer(query.expect, text, query.original):
            value += 0.1  # holds the kind of answer asked for (a number, a date, a name)
        if query.asks_why and GIVES_REASON.search(text):
            value += REASON_BONUS  # "why" is answered by the sentence that states a reason
        if _acts_as_asked(hit.text, start, end, asked):
            value += OPERATIVE_BONUS  # "Whom does the Council commend?": the clause that opens "Commends ..."
        value += SHAPE_BONUS * _has_shape(query.original, text)
        if _is_heading(text) and not query.wants_points:
            value *= HEADING_DISCOUNT
        if greeting:
            value *= HEADING_DISCOUNT
        scored.append(Scored(Selected(hit, start, end), value, tokens))
    return sorted(scored, key=lambda s: -s.score)


def _acts_as_asked(paragraph: str, start: int, end: int, asked: set[str]) -> bool:
    """The sentence at `start`:`end` opens `paragraph`, a resolution's clause, with a verb ("Commends",
    "Recalling", "Having examined") the question uses ("commend", "recall", "examine"); its printed label
    ("9.") may stand before it as a sentence of its own."""
    opening = CLAUSE_VERB.match(paragraph)
    return (opening is not None and start <= opening.start("verb") < end
            and any(kin(stem(opening.group("verb").lower()), t) for t in asked))


# a resolution asks in several words: "What does the Council ask of Member States?" is answered by the clauses
# that request, call upon, urge, invite or appeal
_ASKING = frozenset(stem(w) for w in ("requests", "calls", "urges", "invites", "appeals"))


def _acts_asked(asked: set[str]) -> set[str]:
    """The question's words, with the verbs a resolution asks with when the question says "ask"."""
    return asked | _ASKING if any(kin(t, "ask") for t in asked) else asked


def _has_shape(question: str, text: str) -> bool:
    """The sentence has the form the question's wording asks for: examples for "which examples",
    a name for "who ..."."""
    if ASKS_EXAMPLES.search(question):
        return bool(GIVES_EXAMPLES.search(text))
    if ASKS_WHO.match(question):
        return bool(set(names_in(text)) - set(names_in(question)))
    attribute = asked_attribute(question)  # "What was the theme of the session?": the sentence that says "theme"
    # content words only: "them" is no theme
    return attribute is not None and any(kin(attribute, t) for t in tokenize(text))


def _redundant(candidate: Scored, chosen: list[Scored]) -> bool:
    for other in chosen:
        union = candidate.tokens | other.tokens
        if union and len(candidate.tokens & other.tokens) / len(union) > 0.6:
            return True
    return False


def _sibling_clauses(chosen: list[Scored], hits: list[ParagraphHit], scored: dict[tuple[str, int], list[Scored]],
                     query: Query) -> list[Scored]:
    """The sentences of other retrieved paragraphs that repeat the operative phrase the answer's clause opens
    with ("Requests the Secretary-General", also as "... and requests the Secretary-General to ..."), when the
    question names what that phrase acts on: a resolution's clauses of one kind, which together answer."""
    opening = OPERATIVE.match(chosen[0].selected.hit.text)
    if opening is None or not set(tokenize(opening.group("object"))) <= set(tokenize(query.original)):
        return []
    verb, acted_on = (re.escape(opening.group(g)) for g in ("verb", "object"))
    phrase = re.compile(rf"\b{verb}\s+{acted_on}\b", re.IGNORECASE)
    cited = {_paragraph(c) for c in chosen}
    found = []
    for hit in hits:
        if (hit.doc_id, hit.paragraph) in cited:
            continue
        found += [s for s in scored[(hit.doc_id, hit.paragraph)] if phrase.search(s.selected.text)][:1]
    return found


# words a question uses for the document or its author, not for what a clause must hold
_DOCUMENT_WORDS = frozenset(tokenize("resolution council security united nations"))
# words that ask for a list rather than name what is in it ("Enumerate everything the Council condemns")
_LISTING_WORDS = frozenset(tokenize("list enumerate everything all every each name give mention"))


def _acting_clauses(chosen: list[Scored], query: Query, documents: DocumentLookup) -> list[Scored]:
    """"What does the Council demand?", "What does it request, invite or mandate the Secretary-General to do?":
    when the best sentence opens a clause with a verb the question asks with, every other clause of the
    document that opens with such a verb answers too (in the text's order, retrieved or not), when it holds
    the question's other words. Only in a document made of clauses (a resolution), where each clause is one
    act of its author."""
    top = chosen[0].selected
    asked = set(tokenize(THE_DOCUMENT.sub(" ", query.original)))
    if not _acts_as_asked(top.hit.text, top.start, top.end, _acts_asked(asked)):
        return []
    document = documents(top.hit.doc_id)
    if not made_of_clauses(document):
        return []
    clauses = [(p, m.start("verb"), stem(m.group("verb").lower()))  # where the clause's verb starts, its stem
               for p in document.citable() if (m := CLAUSE_VERB.match(p.text)) is not None]
    verbs = {t for t in _acts_asked(asked) if any(kin(verb, t) for _, _, verb in clauses)}
    asking = bool(verbs & _ASKING)  # "ask" itself is then said by "Requests", "Calls upon", ...
    rest = {t for t in asked - verbs - _DOCUMENT_WORDS - _LISTING_WORDS
            if not t.isdigit() and not (asking and kin(t, "ask"))}
    cited = {_paragraph(c) for c in chosen}
    found = []
    for paragraph, at, verb in clauses:
        if (top.hit.doc_id, paragraph.number) in cited or not any(kin(verb, t) for t in verbs):
            continue
        if not rest <= frozenset(tokenize(paragraph.text)):
            continue
        hit = ParagraphHit(top.hit.doc_id, paragraph.number, paragraph.text, top.hit.score - 1e-6, 0.0, 0.0)
        # the sentence the verb opens, not the clause's printed label ("7.")
        start, end = next(((a, b) for a, b in split_sentences(paragraph.text) if a <= at < b), (0, len(paragraph.text)))
        found.append(Scored(Selected(hit, start, end), chosen[0].score, frozenset(tokenize(paragraph.text[start:end]))))
    return found[:MAX_ITEMS]


def made_of_clauses(document: Document) -> bool:
    """The document's paragraphs are clauses ("Recalling its resolution 264 (1969),"), as a resolution's are."""
    paragraphs = document.paragraphs
    return sum(bool(CLAUSE_END.search(p.text)) for p in paragraphs) > max(1.0, RUN_ON_SHARE * len(paragraphs))


def _first(chosen: list[Scored], key: tuple[str, int]) -> list[Scored]:
    """`chosen`, its paragraph `key` ranked above any other (answers read best retrieved first)."""
    top = max(s.selected.hit.score for s in chosen) + 1e-6
    return [replace(s, selected=replace(s.selected, hit=replace(s.selected.hit, score=top))) if _paragraph(s) == key
            else s for s in chosen]


def _lead(hit: ParagraphHit) -> Scored | None:
    spans = split_sentences(hit.text)
    if not spans:
        return None
    start, end = spans[0]
    return Scored(Selected(hit, start, end), hit.score, frozenset(tokenize(hit.text[start:end])))


class ExtractiveGenerator:
    """Composes answers from verbatim sentences of the retrieved paragraphs."""

    composes_first = True  # the whole answer exists before it is streamed, so it can be checked first
    condenses = False  # follow-ups keep the rule-based standalone form of `rag.question.analyse`

    def __init__(self, max_sentences: int = 3, list_max: int = 6) -> None:
        self.max_sentences, self.list_max = max_sentences, list_max
        self._weights: dict[tuple[str, str], dict[str, float]] = {}

    def _weights_of(self, document: Document) -> dict[str, float]:
        """The document's word weights (`sentence_weights`), kept per document version."""
        key = (document.doc_id, document.hash)
        if key not in self._weights:
            if len(self._weights) >= WEIGHT_CACHE:
                self._weights.pop(next(iter(self._weights)))
            self._weights[key] = sentence_weights(document)
        return self._weights[key]

    def prepare(self, document: Document) -> None:
        self._weights_of(document)

    def _scored(self, query: Query, hit: ParagraphHit, documents: DocumentLookup) -> list[Scored]:
        return score_sentences(query, hit, self._weights_of(documents(hit.doc_id)))

    def condense(self, query: Query, turns: Sequence[Turn], deadline: float | None = None) -> Query:
        return query

    def generate(self, query: Query, hits: list[ParagraphHit], documents: DocumentLookup) -> Draft:
        body = [h for h in hits if h.paragraph != 0]  # the heading answers only metadata questions
        chosen, reading = self._choose(query, body, documents)
        if not chosen:
            return abstain()
        chosen = [*_antecedent(chosen, reading, documents, body), *chosen]
        if not query.expect:  # "what", "which", "how", "why": a point the text goes on with comes along
            room = LIST_SENTENCES if reading or query.wants_list else MAX_FOCUSED
            chosen += _continuations(chosen, _said(query), room)
        brought = _announced_items(chosen, documents, _said(query))
        return number_citations([c.selected for c in chosen] + brought, documents, reading)

    def stream(self, query: Query, hits: list[ParagraphHit], documents: DocumentLookup) -> Iterator[str | Draft]:
        return stream_words(self.generate(query, hits, documents))

    def _choose(self, query: Query, hits: list[ParagraphHit], documents: DocumentLookup
                ) -> tuple[list[Scored], bool]:
        """The sentences, and whether they read in the statement's order (lists) or best first.

        A follow-up asks for something new: sentences the conversation already quoted are left out,
        unless nothing else is left or its own words point at one of them ("and per-capita income?"
        after an answer that mentioned it); "what else" never repeats. A new question opens with the
        sentence it would open with if asked fresh. Sentences after the opening leave out what was said.
        """
        said = _said(query)
        if said and query.is_follow_up and query.follow == "more":
            # "what else": a paragraph not quoted yet, else what is left unsaid
            chosen, reading = self._more(query, hits, documents, said)
            return _opening_stands(chosen, reading, said), reading
        if said and query.is_follow_up:
            chosen, reading = self._choose_any(query, hits, documents, lambda s: _repeats(s, said))
            best, best_reading = self._choose_any(query, hits, documents, lambda s: False)
            own = own_topic(query.original)
            # "why" may be answered by a reason the conversation already gave ("That is why we reject ...")
            reason = query.asks_why and bool(best) and bool(GIVES_REASON.search(best[0].selected.text))
            weaker = bool(chosen) and chosen[0].score < NEW_EVIDENCE_SHARE * best[0].score  # asks about what was said
            # "what share of GDP is that?": only a sentence already quoted holds the kind of answer asked for
            def holds(found: list[Scored]) -> bool:
                return bool(found) and holds_answer(query.expect, found[0].selected.text, query.original)

            lacks = bool(query.expect) and holds(best) and not holds(chosen)
            # its own words point back only where the new evidence holds none the said one lacks ("Whom does the
            # Council commend in it?": "Commends ..." answers, though only the said sentence names the Council)
            back = bool(chosen) and bool(own & (best[0].tokens - chosen[0].tokens)) and not own & (
                chosen[0].tokens - best[0].tokens)
            if chosen and not reason and not weaker and not lacks and not back:
                return _opening_stands(chosen, reading, said), reading
            # nothing new, or the follow-up's own words point at a sentence already given ("and per-capita
            # income?"): it is asked for again, unless what it points at is the text the quoted sentence
            # itself points to ("What did he say?" after "... he said, on 25 September 1974,")
            chosen, reading = best, best_reading
            asked = frozenset(tokenize(query.original))
            pointed = _pointed(chosen[0], documents, hits, asked) if chosen and _repeats(chosen[0], said) else None
            if pointed is not None and not _repeats(pointed, said):
                return [pointed], reading
            # what was said comes again only when the follow-up's own words ask for it, or it is all there is
            unsaid = [s for s in chosen if not _repeats(s, said)]
            chosen = [s for s in chosen if s in unsaid or own & (s.tokens - _covered(unsaid))] if unsaid else chosen
        else:
            chosen, reading = self._choose_any(query, hits, documents, lambda s: False)
        if said and chosen:  # the opening answers the question; the rest leaves out what was said
            chosen = chosen[:1] + [s for s in chosen[1:] if not _repeats(s, said)]
        if query.asks_why and chosen:
            chosen = _with_reason(chosen)
        return _opening_stands(chosen, reading, said), reading

    def _more(self, query: Query, hits: list[ParagraphHit], documents: DocumentLookup, said: list[frozenset[str]]
              ) -> tuple[list[Scored], bool]:
        """"What else": the best evidence from paragraphs the conversation has not quoted; only when none
        answers, the unsaid sentences of those it has. Nothing new at all: nothing to add."""
        quoted = {(h.doc_id, h.paragraph) for h in hits
                  if any(_repeats(s, said) for s in self._scored(query, h, documents))}
        fresh = [h for h in hits if (h.doc_id, h.paragraph) not in quoted]
        if fresh:
            chosen, reading = self._choose_any(query, fresh, documents, lambda s: _repeats(s, said))
            if chosen:
                # the text reads on: the paragraph after the one the last answer opened with, when it answers
                # nearly as well as the best new one
                after = self._reading_on(query, hits, fresh, documents, said)
                if after and _paragraph(after[0]) != _paragraph(chosen[0]) and \
                        after[0].score >= READ_ON_SHARE * chosen[0].score:
                    chosen = after
                return _rest_of_paragraph(chosen, query, said), reading
        chosen, reading = self._choose_any(query, hits, documents, lambda s: _repeats(s, said))
        return _rest_of_paragraph(chosen, query, said), reading

    def _reading_on(self, query: Query, hits: list[ParagraphHit], fresh: list[ParagraphHit],
                    documents: DocumentLookup, said: list[frozenset[str]]) -> list[Scored]:
        """The best unsaid sentences of the paragraph right after the one the last answer opened with."""
        last = [frozenset(tokenize(query.last_answer[a:b])) for a, b in split_sentences(query.last_answer)][:1]
        opened = next((h for h in hits if any(_repeats(s, last) for s in self._scored(query, h, documents))), None)
        after = next((h for h in fresh if opened is not None and h.doc_id == opened.doc_id
                      and h.paragraph == opened.paragraph + 1), None)
        if after is None:
            return []
        return [s for s in self._scored(query, after, documents) if not _repeats(s, said) and not _leans(s)][:1]

    def _choose_any(self, query: Query, hits: list[ParagraphHit], documents: DocumentLookup,
                    skip: Callable[[Scored], bool]) -> tuple[list[Scored], bool]:
        if query.wants_points:
            enumerated = [s for s in self._enumerated(hits, documents) if not skip(s)]
            if len(enumerated) >= 2:
                return enumerated, True
        scored = {(h.doc_id, h.paragraph): [s for s in self._scored(query, h, documents) if not skip(s)] for h in hits}
        if query.wants_list:
            focus = self._focus(query, hits, scored, documents)
            items = self._list(hits, scored, focus)  # the best answering paragraph first; points keep the text's order
            if not items:
                return items, False
            best = max(items, key=lambda i: i.score)
            listed = {_paragraph(i) for i in items}
            # "Enumerate everything the Council condemns": every clause that opens "Condemns", retrieved or not
            items += [c for c in _acting_clauses([best, *items], query, documents) if _paragraph(c) not in listed]
            return _first(items, _paragraph(best)), False
        chosen = self._each_asked(query, hits, documents, self._focused(query, hits, scored))
        # "which ceasefires": other paragraphs that answer nearly as well and name them, when the answer stands alone
        if query.several and chosen and not any(_leans(c) for c in chosen):
            cited = {_paragraph(c) for c in chosen}
            more = [s for s in self._list(hits, scored, self._focus(query, hits, scored, documents))
                    if _paragraph(s) not in cited and not _leans(s) and any(kin(query.several, t) for t in s.tokens)]
            if more:
                return _first(chosen, _paragraph(chosen[0])) + more, False
        what = ASKS_WHAT.match(query.original) and not query.expect  # not "how often", "when", "how many"
        acting = _acting_clauses(chosen, query, documents) if chosen and what else []
        if acting:  # "What does the Council demand?": every clause that opens "Demands"
            return _first(chosen, _paragraph(chosen[0])) + acting, False
        siblings = _sibling_clauses(chosen, hits, scored, query) if chosen and what else []
        if siblings:  # "What does it ask the Secretary-General to do?": every "requests the Secretary-General"
            return _first(chosen, _paragraph(chosen[0])) + siblings, False
        return chosen, False

    def _focused(self, query: Query, hits: list[ParagraphHit], scored: dict[tuple[str, int], list[Scored]]
                 ) -> list[Scored]:
        """The best sentence, with what it leans on, and close runners-up that add something.

        A runner-up from the same paragraph costs no extra citation, so it needs less; one from
        another paragraph must score nearly as well and cover question words the answer lacks.
        """
        pool = [s for hit in hits[:FOCUS_POOL] for s in scored[(hit.doc_id, hit.paragraph)]]
        pool.sort(key=lambda s: -s.score)
        if not pool:
            return []
        # a sentence that leans on one we cannot show ("He understood ...", first in its paragraph) is a poor
        # opener; one whose antecedent the conversation already quoted brings it back (`_opening_stands`)
        top = next((s for s in pool if not _leans(s) or _context(s, pool) or _sentence_before(s)), pool[0])
        if pool[0].score >= LEANING_LEAD * top.score:  # far the best: it opens, and brings what it leans on
            top = pool[0]
        chosen = [top] + _context(top, pool)
        wanted = set(tokenize(query.standalone if query.is_follow_up else query.original))
        near = {(h.doc_id, h.paragraph) for h in hits[:RUNNER_UP_POOL]} | {_paragraph(top)}
        for cand in pool[1:]:
            if len(chosen) >= min(self.max_sentences + 1, MAX_FOCUSED) or cand.score < SAME_PARAGRAPH * top.score:
                break
            if cand in chosen or _redundant(cand, chosen):
                continue
            same = _paragraph(cand) in {_paragraph(c) for c in chosen}
            adds = (cand.score >= OTHER_PARAGRAPH * top.score and _paragraph(cand) in near
                    and bool((cand.tokens & wanted) - _covered(chosen)))
            if same or adds:
                chosen.append(cand)
        # "When was it created, and how many States are in it?": the opener's paragraph gives the number in
        # another sentence ("Today it includes 23 States.")
        def holds(s: Scored) -> bool:
            return holds_answer(query.expect, s.selected.text, query.original)

        two = query.expect in ("quantity", "time") and TWO_ASKS.search(query.original) is not None
        if two and len(chosen) < MAX_FOCUSED and not any(holds(c) for c in chosen):
            chosen += [s for s in scored[_paragraph(top)] if s not in chosen and not _redundant(s, chosen)
                       and holds(s)][:1]
        return _best_first(_with_antecedents(chosen, pool), top)

    def _each_asked(self, query: Query, hits: list[ParagraphHit], documents: DocumentLookup,
                    chosen: list[Scored]) -> list[Scored]:
        """"How many countries have joined, and how many took part in its founding conference?": the best
        sentence for each of the two questions, from the paragraphs the answer cites, joins the answer when it
        is not there yet and holds what that question asks (its kind of answer, or words of it the answer
        lacks)."""
        for part in asked_parts(query):
            if not chosen or len(chosen) >= MAX_FOCUSED:
                break
            cited = {_paragraph(c) for c in chosen}  # another citation would need more than a part's answer
            pool = sorted((s for hit in hits if (hit.doc_id, hit.paragraph) in cited
                           for s in self._scored(part, hit, documents)), key=lambda s: -s.score)
            # its best sentence, or, when the answer has that one, the next best close behind that holds an answer
            new = next((s for s in pool if s.score >= PART_SHARE * pool[0].score
                        and not any(c.selected == s.selected for c in chosen) and not _redundant(s, chosen)), None)
            if new is None:
                continue
            if part.expect:
                holds = holds_answer(part.expect, new.selected.text, part.original)
            else:
                holds = bool((new.tokens & set(tokenize(part.original))) - _covered(chosen))
            if holds:
                chosen = [*chosen, new]
        return chosen

    def _focus(self, query: Query, hits: list[ParagraphHit], scored: dict[tuple[str, int], list[Scored]],
               documents: DocumentLookup) -> str | None:
        """The word a list is about: of the question's words that recur across the retrieved paragraphs,
        the rarest in the document ("condemns" in "everything the Council condemns", not "Council")."""
        relevant = [h for h in hits if h.paragraph != 0][: self.list_max]
        if not relevant:
            return None
        weights = self._weights_of(documents(relevant[0].doc_id))
        spread = Counter(t for h in relevant for t in {t for s in scored[(h.doc_id, h.paragraph)] for t in s.tokens})
        recurring = [t for t in set(tokenize(query.original)) if spread[t] >= 2]
        return max(recurring, key=lambda t: (weights.get(t, 0.0), t), default=None)

    def _list(self, hits: list[ParagraphHit], scored: dict[tuple[str, int], list[Scored]],
              focus: str | None = None) -> list[Scored]:
        """The best sentence of each retrieved paragraph that answers nearly as well as the best one, or
        that holds the list's `focus` word and answers fairly well, plus a second that matches as well; a
        bare enumerated heading gives way to the sentence after it."""
        if not hits:
            return []
        relevant = [h for h in hits if h.paragraph != 0][: self.list_max]
        best = max((s.score for hit in relevant for s in scored[(hit.doc_id, hit.paragraph)]), default=0.0)
        chosen: list[Scored] = []

        def answers(s: Scored) -> bool:  # an item must answer, not just be near
            return s.score >= LIST_FLOOR * best or (focus in s.tokens and s.score >= FOCUS_FLOOR * best)

        for hit in relevant:
            ranked = [s for s in scored[(hit.doc_id, hit.paragraph)] if not _redundant(s, chosen)]
            if ranked and _is_heading(ranked[0].selected.text):
                ranked = (_context(ranked[0], ranked) or ranked[:1]) + ranked[1:]
            ranked = [s for s in ranked if answers(s)]
            chosen += ranked[:1] + [s for s in ranked[1:2] if s.score >= 0.9 * ranked[0].score]
        return list(dict.fromkeys(chosen))

    def _enumerated(self, hits: list[ParagraphHit], documents: DocumentLookup) -> list[Scored]:
        """The opening sentences of the enumerated paragraphs ("First, ...") of the best document."""
        if not hits:
            return []
        doc_id = hits[0].doc_id
        found = {h.paragraph: h for h in hits if h.doc_id == doc_id}
        document = documents(doc_id)
        members = [p for p in document.paragraphs if ENUMERATED.match(p.text)]
        if not any(p.number in found for p in members):
            return []
        floor = min(h.score for h in hits)
        chosen = []
        for p in members:
            hit = found.get(p.number) or ParagraphHit(doc_id, p.number, p.text, floor * 0.9, 0.0, 0.0)
            lead = _lead(hit)
            if lead is not None:
                chosen.append(lead)
        return chosen


ITEM = re.compile(r"^(\(?[a-z]{1,2}\)|\(?[ivx]{1,5}\)|[-\u2022*] )")  # "(a)", "b)", "(iv)", "- ", "• "
MAX_ITEMS = 12


def _announced_items(chosen: list[Scored], documents: DocumentLookup, said: list[frozenset[str]]) -> list[Selected]:
    """A paragraph that ends by announcing a list ("Demands that South Africa:") brings the items that
    follow it ("(a) Comply ...", "(b) Release ..."), whole: an answer does not stop at the colon. One that
    stops unfinished otherwise ("... he said, on 25 September 1974,") brings the next paragraph's first
    sentence, unless the conversation has `said` it."""
    items: list[Selected] = []
    for hit in dict.fromkeys(c.selected.hit for c in chosen):
        last = max((c.selected for c in chosen if c.selected.hit == hit), key=lambda sel: sel.end)
        if last.end < len(hit.text.rstrip()):
            continue
        if not hit.text.rstrip().endswith(":"):  # "... he said, on 25 September 1974," and what he said
            ending = Scored(last, hit.score, frozenset())
            after = _pointed(ending, documents, []) if _runs_on(ending, documents) else None
            items += [after.selected] if after is not None and not _repeats(after, said) else []
            continue
        following = [p for p in documents(hit.doc_id).paragraphs if p.number > hit.paragraph][:MAX_ITEMS]
        for rank, paragraph in enumerate(following, start=1):
            if not ITEM.match(paragraph.text):
                break
            item = ParagraphHit(hit.doc_id, paragraph.number, paragraph.text, hit.score - rank * 1e-6, 0.0, 0.0)
            items.append(Selected(item, 0, len(paragraph.text)))
    return items


# A sentence that goes on with the one before it: "They also include ...", "It also leads to ...",
# "Similarly, ...", "They are the third Africa Investment Forum ..." after "... three major events."
GOES_ON = re.compile(r"^(?:similarly|likewise|in addition|additionally|moreover|furthermore|also)\b|"
                     r"^(?:they|these|those)\s+(?:are|were|include|included)\b|"
                     r"^[\w\u2019']+(?:\s+[\w\u2019']+){0,3}?\s+also\b", re.IGNORECASE)
LIST_SENTENCES = 8  # sentences a list's answer may grow to with them (others stop at MAX_FOCUSED)


def _goes_on(sentence: Scored) -> bool:
    text = sentence.selected.text.strip()
    return bool(GOES_ON.match(text)) or _leans(sentence)


def _continuations(chosen: list[Scored], said: list[frozenset[str]], cap: int) -> list[Scored]:
    """The sentence right after a chosen one, in its paragraph, when it goes on with the same point
    ("... transparency, impartiality and equitable treatment." "They also include sovereign immunity ..."),
    while the answer has room."""
    added: list[Scored] = []
    spans = {(_paragraph(c), c.selected.start) for c in chosen}
    for sentence in chosen:
        after = _sentence_after(sentence)
        if len(chosen) + len(added) >= cap or after is None or (_paragraph(after), after.selected.start) in spans:
            continue
        if _goes_on(after) and not _repeats(after, said):
            added.append(after)
            spans.add((_paragraph(after), after.selected.start))
    return added


def _said(query: Query) -> list[frozenset[str]]:
    """The words of each sentence the conversation's answers said (the last answer, for a new question)."""
    earlier = query.said if query.is_follow_up else query.last_answer
    return [frozenset(tokenize(earlier[a:b])) for a, b in split_sentences(earlier)] if earlier else []


def _repeats(sentence: Scored, said: list[frozenset[str]]) -> bool:
    """Most of the sentence's words were in one sentence of an earlier answer: it says it again."""
    return any(len(sentence.tokens & earlier) >= REPEATED * len(sentence.tokens) for earlier in said)


def _leans(sentence: Scored) -> bool:
    return leans_back(sentence.selected.text)


def _opening_stands(chosen: list[Scored], reading: bool, said: list[frozenset[str]]) -> list[Scored]:
    """`chosen`, changed so that the answer does not open on a sentence leaning on one it leaves out.

    The answer reads paragraph by paragraph (best first, or in the text's order for lists) and each
    paragraph's sentences in their order (`rag.generate.number_citations`), so a runner-up earlier in the
    best paragraph than the chosen opener ("It would have been implausible ...") would come first; its
    antecedent, when it had one at hand, was added already (`_with_antecedents`). An opener that still leans
    brings the sentence before it (one the conversation said only when nothing else could open); the first
    sentence of a paragraph, leaning on the paragraph before, gives way to the next chosen sentence.
    """
    kept = list(chosen)
    for _ in range(MAX_FOCUSED):
        if not kept:
            break
        opener = _opener(kept, reading)
        if not _leans(opener):
            break
        before = _sentence_before(opener)
        chain = before is not None and _leans(before) and len(kept) > 1  # leaning on a sentence that leans too
        if before is not None and not chain and not (_repeats(before, said) and len(kept) > 1):
            kept.append(before)  # what it leans on; said before only when nothing else could open
        elif len(kept) > 1:  # it leans on what is not shown: the next sentence opens instead
            kept.remove(opener)
        else:
            break
    return _grounded(kept, reading)


def _best_first(chosen: list[Scored], top: Scored) -> list[Scored]:
    """`chosen`, with the paragraph of its best sentence read first even when retrieval ranked another of the
    chosen paragraphs higher ("What was the theme of the session?" opens with the theme, not the greeting)."""
    best = max((c.selected.hit.score for c in chosen), default=0.0)
    if top.selected.hit.score >= best:
        return chosen
    hit = replace(top.selected.hit, score=best + 1e-6)
    return [replace(c, selected=replace(c.selected, hit=hit)) if _paragraph(c) == _paragraph(top) else c
            for c in chosen]


def _grounded(kept: list[Scored], reading: bool) -> list[Scored]:
    """`kept`, with the sentences before a still-leaning opener back to one that does not lean ("Chad hosts
    500,000 refugees. They come from ... They live in ..."), even if the conversation said them: an answer
    never opens on a reference it does not resolve."""
    if not kept or not _leans(opener := _opener(kept, reading)):
        return kept
    before = _sentence_before(opener)
    chain = _standing_chain(before, _sentence_before) if before is not None else []
    taken = {c.selected for c in kept}
    return kept + [c for c in chain if c.selected not in taken]


def _standing_chain(first: Scored, earlier: Callable[[Scored], Scored | None]) -> list[Scored]:
    """`first` and the sentences `earlier` gives before it, back to one that does not lean (latest first);
    [] when none within MAX_FOCUSED sentences stands on its own."""
    chain = [first]
    while _leans(chain[-1]) and len(chain) < MAX_FOCUSED:
        before = earlier(chain[-1])
        if before is None:
            return []
        chain.append(before)
    return [] if _leans(chain[-1]) else chain


def _opener(chosen: list[Scored], reading: bool) -> Scored:
    """The sentence the answer will open with: the first, in reading order, of the paragraph that comes first
    (the earliest one for lists, else the best retrieved; `rag.generate.number_citations`)."""
    keys = list(dict.fromkeys(_paragraph(c) for c in chosen))
    first_key = min(keys) if reading else max(keys, key=lambda k: next(c.selected.hit.score for c in chosen
                                                                        if _paragraph(c) == k))
    return min((c for c in chosen if _paragraph(c) == first_key), key=lambda c: c.selected.start)


def _antecedent(chosen: list[Scored], reading: bool, documents: DocumentLookup,
                hits: Sequence[ParagraphHit]) -> list[Scored]:
    """The previous paragraph's last sentence, when the answer would open on the first sentence of its
    paragraph and that sentence leans on what came before ("He understood the Charter was imperfect."),
    and the sentences before that one back to one that does not lean ("That is why ..." after "This is
    how ..."): placed first, so the answer does not open on a reference it cannot resolve."""
    opener = _opener(chosen, reading)
    if not _leans(opener) or _sentence_before(opener) is not None:
        return []
    before = _pointed(opener, documents, hits)
    if before is None or before.selected.hit.paragraph >= opener.selected.hit.paragraph:
        return []

    def earlier(sentence: Scored) -> Scored | None:  # within its paragraph, else the previous paragraph's last
        found = _sentence_before(sentence) or _pointed(sentence, documents, hits)
        return found if found is not None and found.selected.hit.paragraph <= sentence.selected.hit.paragraph \
            else None

    chain = _standing_chain(before, earlier)
    if not chain:
        return []
    # the earlier a paragraph, the sooner it is read: each ranks just above the one after it
    numbers = sorted({c.selected.hit.paragraph for c in chain}, reverse=True)
    hits_by = {c.selected.hit.paragraph: c.selected.hit for c in chain}
    ranked = {n: replace(hits_by[n], score=max(hits_by[n].score, opener.selected.hit.score + (i + 1) * 1e-6))
              for i, n in enumerate(numbers)}
    return [replace(c, selected=replace(c.selected, hit=ranked[c.selected.hit.paragraph])) for c in reversed(chain)]


PART_SHARE = 0.8  # a part's own sentence scores at least this share of the best sentence for that part
SECOND_MIN_WORDS = 2  # content words the second question needs of its own ("and when?" alone has none)


def asked_parts(query: Query) -> list[Query]:
    """The two questions a fresh question asks at once ("When was it launched, and how many people will it
    cover?" -> "When was it launched", "how many people will it cover?"), each as a query of its own; none
    for one question, or for a part with too few words of its own ("..., and when?")."""
    if query.is_follow_up or not TWO_ASKS.search(query.original):
        return []
    match = SECOND_ASK.search(query.original)
    if match is None:
        return []
    texts = [query.original[:match.start()] + "?", match.group("ask")]
    if any(len(own_topic(text)) < SECOND_MIN_WORDS for text in texts):
        return []
    return [replace(query, original=t, standalone=t, expect=expected_type(t), several="", wants_list=False)
            for t in texts]


def _rest_of_paragraph(chosen: list[Scored], query: Query, said: list[frozenset[str]]) -> list[Scored]:
    """"What else" asks for the next point, from one paragraph: a runner-up from another paragraph is left
    for the next "what else", and the opener's paragraph gives the sentences after it that the conversation
    has not said, up to the answer's length ("Maternal mortality fell ...", "Life expectancy rose ...")."""
    if not chosen:
        return chosen
    chosen = [c for c in chosen if _paragraph(c) == _paragraph(chosen[0])]
    if len(chosen) >= MAX_FOCUSED:
        return chosen
    opener, taken = chosen[0], {c.selected for c in chosen}
    extra = [s for s in score_sentences(query, opener.selected.hit)
             if s.selected.start > opener.selected.start and s.selected not in taken and not _repeats(s, said)]
    extra.sort(key=lambda s: s.selected.start)
    return chosen + extra[:MAX_FOCUSED - len(chosen)]


def _with_reason(chosen: list[Scored]) -> list[Scored]:
    """A "why" answer whose opener does not give its reason brings the neighbour that may: the sentence
    before a consequence ("We therefore ..."), else the one after the claim (even if said before: the
    reason is what was asked)."""
    opener = chosen[0]
    consequence = bool(DRAWS_CONSEQUENCE.search(opener.selected.text))
    if not consequence and GIVES_REASON.search(opener.selected.text) or len(chosen) >= MAX_FOCUSED:
        return chosen
    neighbour = _sentence_before(opener) if consequence else _sentence_after(opener)
    if neighbour is None or any(c.selected == neighbour.selected for c in chosen):
        return chosen
    return [*chosen, neighbour]


def _pointed(sentence: Scored, documents: DocumentLookup, hits: Sequence[ParagraphHit],
             asked: frozenset[str] = frozenset()) -> Scored | None:
    """The sentence that `sentence` points to, across its paragraph's edge if need be: the next one (the
    next paragraph's first) when it stops unfinished, the one before (the previous paragraph's last) when
    it opens leaning on what came before or names what is `asked` about only by pointing back ("Which
    issues?" of "... tackling these issues.")."""
    if _runs_on(sentence, documents):
        within, step = _sentence_after(sentence), 1
    elif _leans(sentence) or any(set(tokenize(m.group(2))) & asked
                                 for m in POINTS_BACK.finditer(sentence.selected.text)):
        within, step = _sentence_before(sentence), -1
    else:
        return None
    if within is not None:
        return within
    hit = sentence.selected.hit
    number = hit.paragraph + step
    found = next((h for h in hits if h.doc_id == hit.doc_id and h.paragraph == number), None)
    if found is None:
        paragraph = next((p for p in documents(hit.doc_id).paragraphs if p.number == number), None)
        if paragraph is None or number == 0:
            return None
        found = ParagraphHit(hit.doc_id, number, paragraph.text, hit.score - 1e-6, 0.0, 0.0)
    spans = split_sentences(found.text) or [(0, len(found.text))]
    start, end = spans[0] if step == 1 else spans[-1]
    if step == 1 and _opens_quotation(found.text[start:end]):  # a quotation is read to its end
        end = next((b for a, b in spans if _closes_quotation(found.text[start:b])), spans[-1][1])
    return Scored(Selected(found, start, end), sentence.score, frozenset(tokenize(found.text[start:end])))


def _runs_on(sentence: Scored, documents: DocumentLookup) -> bool:
    """The sentence stops unfinished ("... he said, on 25 September 1974,"), where its document's paragraphs
    do not usually end so: a resolution's clauses ("Recalling its resolution 264 (1969),") are whole."""
    if not UNFINISHED.search(sentence.selected.text):
        return False
    return not made_of_clauses(documents(sentence.selected.hit.doc_id))


def _opens_quotation(text: str) -> bool:
    return text.lstrip()[:1] in "\u201c\"" and not _closes_quotation(text)


def _closes_quotation(text: str) -> bool:
    body = text.lstrip()[1:]
    return "\u201d" in body or '"' in body


def _sentence_after(sentence: Scored) -> Scored | None:
    """The sentence just after `sentence` in its paragraph, if any."""
    hit = sentence.selected.hit
    spans = [(a, b) for a, b in split_sentences(hit.text) if a >= sentence.selected.end]
    if not spans:
        return None
    start, end = spans[0]
    return Scored(Selected(hit, start, end), sentence.score, frozenset(tokenize(hit.text[start:end])))


def _sentence_before(sentence: Scored) -> Scored | None:
    """The sentence just before `sentence` in its paragraph, if any."""
    hit = sentence.selected.hit
    spans = [(a, b) for a, b in split_sentences(hit.text) if b <= sentence.selected.start]
    if not spans:
        return None
    start, end = spans[-1]
    return Scored(Selected(hit, start, end), sentence.score, frozenset(tokenize(hit.text[start:end])))


def _with_antecedents(chosen: list[Scored], pool: list[Scored]) -> list[Scored]:
    """Each paragraph's first chosen sentence, when it leans on the one before, brings that one too."""
    result = list(chosen)
    for key in dict.fromkeys(_paragraph(c) for c in chosen):
        first = min((c for c in result if _paragraph(c) == key), key=lambda c: c.selected.start)
        if _leans(first):
            result += [s for s in _context(first, pool) if s not in result]
    return result


def _paragraph(s: Scored) -> tuple[str, int]:
    return s.selected.hit.doc_id, s.selected.hit.paragraph


def _covered(chosen: list[Scored]) -> frozenset[str]:
    return frozenset().union(*(c.tokens for c in chosen))


def _context(best: Scored, pool: list[Scored]) -> list[Scored]:
    """What the best sentence cannot be read without: the sentence before one that refers back
    ("such help", "thank them"), the sentence after a bare enumerated heading ("Third, ...")."""
    text = best.selected.text
    siblings = sorted((s for s in pool if _paragraph(s) == _paragraph(best)), key=lambda s: s.selected.start)
    before = [s for s in siblings if s.selected.end <= best.selected.start]
    after = [s for s in siblings if s.selected.start >= best.selected.end]
    if REFERS_BACK.search(text) and before:
        return [before[-1]]
    if _is_heading(text) and after:
        return [max(after, key=lambda s: s.score)]
    return []
