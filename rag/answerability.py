"""Is the question one the retrieved text can answer? Checks made after retrieval, before trusting it.

Two general signals, beyond retrieval confidence: (1) the answer type — a "how many/how much"
question needs a quantity in the quoted text, a "when/what year" question a date or time
expression; (2) named things — a capitalised name in the question (Geneva, Vienna, the US) that
appears in none of the retrieved paragraphs means the statement talks about something else.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from typing import Literal

from index.countries import code_of, countries_asked, countries_named, demonym_country, names_country
from index.sentences import split_sentences
from index.text import (
    COMMON_CAPS,
    NAME,
    NAME_RUN,
    acronym,
    acronyms_spelled_out,
    name_key,
    names_in,
    stem,
    tokenize,
    words,
)

Expect = Literal["quantity", "time", "entity"]

_QUANTITY_Q = re.compile(r"\b(how (much|many|old)|what (amount|number|percentage|share|sum|proportion|total)|how large|"
                         r"(at )?what age|"
                         r"what (\w+ )?strength|"
                         r"(which|what) (\w+ ){0,3}number|(what|how much) (is|was|are|were) "
                         r"(the|its|their|(?:the )?[\w-]+['’]s) ([\w-]+ )?(budget|population|cost|price|value|size|"
                         r"percentage|share|rate|ratio|amount|total))\b", re.IGNORECASE)
# The words that name what is counted: "how many [Ghanaian peacekeepers] are ...", "the [budget] of ..."
_QUANTITY_HEAD = re.compile(r"\b(?:how (?:many|much)|what (?:amount|number|percentage|share|sum|proportion|total)"
                            r"(?: of)?|(?:budget|population|cost|price|value|size|rate|amount|total))\s+"
                            r"(?P<head>(?:(?!(?:do|does|did|is|are|was|were|has|have|had|will|would|can|could|"
                            r"should|must|may|might|of|in|on|for|to|from|by|at|per)\b)[\w'’-]+\s*){0,3})",
                            re.IGNORECASE)
_HEAD_NOUNS = re.compile(r"\b(budget|population|cost|price|value|size|strength|rate|ratio|amount|total|share|"
                         r"percentage|proportion|number)\b", re.IGNORECASE)
_YEAR = re.compile(r"^(1[6-9]\d\d|20\d\d)(s|’s|'s)?$")  # a year or its decade ("the 1960s")
_NUMBER_WORDS = frozenset([
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen",
    "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty", "thirty", "forty", "fifty",
    "sixty", "seventy", "eighty", "ninety", "hundred", "hundreds", "thousand", "thousands", "million", "millions",
    "billion", "billions", "trillion", "dozen", "dozens", "percent", "half", "third", "quarter",
])
_SYMBOL = re.compile(r"\b[A-Z]+(?:/[\w.()-]+)+|\b(?:resolutions?|paragraphs?|articles?|no\.|session|chapter)\s+"
                     r"[\dIVXLC]+(?:\s*\(\w+\))?", re.IGNORECASE)
_DATE = re.compile(r"\b((\d{1,2}(st|nd|rd|th)?( (and|to|-) \d{1,2}(st|nd|rd|th)?)? )?(january|february|march|april|may|"
                   r"june|july|august|september|october|november|december)|1[6-9]\d\d|20\d\d|january|february|march|april|may|june|july|august|september|october|"
                   r"november|december|today|this year|last year|next year|yesterday|tomorrow|"
                   r"(a|one|two|three|four|five|six|seven|eight|nine|ten|a few|several|\d+) (days?|weeks?|months?|"
                   r"years?|decades?) ago|(last|next|this|earlier this|later this) (week|month|morning|summer|"
                   r"spring|autumn|fall|winter|session))\b", re.IGNORECASE)
_ENTITY_Q = re.compile(r"^\s*(who (is|was|are|were) (the|a|an)\b|whom\b)|"
                       r"\b(which|what) (?!(?:should|do|does|did|can|could|would|will|must|are|is|were|was|have|"
                       r"has|may|might)\b)(\w+ )?(country|countries|organi[sz]ations?|agency|"
                       r"agencies|body|bodies|person|people|official|leader|nation|nations|state|states|group|groups|member)\b",
                       re.IGNORECASE)
# "when" must open the question: "... when the UN assists member states" asks for no time
_TIME_Q = re.compile(r"^\s*(and |so |but )?when\b|\b(what years?|which years?|since when|how long ago|"
                     r"(what|which) (exact |precise |specific )?(date|day|month|deadline)|"
                     r"the (exact )?date (of|on|when))\b", re.IGNORECASE)
_CARDINAL = re.compile(
    r"\b\d[\d,.]*\b(?!st|nd|rd|th)(?!\s+(years?|decades?|months?|days?)\b)|\b(one|two|three|four|five|six|seven|"
    r"eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|thousand|million|billion|trillion|dozens?|"
    r"percent)\b(?!-)(?!\s+(years?|decades?|months?|days?)\b)|%|\$|€|£",  # "forty-first" is no count
    re.IGNORECASE,
)
# "Which country will host ...", "which Council member ...": one country is the answer (plural "which countries"
# may be answered by a group: "the drug-consuming countries in the North")
_COUNTRY_Q = re.compile(r"\b(which|what) (\w+ )?(country|nation|state|member)\b(?!s| of\b)", re.IGNORECASE)
# "Who chairs the committee?", "Who was the President of the Council for Namibia?", "Who was Oman's ruler?": a
# person holding an office
_OFFICES = (r"(?:president|prime minister|minister|chair|chairman|chairperson|head|leader|secretary-general|director|"
            r"prosecutor|commander|king|queen|ambassador|envoy|ruler|governor|mayor|judge|emir|sultan)\b")
_OFFICE_Q = re.compile(r"^\s*(?:and |so )?who (?:(?:is|was|will be) (?:the )?(?:[\w-]+['’]s )?"
                       r"(?:current |new |former |next )?" + _OFFICES + r"|(?:chairs|chaired|leads|led|heads|headed|"
                       r"commands|commanded|presides|presided|will (?:chair|lead|head|command|preside)|"
                       r"(?:was|is|has been) (?:appointed|elected|named))\b)|"
                       r"\bthe name of (?:the |[\w-]+['’]s )(?:[\w-]+ ){0,2}" + _OFFICES, re.IGNORECASE)
_OFFICE = re.compile(_OFFICES, re.IGNORECASE)
# "Who is the official delivering ...?", "Which opposition figure ...?": one person, whom the answer must name
_ONE_PERSON_Q = re.compile(r"^\s*(?:and |so )?who (?:is|was|are|were) the (?:[\w-]+ )?(?:official|person|man|woman|"
                           r"individual|figure|author|sponsor)\b|\bwhich (?:[\w-]+ ){0,2}(?:figure|official|leader|"
                           r"ruler|individual|sponsor|airline|company|firm|newspaper)s?\b|"
                           r"\bnames? of the (?:[\w-]+ ){0,2}(?:official|person|man|woman|individual|figure|minister|"
                           r"leader|president|prosecutor|judge|envoy|ambassador|officer|author|sponsor|"
                           r"representative|rapporteur|coordinator|commissioner)s?\b",
                           re.IGNORECASE)
# A person as UN texts name one: a title, then a capitalised name ("Mr. Dennis Francis", "President Lula")
_PERSON = re.compile(r"\b(?:Mr|Ms|Mrs|Dr|Sir|Dame|Madam|Excellency|Ambassador|President|Prime Minister|Minister|"
                     r"King|Queen|Prince|Princess|Sheikh|Judge|Secretary-General|General|Pope|Emir|Sultan)\.?\s+"
                     r"(?:of (?:the )?(?:[A-Z][\w'’.-]+\s+){0,3}[A-Z][\w'’.-]+,\s+)?"  # "President of South Africa, "
                     r"(?P<name>(?:[A-Z][\w'’.-]+\s+){0,3}[A-Z][\w'’-]+)")


def asks_office_holder(question: str) -> bool:
    """The question asks who holds or held an office: the answer must name a person."""
    return _OFFICE_Q.search(question) is not None


def asks_one_person(question: str) -> bool:
    """The question asks which person, firm or paper did something: the answer must give a name."""
    return _ONE_PERSON_Q.search(question) is not None


def names_new_person(sentences: Iterable[str], question: str) -> bool:
    """Some sentence names a person, by title and name, whom `question` does not name, and when the question
    asks for an office ("Who was President of ..."), one named with that office: the title before the name or
    the office within a few words before or after it ("Mr. Kittani, President of the Council", "our Prime
    Minister, Ms. X"). A person sharing a name with the question ("President Ferdinand Marcos" for "on behalf of
    President Marcos") is the one it names."""
    asked = {name_key(w) for w in NAME.findall(question)}
    office = _OFFICE.search(question) if asks_office_holder(question) else None
    wanted = office.group(0).lower() if office else None
    for sentence in sentences:
        for match in _PERSON.finditer(sentence):
            name = {name_key(w) for w in NAME.findall(match.group("name"))} - _TITLE_WORDS
            if not name or name & asked:
                continue
            after = " ".join(sentence[match.end():].split()[:6]).lower()
            before = " ".join(sentence[:match.start()].split()[-4:]).lower()  # "our Prime Minister, Ms. X"
            if wanted is None or wanted in match.group(0).lower() or wanted in after or wanted in before:
                return True
    return False


# bodies and instruments that go by a proper name: "which committee does it set up?" asks for that name
_NAMED_KINDS = (r"(?:committee|committees|commission|commissions|mission|missions|treaty|treaties|convention|"
                r"conventions|tribunal|tribunals|summit|summits|conference|conferences|programme|programmes)")
# "which" opening a question, with up to two words before the kind it asks about ("In which UN mission ...")
_WHICH_OPENS = r"^\s*(?:and |so )?(?:(?:in|at|to|of|by|under|from|with|through) )?which (?:[\w-]+ ){0,2}"
# "What is the name of the field", "what is the plan called", "in which city": a proper name is asked, and
# for a place, neither a country nor a body ("the Indian Ocean Commission") is one
_NAME_Q = re.compile(r"\b(what|which) (is|was|are|were) the names? of\b|"
                     r"\bwhat (is|was|are|were) (it|they|(?:the|this|that|these|those|its|their) [\w-]+(?: [\w-]+)?) "
                     r"(called|named)\b|"
                     r"\bwhich (party|parties|faction|factions)\b|\b(does|do|did) [\w\s'’-]{1,40} (name|identify)\W*$|"
                     rf"{_WHICH_OPENS}{_NAMED_KINDS}\b",
                     re.IGNORECASE)
# "Which countries does it mean by its 'allies and strategic partners'?": who or what a quoted phrase stands for
_REFERENT_Q = re.compile(r"^\s*(?:and |so )?(?:which|who|whom)\b.*(?:^|\s)['‘\"“][^'’\"”]{3,}['’\"”](?:\W|$)",
                         re.IGNORECASE)
_PLACE_Q = re.compile(r"\b(which|what) (?:(?-i:[A-Z])[\w-]+ ){0,3}(city|cities|town|towns|village|villages|capital|"
                      r"region|regions|province|provinces|district|districts|island|islands|port|ports|river|"
                      r"rivers)\b", re.IGNORECASE)
_BODY_WORDS = frozenset(["commission", "council", "committee", "organization", "organisation", "union", "nations",
                         "assembly", "conference", "court", "bank", "fund", "agency", "programme", "program", "office",
                         "group", "forum", "summit", "initiative", "declaration", "agenda", "treaty", "convention",
                         "department", "ministry", "service", "services", "authority", "institute", "affairs"])
_CAPS = frozenset(w.lower() for w in COMMON_CAPS)
# continents and world regions: never a place inside a country
_WORLD_REGIONS = frozenset(["Africa", "Asia", "Europe", "America", "Americas", "North America", "South America",
                            "Latin America", "Central America", "Oceania", "Antarctica", "Caribbean", "Pacific",
                            "Middle East", "Sahel", "Arctic", "Atlantic", "Indian Ocean", "Mediterranean",
                            "West Africa", "East Africa", "Southern Africa", "North Africa", "Central Asia",
                            "South Asia", "South-East Asia", "Southeast Asia", "East Asia", "Eastern Europe",
                            "Western Europe", "Balkans", "Horn of Africa", "Great Lakes"])
# words UN texts capitalise without naming anything ("Governments", "Member States", "the Organization")
_GENERIC_CAPS = frozenset(["government", "governments", "member", "members", "state", "states", "organization",
                           "organisation", "secretariat", "charter", "heads", "head", "category",
                           # months, days and numbers written out name no one ("in March", "Category Five")
                           "january", "february", "march", "april", "may", "june", "july", "august", "september",
                           "october", "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday",
                           "saturday", "sunday", "one", "two", "three", "four", "five", "six", "seven", "eight",
                           "nine", "ten"])


# "Where will the meeting be held?", "Where was the pact signed?": where an event happens is a named place (a
# country counts); "Where does New Zealand say its resources will go?" asks no such thing
_WHERE_EVENT = re.compile(r"^\s*(?:and |so )?where (?:and when )?(?:will|would|was|were|is|are|did|does|do|has|have|"
                          r"had)\b[^?]*?\b(?:held|hold|holding|take place|took place|taking place|meet|met|signed|"
                          r"issued|based|located|hosted|convened?|seated|headquartered)\b", re.IGNORECASE)


# what a "where" or "in which city" question asks the place of: the subject of its event verb ("Where will the
# Indo-Pacific meeting on autonomous weapons be held?" -> meeting)
_EVENT_SUBJECT = re.compile(r"\b(?:will|would|was|were|is|are|did|does|do|has|have|had) (?P<subject>[^?]+?) (?:be )?"
                            r"(?:held|hold|take place|took place|taking place|signed|issued|based|located|"
                            r"hosted|convened?|seated|headquartered)\b", re.IGNORECASE)  # who meets is no event


def event_head(question: str) -> str | None:
    """The stem of the event a place question asks about, when it names one."""
    if not re.match(r"\s*(?:and |so )?(?:where|in which|at which|in what)\b", question, re.IGNORECASE):
        return None
    match = _EVENT_SUBJECT.search(question)
    if match is None:
        return None
    phrase: list[str] = []
    for word in words(match.group("subject")):
        if word in _PHRASE_ENDS:
            break
        phrase.append(word)
    return stem(phrase[-1]) if phrase and phrase[-1] not in ("it", "they", "this", "that") else None


def asks_proper_name(question: str) -> Literal["name", "place"] | None:
    """Whether the question asks for a proper name: "place" for a city or region, "name" for any other."""
    if _PLACE_Q.search(question):
        return "place"
    return "name" if (_NAME_Q.search(question) or several_asked(question) or _REFERENT_Q.search(question)
                      or _WHERE_EVENT.search(question)) else None


def names_new_proper(sentences: Iterable[str], question: str, place: bool = False, one: bool = False) -> bool:
    """Some sentence gives a capitalised name that `question` does not (a lone capitalised word that opens a
    sentence may be any word, so it does not count); with `place`, one that is neither a country nor a body;
    with `one` (one person or firm is asked), one that is no body, acronym or country and shares no word with the
    question's names ("President Ferdinand Marcos" is the "President Marcos" the question gives).

    When the question says what it asks the name of (`named_head`) and a sentence mentions that thing, the
    name must stand near it: "We have just held a large-scale international conference" does not name the
    conference, whatever else the sentence names. "Which six countries ..." needs two names or more."""
    given = list(sentences)
    found = _new_names(given, question, place, one)
    event = event_head(question)
    head = named_head(question) or event  # "where will the meeting be held": a name by "meeting"
    if head is not None and not any(kin(head, w) for w in _COUNTRY_KINDS):  # a country is not what a cyclone is called
        found = [f for f in found if code_of(f[0]) is None and demonym_country(f[0]) is None]
    if head is not None:  # by the thing named, or where an event's verb places it ("... to be held in Manila")
        tied = [run for run, sentence, start, end in found if _near_head(sentence, start, end, head, NAME_WINDOW)
                or event is not None and any(_near_head(sentence, start, end, verb, PLACED_WINDOW)
                                             for verb in _PLACING)]
        mentioned = any(kin(stem(w), head) for sentence in given for w in words(sentence))
        names = tied if mentioned else [run for run, *_ in found]  # a tied name implies the thing is mentioned
    else:
        names = [run for run, *_ in found]
    return len(set(names)) >= (2 if several_asked(question) else 1)


def _new_names(sentences: list[str], question: str, place: bool, one: bool) -> list[tuple[str, str, int, int]]:
    """Each capitalised name the sentences give that `names_new_proper` counts: (run, sentence, start, end)."""
    # "Africa-CARICOM" asked: its parts are asked too
    asked = {name_key(part) for w in NAME.findall(question) for part in {w, *w.split("-")}}
    countries = {code_of(c) for c in countries_asked(question)}  # "the Fijian Prime Minister" names Fiji
    spelled = set(re.findall(r"\b([A-Z]{2,6})s?\b", question))  # "the UN observer unit": "United Nations" is asked
    found: list[tuple[str, str, int, int]] = []
    for sentence in sentences:
        opening = len(sentence) - len(sentence.lstrip())
        for match in NAME_RUN.finditer(sentence):
            run = match.group(0)
            parts = [name_key(w) for w in re.split(r"[ -]", run)]
            naming = parts[1:] if match.start() == opening else parts  # "Since March": any word opens a sentence
            if not set(naming) - asked - _CAPS - _GENERIC_CAPS or acronym(run) in spelled:
                continue
            if one and (set(parts) & asked - _CAPS - _GENERIC_CAPS or set(parts) & _BODY_WORDS or run.isupper()
                        or code_of(run) or demonym_country(run)):
                continue  # the asked one by another form, a body, an acronym or a country: no person or firm
            alone = code_of(run) or code_of(demonym_country(run) or "")  # the run is a country, nothing more
            if alone is not None and alone in countries:
                continue
            if place and (countries_asked(run) or parts[-1] in _BODY_WORDS or (countries and run in _WORLD_REGIONS)):
                continue  # a place in a country the question names is no continent ("Which region of Ghana ...?")
            found.append((run, sentence, match.start(), match.end()))
    return found


# What a name question asks the name of: the noun its phrase ends on ("the name of the outcome document adopted
# at ..." -> document, "what was the plan called" -> plan, "which committee ..." -> committee); the name given
# must stand near that noun in the text, not anywhere in a sentence that mentions the thing unnamed
_NAME_OF = re.compile(r"\bnames? of (?:the |its |his |her |their |this |that |a |an )?(?P<phrase>[\w'’ -]+)|"
                      r"\b(?:what|which) (?:is|was|are|were) (?:the |its |his |her |their |this |that )?"
                      r"(?P<called>[\w'’ -]+?) (?:called|named)\b|"
                      rf"{_WHICH_OPENS}(?P<kind>{_NAMED_KINDS})\b", re.IGNORECASE)
_PHRASE_ENDS = frozenset(["adopted", "that", "which", "who", "whom", "where", "when", "in", "at", "on", "of", "for",
                          "by", "with", "to", "from", "held", "launched", "set", "established", "created", "does",
                          "did", "do", "is", "was", "were", "are", "has", "had", "have", "will", "would", "can",
                          "could", "runs", "ran", "run", "under", "about", "and", "or", "he", "she", "they", "it",
                          "we", "you", "according", "mentioned", "named", "called"])
# "which six countries took part", "which three health summits": several names are asked for, when what is
# counted is a kind of thing that has names ("which three crises" asks for no names)
_WHICH_SEVERAL = re.compile(r"\bwhich (?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\d{1,3}) "
                            r"(?P<words>(?:[\w'’-]+ ?){1,5})", re.IGNORECASE)
_NOUN_ENDS = frozenset(["does", "did", "do", "is", "are", "was", "were", "has", "have", "had", "will", "would", "can",
                        "could", "should", "must", "may", "in", "on", "at", "of", "for", "to", "from", "during", "with",
                        "by", "that", "which", "who", "took", "take", "held", "struck", "hit"])
_NAMED_PLURALS = frozenset(stem(w) for w in (
    "countries", "states", "nations", "members", "partners", "instruments", "treaties", "conventions",
    "organizations", "organisations", "agencies", "cities", "leaders", "committees", "missions", "summits",
    "conferences", "declarations", "hurricanes", "cyclones", "storms", "islands", "companies"))
_COUNTRY_KINDS = ("country", "stat", "nation", "member", "partner")
NAME_WINDOW = 8  # a name answers "the name of the X" when it stands within this many words of X
PLACED_WINDOW = 2  # ... and "where was X held" when it stands this close to a verb that places X ("held in Manila")
_PLACING = tuple(stem(w) for w in ("held", "hosted", "place", "convened", "signed", "located", "based", "seated",
                                   "headquartered", "venue"))


def named_head(question: str) -> str | None:
    """The stem of the noun a name question asks the name of, when the question says it."""
    several = _several_head(question)
    if several is not None:
        return several
    match = _NAME_OF.search(question)
    if match is None:
        return None
    if match.group("kind"):
        return stem(match.group("kind").lower())
    phrase: list[str] = []
    for word in words(match.group("phrase") or match.group("called") or ""):
        if word in _PHRASE_ENDS or (phrase and word.endswith("ing")):  # "the minister delivering this address"
            break
        phrase = [] if word in ("s", "’s") else [*phrase, word]  # "Namibia's young Prime Minister": whose, not what
    return stem(phrase[-1]) if phrase else None


def _several_head(question: str) -> str | None:
    """The stem of the plural noun a "which <number> <things> ..." question counts ("which eight core human
    rights instruments is ..." -> instrument), when it is a kind of thing that has names."""
    match = _WHICH_SEVERAL.search(question)
    if match is None:
        return None
    head = ""
    for word in words(match.group("words")):
        if word in _NOUN_ENDS:
            break
        head = word
    return stem(head) if stem(head) in _NAMED_PLURALS else None


def several_asked(question: str) -> bool:
    """"Which six countries ...": the answer must name more than one."""
    return _several_head(question) is not None


def _near_head(sentence: str, start: int, end: int, head: str, window: int) -> bool:
    """The run at sentence[start:end] stands within `window` words of a word of the family of `head`."""
    before, run = len(words(sentence[:start])), len(words(sentence[start:end]))
    heads = [i for i, w in enumerate(words(sentence)) if kin(stem(w), head)]
    return any(before - window <= i <= before + run - 1 + window for i in heads)


_TITLE_WORDS = frozenset(["mr", "ms", "mrs", "dr", "his", "her", "excellency", "president", "minister", "prime",
                          "general", "assembly", "council", "nations", "united", "security", "secretary-general"])


def asks_country(question: str) -> bool:
    """The question asks which country or countries: the answer must name one the question does not."""
    # "none voted against" or "unanimously" may answer who voted against or abstained, but a vote line rarely
    # names those in favour
    plural = _COUNTRIES_Q.search(question) is not None and (not _VOTE_WORDS.search(question)
                                                            or _vote_side(question) == "favour")
    return _COUNTRY_Q.search(question) is not None or plural


# "Which neighbouring African States had it attacked?": countries, named
_VOTE_WORDS = re.compile(r"\b(?:vot\w*|abstain\w*|oppos\w*)\b", re.IGNORECASE)
_COUNTRIES_Q = re.compile(r"^\s*(?:and |so )?(?:(?:in|to|with|from|by|of) )?which (?:[\w-]+ ){0,3}?"
                          r"(?P<kind>countries|states|nations)\b(?! (?:of|to) )", re.IGNORECASE)


# "Which countries make up the Group of Five?": the members of a group, several of them named beside it
_MEMBERS_Q = re.compile(r"\bwhich (?:[\w-]+ ){0,2}(?:countries|states|nations|members)\b.*?\b(?:(?:make|made) up|"
                        r"comprise|constitute|compose|belong to|are (?:the )?members of|are part of|sit on|form)\b",
                        re.IGNORECASE)
_MEMBERS_OF = re.compile(r"\b(?:make up|made up|comprise|constitute|compose|belong to|members of|part of|sit on|form)"
                         r"\s+(?:the |that |this |its )?(?P<group>[\w'’ -]+)", re.IGNORECASE)


def _group_head(question: str) -> str | None:
    """The stem of the group a membership question asks about ("the ECOWAS Committee of Five" -> committee)."""
    if not _MEMBERS_Q.search(question):
        return None
    match = _MEMBERS_OF.search(question)
    phrase: list[str] = []
    for word in words(match.group("group")) if match else []:
        if word in ("so", "called"):  # "the so-called Northern Route"
            continue
        if word in _PHRASE_ENDS or (phrase and word.endswith("ing")):  # "the joint team investigating ..."
            break
        phrase.append(word)
    return stem(phrase[-1]) if phrase else None


# how a vote is cast, as a question asks it and as a resolution's vote line writes it ("by 9 votes to none, with
# 2 abstentions (France, United Kingdom)")
_SIDES = {"favour": re.compile(r"\b(?:in favou?r|voted for|supported)\b", re.IGNORECASE),
          "against": re.compile(r"\b(?:against|opposed|voted no)\b", re.IGNORECASE),
          "abstain": re.compile(r"\babstain\w*|\babstention\w*", re.IGNORECASE)}


def _vote_side(question: str) -> str | None:
    """The side of a vote a "which countries" question asks about, if it asks about a vote."""
    if not _VOTE_WORDS.search(question) and not _SIDES["favour"].search(question):
        return None
    return next((side for side, rx in _SIDES.items() if rx.search(question)), None)


def _on_side(sentence: str, side: str) -> str:
    """`sentence` without what it says of the other sides of a vote: from each other side's word up to the
    next side's word ("with 2 abstentions (France, United Kingdom)" leaves no name of those in favour)."""
    marks = sorted((m.start(), name) for name, rx in _SIDES.items() for m in rx.finditer(sentence))
    kept, last = [], 0
    for (start, name), following in zip(marks, [*marks[1:], (len(sentence), "")], strict=True):
        if name != side:
            kept.append(sentence[last:start])
            last = following[0]
    return "".join(kept) + sentence[last:]


def names_other_country(sentences: Iterable[str], question: str) -> bool:
    """Some sentence names a country (by name or demonym) that `question` does not name.

    Asked "which countries" or "which States", a sentence that speaks of such countries must name one near
    them: "Urges States Members ... to consider ... measures against South Africa" does not say which States
    imposed measures, and "India and France chaired the conference, in which 120 countries took part" does
    not say which countries a reformed Council should add."""
    asked = {code_of(c) for c in countries_asked(question)}
    plural = _COUNTRIES_Q.search(question)
    head = stem(plural.group("kind").lower()) if plural else None
    group = _group_head(question)
    side = _vote_side(question)
    if side is not None:  # "which countries voted in favour": not those named after "abstentions"
        sentences = [_on_side(sentence, side) for sentence in sentences]
    for sentence in sentences:
        if group is not None:  # its members: two countries or more by the group's name in one sentence
            if len({code_of(c) for c in countries_asked(sentence) if code_of(c) not in asked and any(
                    _near_head(sentence, m.start(), m.end(), group, NAME_WINDOW)
                    for m in re.finditer(rf"\b{re.escape(c)}\b", sentence))}) >= 2:
                return True
            continue
        others = [c for c in countries_asked(sentence) if code_of(c) not in asked]
        if not others:
            continue
        if head is None or not any(kin(stem(w), head) for w in words(sentence)):
            return True
        if any(_near_head(sentence, m.start(), m.end(), head, NAME_WINDOW)
               for c in others for m in re.finditer(rf"\b{re.escape(c)}\b", sentence)):
            return True
    return False


def expected_type(question: str) -> Expect | None:
    if _QUANTITY_Q.search(question):
        return "quantity"
    if _TIME_Q.search(question):
        return "time"
    if _ENTITY_Q.search(question):
        return "entity"
    return None


# Words UN texts use for the same counted thing: "how many soldiers" is answered by "82 peacekeepers" or "370 men
# and women"; "how many missions" by "seven peacekeeping operations".
_PEOPLE = frozenset(stem(w) for w in ("people", "persons", "individuals"))
_COUNTED_KIN = (frozenset(stem(w) for w in ("soldiers", "troops", "peacekeepers", "personnel", "men", "women",
                                            "officers", "staff", "contingents", "blue helmets")),
                frozenset(stem(w) for w in ("missions", "operations")),
                frozenset(stem(w) for w in ("countries", "nations", "states", "members", "parties", "signatories")))


def counted_kin(head: set[str], sentences: Iterable[str] = ()) -> set[str]:
    """`head` with the other words for what it counts (`_COUNTED_KIN`); people may be counted by a plural
    demonym of `sentences` ("how many people" by "500 million Indians")."""
    kin_words = head.union(*(group for group in _COUNTED_KIN if head & group))
    if head & _PEOPLE:  # a nation's people, not any group of them ("five Iranian citizens" charged)
        kin_words |= {stem(w.lower()) for s in sentences for w in _CAPITAL_PLURAL.findall(s) if demonym_country(w[:-1])}
    return kin_words


_CAPITAL_PLURAL = re.compile(r"\b[A-Z][a-z]+s\b")


def unsaid(head: set[str], sentences: Iterable[str]) -> set[str]:
    """The words of `head` that no word of `sentences` shares a family with ("peacekeeping" says "peacekeeper")."""
    said = {stem(w) for s in sentences for w in words(s)}
    return {h for h in head if not any(kin(h, w) for w in said)}


def quantity_head(question: str) -> set[str]:
    """The stems of what a quantity question counts: "how many Ghanaian peacekeepers are ..." gives
    {ghanaian, peacekeeper}, "how many ECOWAS troops" {troop}; "what is the budget of the plan" {budget}."""
    head: set[str] = set(stem(w.lower()) for w in _HEAD_NOUNS.findall(question)) - {"number", "total"}
    match = _QUANTITY_HEAD.search(question)
    if match:
        head |= {stem(w) for w in words(match.group("head")) if len(w) > 2 and tokenize(w)}  # no "and", "the"
    head -= {"much", "many", "how", "the", "all", "their", "its", "his", "her", "our", "your", "my", "this", "that"}
    # a name before another of them says whose ("how many ECOWAS troops"): the number must count the thing
    # itself; a name that is what is measured ("what share of GDP") stays
    stems = [stem(w.lower()) for w in words(question)]
    following = dict(zip(stems, stems[1:], strict=False))
    named = {stem(w.lower()) for name in names_in(question) for w in words(name)}
    return head - {n for n in named if following.get(n) in head}


_NAMED_NUMBER = re.compile(r"\b[A-Za-z]+-\d+\b")


# "How much has Fiji itself received?": the amount must be the named one's own, not the region's or the world's
_ITSELF = re.compile(r"\b(?P<name>[A-Z][\w'’-]+(?: [A-Z][\w'’-]+)*) itself\b")
_FIRST_PERSON = re.compile(r"\b(?:we|our|us|my country)\b", re.IGNORECASE)


def stressed_self(question: str) -> str | None:
    """The name a question stresses with "itself" ("Ghana itself"), if any."""
    match = _ITSELF.search(question)
    return match.group("name") if match else None


def about_itself(sentence: str, name: str) -> bool:
    """`sentence` is about `name` itself: it names it, or speaks in the first person (a statement's own country)."""
    return bool(re.search(rf"\b{re.escape(name)}\b", sentence)) or bool(_FIRST_PERSON.search(sentence))


def tied_number(sentence: str, head: set[str], window: int) -> bool:
    """`sentence` states a number within `window` words of a word of `head` (any number when `head` is
    empty). Years, document symbols (A/71/L.73) and numbered references (resolution 264, paragraph 8)
    are not quantities, nor are the days of dates (2 November) and numbers inside names (COVID-19, G-20)."""
    tokens = words(_NAMED_NUMBER.sub(" ", _DAY_DATE.sub(" ", _SYMBOL.sub(" ", sentence))))
    # "one of the youngest" picks one out of a group; it counts nothing
    counts = [i for i, t in enumerate(tokens) if _is_count(t, head)
              and not (t == "one" and tokens[i + 1:i + 2] == ["of"])]
    if not head:
        return bool(counts)
    counts = [i for i in counts if not _counts_other_kind(tokens, i, head)]
    heads = [i for i, t in enumerate(tokens) if stem(t) in head]
    return any(abs(i - j) <= window for i in counts for j in heads)


_PHRASE_STOPS = frozenset(["are", "is", "was", "were", "have", "has", "had", "in", "of", "to", "for", "with", "from",
                           "on", "at", "by", "that", "which", "who", "will", "would", "and"])


def _counts_other_kind(tokens: list[str], at: int, head: set[str]) -> bool:
    """The number at `at` counts a kind of thing (`_COUNTED_KIN`) other than what `head` asks about: "52 United
    Nations peacekeeping and special political missions" counts missions, not peacekeepers. The counted noun
    ends the words after the number, before a verb or a preposition."""
    phrase: list[str] = []
    for token in tokens[at + 1:at + 8]:
        if (token in _PHRASE_STOPS and token != "and" and phrase) or token[:1].isdigit():
            break
        phrase.append(token)
    phrase = [t for t in phrase if t not in _PHRASE_STOPS]
    if not phrase:
        return False
    counted = stem(phrase[-1])
    asked = [group for group in _COUNTED_KIN if head & group]
    other = [group for group in _COUNTED_KIN if counted in group]
    return bool(asked) and bool(other) and not any(group in asked for group in other)


def _is_count(token: str, head: set[str]) -> bool:
    if token in _NUMBER_WORDS:
        return True
    if "time" in head and _ORDINAL_WORD.match(token):  # "how many times": "for the seventeenth time"
        return True
    if not token[:1].isdigit():
        return False
    return not _YEAR.match(token) or bool(head & {"year", "age"})


# "How much ...?" and "what percentage ...?" ask for an amount: money, a share, a measure or a large round number,
# not a bare count ("sponsored by 130 Member States" says nothing of how much is spent)
_HOW_MUCH = re.compile(r"\bhow much\b(?! (?:time|longer|later|earlier|sooner)\b)|"
                       r"\bwhat (?:percentage|proportion|fraction|share)\b", re.IGNORECASE)
_AMOUNT = re.compile(r"[$€£¥]|%|\b(?:dollars?|euros?|pounds|yen|francs?|rupees?|yuan|pesos?|shillings?|million|"
                     r"millions|billion|billions|trillion|trillions|per ?cent|percent|tons?|tonnes?|hectares?|acres?|"
                     r"kilomet(?:re|er)s?|km|miles?|megawatts?|gigawatts?|MW|GW|litres?|liters?|barrels?|"
                     r"doses?|half|halves|thirds?|quarters?|fifths?|double|twice|triple)\b", re.IGNORECASE)


def asks_amount(question: str) -> bool:
    """A "how much" question, which a count of things does not answer."""
    return _HOW_MUCH.search(question) is not None


def states_amount(sentence: str) -> bool:
    return _AMOUNT.search(sentence) is not None


# "What emissions reduction target has it pledged?": a target is a figure or a deadline ("30 per cent by 2030",
# "net zero by 2050"), or net zero itself
_TARGET_Q = re.compile(r"^\s*(?:and |so )?(?:what|which) (?:[\w-]+ ){0,3}targets?\b", re.IGNORECASE)
_STATES_TARGET = re.compile(r"\d|\bnet[ -]zero\b|\bcarbon[ -]neutral", re.IGNORECASE)


def asks_target(question: str) -> bool:
    return _TARGET_Q.search(question) is not None


def states_target(sentence: str) -> bool:
    """`sentence` gives what a target is: a number, a year, or net zero."""
    return _STATES_TARGET.search(sentence) is not None


# "What did the Director General's letter say?", "What did Lebanon say in that letter?": what a document says
_PAPERS = r"(?:letter|letters|report|reports|note|notes|message|messages|communication|communications|memorandum)"
_PAPER_SAYS_Q = re.compile(rf"^\s*(?:and |so )?what (?:did|does|do) (?:[\w'’.-]+ ){{0,6}}?(?P<paper>{_PAPERS}) "
                           r"(?:say|said|state|contain|propose|request|ask|report)\b|"
                           r"^\s*(?:and |so )?what (?:did|does|do) [^?]{1,60}? (?:say|said|state|write|propose|request|"
                           rf"ask for) in (?:the|that|this|its|his|her|their) (?:[\w-]+ ){{0,2}}?(?P<in>{_PAPERS})\b",
                           re.IGNORECASE)
# what a text gives of a document's content after naming it: "the letter ..., in which it states", "stating that",
# "requesting ...", a quotation or a colon
_CONTENT_FOLLOWS = re.compile(r"\b(?:in which|which (?:states|stated|says|said|reads|contains|contained|expresses|"
                              r"expressed|requests|requested)|stating|saying|requesting|informing|according to which|"
                              r"to the effect that|that|shows?|says|states|notes|finds|found|concludes|concluded|"
                              r"indicates|indicated|recommends|recommended|warns|warned)\b|[“\"‘:]", re.IGNORECASE)


def asked_paper(question: str) -> str | None:
    """The document a question asks the content of ("letter"), if it asks what one says."""
    match = _PAPER_SAYS_Q.search(question)
    return (match.group("paper") or match.group("in")).lower() if match else None


def paper_content_given(sentences: Iterable[str], paper: str) -> bool:
    """Some sentence names the document and goes on to give what it says; "Taking note of the letter of 14
    December 1981" names it only."""
    wanted = re.compile(rf"\b{re.escape(paper.rstrip('s'))}s?\b", re.IGNORECASE)
    return any(_CONTENT_FOLLOWS.search(sentence[m.end():]) for sentence in sentences for m in wanted.finditer(sentence))


# A share is written as a percentage or a fraction ("30.3 per cent of humankind", "two thirds of them"); the
# text rarely says "share" or "proportion" beside it
SHARES = frozenset(stem(w) for w in ("share", "percentage", "proportion", "fraction", "percent"))
_STATED_SHARE = re.compile(r"\d(?:[\d.,]*\d)?\s*(?:%|per ?cent\b|percent\b)|"
                           r"\b(?:half|one|two|three)[ -](?:thirds?|quarters?|fifths?|tenths?)\b", re.IGNORECASE)


def states_share(sentence: str, topic: set[str]) -> bool:
    """`sentence` gives a share (a percentage or a fraction) and shares a word's family with `topic`, the
    question's own words beside the share: "reducing deforestation by 40 per cent" gives no share of poverty."""
    if _STATED_SHARE.search(sentence) is None:
        return False
    said = {stem(w) for w in words(sentence)}
    return any(kin(t, w) for t in topic for w in said)


# "On what date ...?", "the date of the summit": a day, not a year or "earlier this month"
_EXACT_DATE_Q = re.compile(r"\b(?:what|which) (?:exact |precise |specific )?(?:date|day)s?\b(?! and\b)|"
                           r"\bthe (?:exact )?date (?:of|on|when)\b", re.IGNORECASE)  # a deadline may be a year
_MONTHS = r"(?:january|february|march|april|may|june|july|august|september|october|november|december)"
_DAY_DATE = re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?(?: (?:and|to|-|–) \d{{1,2}}(?:st|nd|rd|th)?)? "
                       rf"(?:of )?{_MONTHS}\b|"
                       rf"\b{_MONTHS} \d{{1,2}}\b|\b(?:today|yesterday|tomorrow|tonight)\b", re.IGNORECASE)


def asks_exact_date(question: str) -> bool:
    return _EXACT_DATE_Q.search(question) is not None


def months_named(question: str) -> frozenset[str]:
    """The month a question puts the date it asks for in, lower-cased ("On what date in January 2018 ...?" ->
    january); a month elsewhere dates something else ("By what date did its January 1976 resolution ...")."""
    return frozenset(m.lower() for m in re.findall(rf"\b(?:date|day)s? (?:in|of) ({_MONTHS})\b", question,
                                                   re.IGNORECASE))


_ORDINAL = re.compile(r"\b(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|\d+(?:st|nd|rd|th))\b",
                      re.IGNORECASE)


def ordinal_conflict(question: str, sentence: str) -> bool:
    """The question asks about the nth of something and the sentence speaks of another one: "When did Ireland
    launch its first plan?" is not answered by "next January we launch our second plan"."""
    asked = {m.lower() for m in _ORDINAL.findall(question)}
    said = {m.lower() for m in _ORDINAL.findall(sentence)}
    return bool(asked) and bool(said) and not asked & said


def inner_names(question: str) -> dict[str, list[str]]:
    """The question's one-word names that it also uses inside a longer name: "China" in "How did China react
    to the South China Sea award?", mapped to those longer names."""
    runs = [m.group(0) for m in NAME_RUN.finditer(question)]
    inner: dict[str, list[str]] = {}
    for run in runs:
        if " " in run or "-" in run:
            continue
        longer = [r for r in runs if r != run and re.search(rf"\b{re.escape(run)}\b", r)]
        if longer:
            inner[run] = longer
    return inner


def without(text: str, names: Iterable[str]) -> str:
    """`text` with every occurrence of `names` blanked out."""
    for name in names:
        text = re.sub(rf"\b{re.escape(name)}\b", " ", text)
    return text


_ORDINAL_WORD = re.compile(r"^(?:\d+(?:st|nd|rd|th)|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|"
                           r"eleventh|twelfth|\w+teenth|\w+tieth)$")
_YEAR_DATE = re.compile(r"\b(1[6-9]\d\d|20\d\d)\b")
ASKS_YEAR = re.compile(r"\b(what|which) years?\b", re.IGNORECASE)


def tied_date(sentence: str, topic: set[str], event: frozenset[str] | set[str] = frozenset(),
              year: bool = False, window: int | None = None, day: bool = False,
              months: frozenset[str] = frozenset()) -> bool:
    """`sentence` gives a date or year and names something the question is about (`topic` stems), and
    when the question asks when something happened beyond its names (`event`: "begin administering",
    "deliver its opinion"), some word of that too: a date beside the names alone dates something else.
    With `window`, a date must also stand within that many words of such a word (of `event` when the
    question has one): a long sentence may date something else ("... the advisory opinion of 21 June
    1971" is not the date of the elections the same sentence demands). With `day`, only a date that names
    its day counts ("on what date" is not answered by "in January 2018"), and with `months` (those the question
    names), only one in such a month ("On what date in January 2018 ...?" is not answered by "8 February")."""
    # "resolution 425 (1978)" cites a document; its year dates nothing the sentence reports, unless the
    # question asks about that document
    lowered = _CITED_YEAR.sub(lambda m: m.group() if m.group("number") in topic else m.group("number"),
                              sentence.lower())
    pattern = _DAY_DATE if day else _YEAR_DATE if year else _DATE  # "in which year" is not answered by "in May"
    dates = [d for d in pattern.finditer(lowered) if not months or any(m in d.group() for m in months)]
    if not dates:
        return False
    tokens = list(_WORD.finditer(lowered))  # the words `words` gives, with their places
    said = [stem(t.group()) for t in tokens]
    if not all(not wanted or any(kin(t, w) for t in wanted for w in said) for wanted in (topic, event)):
        return False
    if window is None:
        return True
    wanted = event or topic
    near = [i for i, w in enumerate(said) if any(kin(t, w) for t in wanted)]
    at = [sum(1 for t in tokens if t.start() < d.start()) for d in dates]  # the word index where each date starts
    if min(at) <= FRONTED:  # "In 1987, under ..., Argentina supplied the fuel": a date opening the sentence dates it
        return True
    return any(abs(i - j) <= window for i in at for j in near)


_WORD = re.compile(r"[a-z0-9]+")
_CITED_YEAR = re.compile(r"\b(?P<number>\d+)\s*\((?:1[6-9]\d\d|20\d\d)\)")
FRONTED = 2  # a date within this many words of a sentence's start opens it ("In 1987, ...", "On 10 September, ...")


def kin(a: str, b: str) -> bool:
    """Two stems of one word family ("admit" and "admiss"): equal, or sharing a prefix of four letters
    or more that covers most of the shorter one."""
    if a == b:
        return True
    shared = len(os.path.commonprefix([a, b]))
    return shared >= 4 and shared >= 0.6 * min(len(a), len(b))


def satisfies(expect: Expect | None, text: str, question: str = "") -> bool:
    """Does `text` hold the kind of thing the question asks for (beyond what the question already names)?"""
    if expect == "quantity":
        return bool(_CARDINAL.search(text))
    if expect == "time":
        return bool(_DATE.search(text))
    if expect == "entity":
        asked = {w.lower().removesuffix("'s") for w in NAME.findall(question)}
        return any(w.lower().removesuffix("'s") not in asked for w in names_in(text))
    return True


def holds_answer(expect: Expect | None, text: str, question: str, window: int = 6) -> bool:
    """`satisfies`, with a quantity's number tied to what is counted ("five" beside "economies" does not
    say what share of GDP)."""
    if expect == "quantity":
        head = quantity_head(question)
        return tied_number(text, head | counted_kin(unsaid(head, [text]), [text]), window)
    return satisfies(expect, text, question)


def missing_names(question: str, texts: Iterable[str]) -> list[str]:
    """Names of the question that occur as words in none of `texts` (possessives folded); an acronym
    (US, EU) must match in capitals, so the pronoun "us" does not count as the United States."""
    joined = " ".join(texts)
    vocabulary = set(words(joined))
    spelled: set[str] | None = None
    known = [c for c in countries_named(question) if names_country(joined, c)]
    missing = []
    for name in names_in(question):
        bare = name.removesuffix("'s").removesuffix("’s")
        acronym = sum(c.isupper() for c in bare) >= 2 and len(bare) <= 6  # UN, EU, MoU
        if acronym and re.search(rf"\b{re.escape(bare)}\b", joined):
            continue
        if not acronym and any(_same_name(part, vocabulary) for part in re.split(r"[-’']", bare.lower()) if part):
            continue
        if acronym:  # "UN" where the text writes "United Nations"
            spelled = acronyms_spelled_out(joined) if spelled is None else spelled
            if bare.upper() in spelled:
                continue
        if any(bare in country.split() for country in known):  # "North Korea": the text's official name for it
            continue
        missing.append(name)
    return missing


def _same_name(name: str, vocabulary: set[str]) -> bool:
    """`name` is a word of the text, or its demonym or possessive form ("Ghanaian" for "Ghana")."""
    if name in vocabulary:
        return True
    return any(name.startswith(w) and len(w) >= 4 and len(name) - len(w) <= 4 for w in vocabulary)


_REPORTED = re.compile(r"\bwhat (?:did|does|do|has|have|had) (?P<who>[^?.!;]+?) (?:say|said|tell|told|argue|"
                       r"argued|propose|suggest|recommend|report|announce|state|stress|claim|note|warn|think|believe|mention|"
                       r"emphasi[sz]e|highlight|call for|ask for)\b|"
                       # "What compensation did the Special Rapporteur recommend?": what another proposed
                       r"\bwhat (?:[\w-]+ ){1,2}(?:did|does|do|has|have|had) (?P<proposer>[^?.!;]+?) "
                       r"(?:propose|proposed|suggest|suggested|recommend|recommended|call for|ask for|demand)\b|"
                       # "What reason did Russia give for withdrawing?": a reason another gave
                       r"\bwhat (?:reasons?|explanation|justification|grounds) (?:did|does|has|have|had) "
                       r"(?P<giver>[^?.!;]+?) (?:give|gave|offer|cite|provide)\b",
                       re.IGNORECASE)
# Who "the speaker" is, in any statement: pronouns and the roles a statement speaks in. The document's
# own identity (its speaker, its title, the names it uses most) is added from its metadata by the caller.
# A role may carry words before it ("the foreign minister", "the 2014 speech"); one that names a country
# ("the Russian Foreign Minister") is left to the caller, who knows which country the statement speaks for.
_SPEAKER = re.compile(r"^(he|she|they|it|we|(?:the|this|that|its|their|his|her) (?:[\w’'.-]+ ){0,4}"
                      r"(speaker|ambassador|statement|speech|address|text|remarks|document|author|president|"
                      r"prime minister|premier|chancellor|minister|king|queen|emir|sultan|leader|head of state|"
                      r"head of government|delegate|delegation|government|country|resolution|council|"
                      r"representative|report|letter|declaration|envoy)s?)$", re.IGNORECASE)
# A sentence that reports what someone said, rather than thanking or naming them.
REPORTS = re.compile(r"\b(said|says|say|stated|states|told|noted|notes|warned|warns|called|calls|urged|urges|declared|"
                     r"declares|argued|argues|stressed|stresses|reminded|emphasi[sz]ed|wrote|writes|asked|asks|"
                     r"proposed|proposes|suggested|recommended|announced|reported|believed|believes|words|quote|"
                     r"quoted|according to|put it|observed|insisted|affirmed|recalled|pointed out)\b|[:\"“”]",
                     re.IGNORECASE)
def reports(sentence: str) -> bool:
    """`sentence` reports what someone said ("Calls upon", "she stressed", a quotation): no verb inside a name
    of two capitalised words or more ("Member States", "the United States") counts."""
    unnamed = NAME_RUN.sub(lambda m: " " if re.search(r"[ -]", m.group(0)) else m.group(0), sentence)
    return REPORTS.search(unnamed) is not None


def reported_subject(question: str, identity: Iterable[str] = ()) -> str | None:
    """Who a "what did X say/argue/propose" question asks about, when X is not the speaker: not a
    pronoun or role, and none of `identity` (the document's own speaker and most used names)."""
    match = _REPORTED.search(question)
    if not match:
        return None
    who = (match.group("who") or match.group("proposer") or match.group("giver")).strip()
    own = {w.lower() for w in identity}
    if (_SPEAKER.match(who) and not countries_asked(who)) or {name_key(w) for w in NAME.findall(who)} & own:
        return None
    return who


def never_reported(subject: str, sentences: Iterable[str]) -> bool:
    """No sentence that names `subject` reports what they said: the text thanks them, mentions
    them in passing or does not name them at all, so "what did X say" has no answer here."""
    names = [w for w in NAME.findall(subject) if w not in COMMON_CAPS]
    wanted = set(words(" ".join(names) or subject)) - {"mr", "ms", "mrs", "dr", "the"}
    naming = [s for s in sentences if wanted & set(words(s))]
    return not any(reports(s) for s in naming)


# "What did resolution 264 (1969) decide?": a question about what another numbered document says.
_ASKS_CONTENT = re.compile(r"\bwhat (?:did|does|do|has|have|had) (?P<who>[^?.!;]+?) (?:say|said|decide|decided|demand|"
                           r"request|require|establish|provide|call for|state|declare|ask|urge|condemn|recommend)\b",
                           re.IGNORECASE)
DOCUMENT_NUMBER = re.compile(r"\b(?:resolution|decision|report|declaration|document)s?\s+(?:no\.?\s*)?"
                              r"(?P<number>\d{1,4})\b", re.IGNORECASE)
# After a reference, a clause that says what the referenced document did ("..., by which it terminated ...").
# what a cited document did follows its number, or the numbers listed with it ("resolutions 454 (1979) and 466
# (1980), in which it condemned ...")
_GIVES_CONTENT = re.compile(r"\s*(?:\(\d{4}\))?(?:\s*,?\s*(?:and\s+)?\d+\s*(?:\(\d{4}\))?)*\s*,?\s*"
                            r"(?:in which|by which|whereby|wherein|which|under which)\b", re.IGNORECASE)


def referenced_document(question: str, own: Iterable[str] = ()) -> str | None:
    """The number of the document a "what did resolution N decide/say" question asks about, when it is not
    the document itself (`own`: the numbers of the documents asked, from their titles)."""
    match = _ASKS_CONTENT.search(question)
    reference = DOCUMENT_NUMBER.search(match.group("who")) if match else None
    if reference is None:
        return None
    number = str(int(reference.group("number")))
    return None if number in {str(int(n)) for n in own} else number


def reference_unreported(number: str, sentences: Iterable[str]) -> bool:
    """No sentence says what document `number` did: each that cites it only lists it ("in accordance with
    resolutions 264 (1969), 269 (1969) and 366 (1974)") rather than following it with what it decided."""
    cited = re.compile(rf"\b0*{re.escape(number)}\b")
    return not any(_GIVES_CONTENT.match(sentence, m.end()) for sentence in sentences for m in cited.finditer(sentence))


_TOPIC = re.compile(r"^\s*(?:about|on|regarding|concerning|in relation to)\s+(?P<topic>[^?;]+)", re.IGNORECASE)


def reported_topic(question: str) -> set[str]:
    """What a "what did X say about Y" question asks X's words to be about: Y's content tokens."""
    match = _REPORTED.search(question)
    topic = _TOPIC.match(question[match.end():]) if match else None
    return set(tokenize(topic.group("topic"))) if topic else set()


def topic_unreported(subject: str, topic: set[str], paragraphs: Iterable[str]) -> bool:
    """No paragraph where `subject`'s words are reported touches `topic`: the text quotes them on
    something else ("What did the Pope say about drugs?" where he is quoted on giving)."""
    if not topic:
        return False
    names = [w for w in NAME.findall(subject) if w not in COMMON_CAPS]
    wanted = set(words(" ".join(names) or subject)) - {"mr", "ms", "mrs", "dr", "the"}
    for text in paragraphs:
        spans = [text[a:b] for a, b in split_sentences(text)] or [text]
        if any(wanted & set(words(s)) and reports(s) for s in spans) and topic & set(tokenize(text)):
            return False
    return True


_ATTRIBUTE = re.compile(r"^\s*(?:what|who|which)(?:'s| is| was| are| were) (?:the|its|their|his|her) "
                        r"(?:\w+ )?(?P<attribute>\w+) of\b", re.IGNORECASE)


def asked_attribute(question: str) -> str | None:
    """The stem of the attribute "What is the X of Y?" asks for (theme, capital, title), when it names one."""
    match = _ATTRIBUTE.search(question)
    attribute = match.group("attribute").lower() if match else None
    return stem(attribute) if attribute and attribute not in FRAME_NOUNS else None


def absent_attribute(question: str, vocabulary: set[str]) -> str | None:
    """"What is the capital of Haiti?": the attribute asked for (capital), when the text never uses the word.

    `vocabulary` holds the text's words as `index.lexical.tokenize` gives them (stemmed)."""
    match = _ATTRIBUTE.search(question)
    if not match:
        return None
    attribute = match.group("attribute").lower()
    if attribute in FRAME_NOUNS or attribute in _TIME_ATTRIBUTES or stem(attribute) in vocabulary:
        return None  # a date is written as one ("of 30 September 1971"), rarely with the word "date"
    if any(form in vocabulary for form in _GIVEN_AS.get(attribute, ())):
        return None
    return attribute


_TIME_ATTRIBUTES = frozenset(["date", "dates", "day", "year", "month", "time"])
# nouns that frame a question about the text itself rather than name an attribute it must mention
FRAME_NOUNS = frozenset(["name", "names", "meaning", "purpose", "role", "aim", "goal", "point", "points", "content",
                         "subject", "topic", "gist", "nature", "significance", "importance", "focus", "essence",
                         "message", "summary", "kind", "type", "number", "list", "main", "rest", "end", "start"])
# how a text gives an attribute without its noun: a title by "entitled"
_GIVEN_AS = {"title": ("entitl", "titl"), "titles": ("entitl", "titl")}


# words of a question about a statement's structure ("What are the main points?", "Summarise it")
STRUCTURE_WORDS = frozenset(["main", "point", "proposal", "recommendation", "suggestion", "priority", "idea",
                             "argument", "message", "key", "overall", "outline", "make", "give", "put", "forward",
                             "two", "three", "four", "five", "six"])


def about_structure_only(question_tokens: Iterable[str], vocabulary: set[str]) -> bool:
    """Every word of the question frames the statement's structure or occurs in the text: "What are the
    main points?" qualifies, "What are the main points of the weather report?" does not."""
    return all(t in STRUCTURE_WORDS or t.startswith("summar") or t in vocabulary for t in question_tokens)


# Double quotes, or single quotes that stand outside words: the apostrophes of "Myanmar's Rakhine state,
# according to Singapore's" are no quotation.
_QUOTED = re.compile(r"[\"“”]([^\"“”]{12,})[\"“”]|(?<!\w)['‘]([^\"“”‘’']{12,})['’](?!\w)")


def unfound_quotes(question: str, texts: Sequence[str]) -> list[str]:
    """Passages the question quotes (four words or more) that none of `texts` contains, nearly word for word."""
    haystacks = [set(words(t)) for t in texts]  # sentences, so the words must stand together
    missing = []
    for match in _QUOTED.finditer(question):
        passage = match.group(1) or match.group(2)
        quoted = words(passage)
        if len(quoted) < 4:
            continue
        if not any(len(set(quoted) & h) >= 0.9 * len(set(quoted)) for h in haystacks):
            missing.append(passage)
    return missing


_PARAGRAPH_REF = re.compile(r"\b(?:operative |sub-?)?paragraphs? (\d{1,3})(?:\s*\(([a-z]{1,2}|[ivx]{1,5})\))?",
                            re.IGNORECASE)


def paragraph_references(question: str) -> list[str]:
    """The printed paragraph labels a question cites: "operative paragraph 4" -> ["4"],
    "paragraph 11 (b)" -> ["11(b)"]."""
    return [f"{n}({item.lower()})" if item else n for n, item in _PARAGRAPH_REF.findall(question)]


# "Did New Zealand win its seat?", "Has Congress approved the bill?": whether something happened to or was done
# by someone the question names. The text must report that doing (the verb, in any of its forms); a statement
# made before the vote or the debate cannot say how it went.
_HAPPENED_Q = re.compile(r"^\s*(?i:and |so |but )?(?:(?i:did|has|have|had|will)\s+"
                         r"(?P<who>(?:(?:[A-Z][\w'’.-]*|of|the|and)\s+)+)(?P<verb>[a-z]+)\b|"
                         r"(?i:was|were)\s+(?P<passive>(?:(?:[A-Z][\w'’.-]*|of|the|and)\s+)+)"
                         r"(?P<participle>[a-z]+(?:ed|en))\b|"
                         r"(?i:how)\s+(?i:did|has|have)\s+(?P<reactor>(?:(?:[A-Z][\w'’.-]*|of|the|and)\s+)+)"
                         r"(?P<reaction>respond|react|reply)\b)")
# verbs that ask what the text says, not whether something happened ("Did he mention ...?")
_SAYING = frozenset(stem(w) for w in (
    "say", "said", "mention", "refer", "speak", "talk", "address", "discuss", "cite", "name", "note", "raise",
    "describe", "call", "urge", "ask", "stress", "highlight", "express", "welcome", "thank", "support", "propose",
    "suggest", "recall", "acknowledge", "recognize", "recognise", "see", "think", "believe", "consider"))
# irregular forms, so that "win" meets "won"
_FORMS = {"win": "won", "give": "gave given", "take": "took taken", "make": "made", "hold": "held", "meet": "met",
          "lose": "lost", "send": "sent", "pay": "paid", "build": "built", "lead": "led", "fight": "fought",
          "bring": "brought", "buy": "bought", "sell": "sold", "keep": "kept", "leave": "left", "begin": "began begun",
          "become": "became", "grow": "grew grown", "fall": "fell fallen", "break": "broke broken",
          "choose": "chose chosen", "come": "came", "go": "went gone", "find": "found", "get": "got gotten",
          "rise": "rose risen", "run": "ran", "spend": "spent", "write": "wrote written", "draw": "drew drawn",
          "know": "knew known"}


def happened_unreported(question: str, sentences: Iterable[str]) -> str | None:
    """The verb of a "did X <verb> ...?" question when no sentence uses it in any form: the text does not
    report that X did so (None when the question is of another kind or asks what the text says)."""
    match = _HAPPENED_Q.match(question)  # "Did X win ...?", "Was X elected ...?"
    who = (match.group("who") or match.group("passive") or match.group("reactor")) if match else None
    if match is None or who is None or not any(w[:1].isupper() for w in who.split()):
        return None
    verb = (match.group("verb") or match.group("participle") or match.group("reaction")).lower()
    if stem(verb) in _SAYING or len(verb) < 3:
        return None
    forms = {stem(verb), *(stem(f) for f in _FORMS.get(verb, "").split())}
    said = {stem(w) for s in sentences for w in words(s.lower())}
    return None if any(kin(f, w) for f in forms for w in said) else verb


# "Which party to the conflict attacked ...?" is not answered by "... by one of the parties to the conflict":
# the text refers to the thing asked without saying which. A vague quantifier before the asked noun, with no
# name after it in its sentence, leaves the choice unmade.
_WHICH_KIND = re.compile(r"^\s*(?:and |so |but )?(?:(?:in|at|to|of|by|from|with|on|for|against|under) )?which "
                         r"(?:one |ones )?(?:of (?:the |its |their |his |her |these |those )?)?"
                         r"(?P<words>(?:[\w'’-]+ ?){1,6})", re.IGNORECASE)
_VAGUE = re.compile(r"\b(?:one|some|several|many|most|each|any|few|certain|various|numerous|other|all but one|"
                    r"a number|a few|a couple|a handful|a series|a range|a host|a group|a set)"
                    r" (?:of )?(?:the |its |their |our |these |those )?(?:[\w'’-]+ ){0,3}$", re.IGNORECASE)
_KIND_ENDS = frozenset(["around", "across", "within", "outside", "among", "between", "near", "over", "under", "into",
                        "about", "against", "beyond", "since", "after", "before", "like"])
VAGUE_REACH = 5  # words before the asked noun in which a vague quantifier makes the mention unnamed


def which_kind(question: str) -> str | None:
    """The noun a "which <kind> ..." question chooses among, as asked ("party" for "Which party to the
    conflict attacked ...", "Islands" for "Which of the outer Cook Islands ..."), or None."""
    match = _WHICH_KIND.match(question)
    if match is None:
        return None
    head = ""
    for word in words(match.group("words")):
        if word in _NOUN_ENDS or word in _KIND_ENDS:
            break
        head = word
    return head if len(head) > 2 else None


def left_unnamed(sentences: Iterable[str], question: str) -> str | None:
    """The asked kind when every mention of it in `sentences` is vague ("one of the parties", "a number of
    other trade blocs"), no name follows such a mention in its sentence, and the sentences name nothing else
    that could be of that kind; else None."""
    kind = which_kind(question)
    if kind is None:
        return None
    head, asked = stem(kind), {name_key(w) for w in NAME.findall(question)}
    vague = False
    for sentence in sentences:
        tokens = words(sentence)
        for i, token in enumerate(tokens):
            if not kin(stem(token), head):
                continue
            if not _VAGUE.search(" ".join(tokens[max(0, i - VAGUE_REACH):i]) + " "):
                return None  # named, or at least pointed at: "the party", "Liberia's parties"
            at = sentence.lower().find(token)
            rest = sentence[at + len(token):] if at >= 0 else ""
            if any(name_key(w) not in asked for w in NAME.findall(rest)):
                return None  # "one of the parties, the NPFL, ..."
            vague = True
    if not vague:
        return None
    # a name given elsewhere may be the one asked ("... against Angola, Botswana and Lesotho"); a country is
    # no name of a kind that is not a country (the party, the leader)
    found = _new_names(list(sentences), question, False, False)
    if not any(head.startswith(w) or w.startswith(head) for w in _COUNTRY_KINDS):
        found = [f for f in found if code_of(f[0]) is None and demonym_country(f[0]) is None]
    return None if found else kind
