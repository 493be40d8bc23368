"""Reading a question: its intent (list, metadata, follow-up) and its standalone form.

Deterministic rules, no model: a follow-up ("and what should be done about that?") is condensed
with the previous turns so retrieval sees what the conversation is about. When an LLM is
configured, `rag.llm` may condense instead; this module is the offline default.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from index.text import MARKER, NAME, names_in, stem, strip_markers, tokenize
from rag.answerability import DOCUMENT_NUMBER, Expect, expected_type

Role = Literal["user", "assistant"]
MetadataField = Literal["speaker", "date", "venue", "title", "country", "session", "vote", "meeting"]

_LIST = re.compile(
    r"\b(what are|which are|list|enumerate|all the|which (\w+ )?(kinds|types|agencies|organi[sz]ations|bodies|"
    r"countries|crimes|areas|measures|steps|tasks)|what (kinds|types|tasks|measures|steps)|points|proposals|"
    r"recommendations|priorities|suggestions|main (ideas|arguments|messages)|summar\w*|across|what has .{0,40}\bdone|"
    r"what does the (speech|statement) say about)\b",
    re.IGNORECASE,
)
# "Which ceasefires does it welcome?", "What natural disasters ...?": a plural asked for, several things
_ASKED_THING = re.compile(r"^\s*(?:[\w-]+ ){0,2}?(?:which|what) (?P<words>(?:[\w'’-]+ ?){1,4})", re.IGNORECASE)
_AUXILIARY = frozenset(["does", "do", "did", "is", "are", "was", "were", "has", "have", "had", "will", "would", "can",
                        "could", "should", "must", "may", "might", "led", "of", "in", "on", "for", "to", "from", "by",
                        "that", "the", "a", "an"])
_NOT_PLURAL = frozenset(["news", "series", "means", "thanks", "species"])


def asks_several(question: str) -> str:
    """The stem of the plural thing a "which/what <things>" question asks for (the noun before its verb:
    "ceasefir" for "Which ceasefires does it welcome?"), whose answer may lie in several paragraphs; else ""."""
    match = _ASKED_THING.match(question)
    if match is None:
        return ""
    head = ""
    for word in match.group("words").lower().split():
        if word in _AUXILIARY:
            break
        head = word
    plural = (len(head) > 3 and head.endswith("s") and not head.endswith(("ss", "us", "is", "'s", "’s"))
              and head not in _NOT_PLURAL)
    return stem(head) if plural else ""


_POINTS = re.compile(
    r"\b(points|proposals|recommendations|suggestions|priorities|main (ideas|arguments|messages)|summar\w*|"
    r"(four|three|five|two|six) "
    r"(\w+ )?(ways|steps|measures|points|proposals|areas))\b",
    re.IGNORECASE,
)
# Words that point back at a topic named earlier ("it", "those", "such measures"); "this year" and "the
# statement" name their own referent, and he/she usually mean the speaker, so they do not count.
_ANAPHORA = re.compile(r"\b(it|its|there|those|they|them|their|such|the same|above|mentioned|what about|how about)\b",
                       re.IGNORECASE)
_DEMONSTRATIVE = re.compile(
    r"\b(that|this|these)\b(?!\s+(year|years|session|statement|speech|resolution|assembly|body|hall|organi[sz]ation|"
    r"council|century|week|month|day|regard|end|way|context|respect|text|document)\b)",
    re.IGNORECASE,
)
# "What else did he propose?", "Anything more on that?": the next evidence not yet given.
_MORE = re.compile(r"\belse\b|\b(any|what|which|some) (other|more|further|additional)\b|\b(tell me|anything|"
                   r"something|say|said) more\b|^\s*more\b|\bmore (about|on)\b|\banother\b", re.IGNORECASE)
# "Why?", "What led them to ratify it?": the stated reason.
_WHY = re.compile(r"^\s*(and |but |so )?why\b|\b(what|which) (is|was|are|were) the reasons?\b|\bfor what reason\b|"
                  r"\bhow come\b|\bwhat (led|leads|caused|causes|drove|drives|prompted|motivated)\b|"
                  r"\bwhat (is|was|are|were) (driving|causing|behind|fuell?ing)\b|\b(root )?causes? of\b|"
                  r"\bwhat lies behind\b|\bto what does .{1,60}\b(attribute|credit|owe)\b", re.IGNORECASE)
# Words that frame a question rather than name its topic.
_FRAME = frozenset(tokenize(
    "think propose proposed want wants mean means do make talk speak describe discuss point ask call happen get give "
    "expect else more other reason why led lead kind kinds type way ways one ones thing things also"))
_LINKS = frozenset(["and", "but", "so", "also", "then", "what about", "how about"])
FollowKind = Literal["", "refers", "more", "why"]
_METADATA: dict[MetadataField, re.Pattern[str]] = {
    "speaker": re.compile(r"\bwho\b.*\b(deliver\w*|gave|give|made|make|wrote|write)\b.*\b(statement|speech|remarks|"
                          r"address)|\bwho (is|was) (the )?(speaker|speaking|author)|\bwho (spoke|speaks)\b|\bname of "
                          r"the (speaker|ambassador)|\bwhich ambassador|\bwhose (statement|speech|remarks)|"
                          r"\bname of the (?:[\w-]+ ){0,2}(official|minister|president|representative|leader|delegate|"
                          r"person)\b.*\b(deliver\w*|giv\w*|gave|ma[dk]\w*)\b.*\b(statement|speech|remarks|address)",
                          re.IGNORECASE),
    "date": re.compile(r"\b(when|what date|which date|what day|which day|what year|which year)\b.*\b(deliver|given|"
                       r"made|statement|speech|remarks|debate|meeting|held|speak|spoke|adopt\w*|resolution)|"
                       r"\b(deliver\w*|given|made|held|adopted)\b.*\b(on|in) (what|which) (date|day|year)\b|"
                       r"\b(the|adoption) date of (this |the )?(?-i:[A-Z]\w+ ){0,2}(resolution|statement|speech|"
                       r"remarks|address)\b|\bits date\b|\b(on|in) (what|which) (date|day)\b|\band when\W*$|"
                       r"\b(resolution|statement|speech|document|address)['’]s (\w+ ){0,2}date\b",
                       re.IGNORECASE),
    # "What was the vote on this resolution?", "How was it adopted?", "Who abstained?"
    "vote": re.compile(r"\b(what|how) (was|were) the (vote|voting|votes)\b|\bhow (\w+ ){0,4}(was|were) (it|this|the) "
                       r"(\w+ )?(adopted|voted|passed)\b|"
                       r"\b(who|which (\w+ )?(members?|countries|states)) (abstained|voted)\b|"
                       r"\bhow many (votes|abstentions|members voted)\b|\bunanimously\b|\bby what (vote|majority)\b|"
                       r"\b(outcome|result) of the (vote|voting)\b", re.IGNORECASE),
    # "At which meeting was it adopted?": a resolution's adoption line names the meeting
    "meeting": re.compile(r"\b(at|in|during) (which|what) meeting\b|^\s*(which|what) meeting\b", re.IGNORECASE),
    "session": re.compile(r"\b(at|in|during|for) (which|what) session\b|^\s*which session\b", re.IGNORECASE),
    "venue": re.compile(r"\b(where|(at|in) (which|what))\b.*\b(deliver\w*|given|made|held|spoke|speak|give|take "
                        r"place|took place)\b|\b(which|what) (\w+ )?(body|forum|organ|venue|occasion|event|meeting)\b.*"
                        r"\b(was|were|is)\b.*\b(deliver\w*|given|made|held)\b", re.IGNORECASE),
    # "Which Member State made this statement?", "What country is the speaker representing?"
    "country": re.compile(r"\b(which|what) (country|nation|member state)('s|\u2019s)?\b.*\b(statement|speech|remarks|"
                          r"address|deliver\w*|from|speak\w*|made|gave|represent\w*|lead|leads|head|heads|govern\w*)\b|"
                          r"\bon behalf of (which|what) (country|nation|state|government|member state)\b",
                          re.IGNORECASE),
    "title": re.compile(r"\b(speaker|ambassador)'?s? (title|position|rank|office)\b|^(?!\s*who\b).*\b(his|her) (title|"
                        r"position|rank|office)\b|\btitle of the (statement|speech|remarks)\b|\bwhat (is|was) the "
                        r"(statement|speech) (called|titled)|\bwhat (is|was) the (statement|speech|remarks|address) "
                        r"about\b|\b(topic|subject|theme) of the (open )?(debate|meeting|statement|speech|remarks)|"
                        r"\bnumber( and [\w ]{1,30}?)? of (this|the) (?-i:[A-Z]\w+ ){0,2}(resolution|document|"
                        r"decision)|\b(resolution|document)['’]s number\b|"
                        r"\bin what capacity\b|"
                        r"\b(what|which) (office|position|title|post|rank) (does|did|do) (the )?"
                        r"(speaker|ambassador|he|she)\b",
                        re.IGNORECASE),
}


# A second question joined to the first: "Who gave this address, and on what date?", "..., and how many took part
# in its founding conference?" (`ask`: the second question itself)
SECOND_ASK = re.compile(r",? and (?:(?:by|on|in|at|during|for|to) )?"
                        r"(?P<ask>(?:when|how|what|which|where|who|whom)\b.*)", re.IGNORECASE)
_ASKS_PERSON = re.compile(r"^\s*(?:and |so |but )?(?:who|whom|whose)\b", re.IGNORECASE)


_INJECTION = re.compile(
    r"\b(ignore|disregard|forget|override)\b.{0,40}\b(instructions?|prompts?|rules|above|previous|text|document|"
    r"context|sources?|statement|speech|resolution)\b|\b(your (new )?task|new (task|instructions?))\b|"
    r"\bfrom your (administrator|admin|developer|operator|creator|owner)\b|"
    r"\b(say|tell me|state|write|claim|pretend)( that)? the (speech|statement|text|document|"
    r"speaker) \w+s\b|"
    r"\bsystem prompt\b|\bdeveloper mode\b|\byou are now\b|\bjailbreak\b|^\s*(system|assistant)\s*:|"
    r"^\W*(please,? )?(pretend|imagine) (that )?(you|to be)\b|^\W*(please,? )?(act|speak) as (if|though|an?|the)\b|"
    r"^\W*(please,? )?role-?play\b|"
    # the assistant's own instructions asked for, in any wording ("your confidential operating instructions")
    r"\byour (?:[\w-]+ ){0,3}(instructions?|prompts?|rules|guidelines|directives|configuration|programming)\b|"
    # an answer asked to break its rules: no citations, or written from a premise the text does not give
    r"\bwithout (citing|citations?|quoting|sources|references)\b|\b(do not|don't|never) (cite|quote)\b|"
    r"\b(and|then),? (write|answer|respond|reply)\w* accordingly\b|"
    r"\bfor (this|the|your) (answer|reply|response),? (assume|suppose|pretend|imagine)\b",
    re.IGNORECASE,
)


def is_injection(question: str) -> bool:
    """Text that tries to instruct the assistant instead of asking about the statement."""
    return bool(_INJECTION.search(question))


@dataclass(frozen=True)
class Turn:
    role: Role
    content: str


@dataclass(frozen=True)
class Query:
    """What retrieval and the generator work from."""

    original: str
    standalone: str  # the question with the conversation folded in when it is a follow-up
    is_follow_up: bool
    wants_list: bool
    wants_points: bool  # asks for the statement's enumerated points ("what are the four proposals")
    metadata: MetadataField | None
    context_text: str  # the previous assistant answer (markers removed), to locate the topic
    expect: Expect | None = None  # the kind of answer asked for: a quantity, a time, a named entity
    follow: FollowKind = ""  # how a follow-up leans on the conversation: refers back, asks for more, asks why
    asks_why: bool = False  # asks for a stated reason (a follow-up or not)
    several: str = ""  # the stem of the things a "which <things>" question asks for: more paragraphs may name them
    said: str = ""  # every earlier answer of the conversation (markers removed): not to be said again
    last_answer: str = ""  # the previous answer (markers removed): a new question does not repeat it
    # the number of the document a metadata question names ("When was resolution 788 adopted?"): it asks
    # about that document only, so another one's heading does not answer it
    metadata_number: str | None = None
    metadata_fields: tuple[MetadataField, ...] = ()  # every field asked, in the question's order ("its number, and
    # the date it was adopted?"): `metadata` first among them by the order of `_METADATA`
    # the words of the statement's own name the question gives ("What was the theme, as quoted by Sao Tome and
    # Principe?"): every paragraph of that statement speaks for it, so they weigh less in choosing a sentence
    own_name: frozenset[str] = frozenset()


# Words of a question about the document itself: "When was this resolution adopted, and at which meeting?"
ABOUT_DOCUMENT = frozenset(tokenize(
    "who whom when where which what date day year month time deliver delivered given made make held speak spoke "
    "speaking give gave took take place statement speech remarks address resolution document text adopt adopted "
    "meeting session number title titled called topic subject theme about author speaker ambassador name body "
    "forum organ venue occasion event debate open position rank office wrote write vote voted country nation "
    "government state behalf general assembly security council capacity address addressing delivering being hold "
    "its this outcome result voting tell give me basic key facts details member members abstain abstained "
    "abstention abstentions against favour favor unanimous unanimously adoption official person minister "
    "president prime foreign representative delegate leader head giving delegation represent represents "
    "representing lead leads heads"))
_THIS_DOCUMENT = re.compile(r"\b(this|these|the|its|present|\w+'s|\w+\u2019s) (?-i:[A-Z]\w+ ){0,2}(statement|speech|"
                            r"remarks|address|"
                            r"resolution|document|text|speaker|meeting|session|debate)\b|\b(was|is) it\b",
                            re.IGNORECASE)


def about_the_document(question: str) -> bool:
    """The question asks about the document itself (its speaker, date, venue, title), not about
    something the document tells: it points at "this/the statement" and names nothing else."""
    if not _THIS_DOCUMENT.search(question):
        return False
    names = {t for n in NAME.findall(question) for t in tokenize(n)}
    return not (set(tokenize(question)) - ABOUT_DOCUMENT - names)


def _named_document(question: str) -> str | None:
    """The number of the document the question names ("resolution 788") when it asks nothing else about it
    than what a question about the document itself asks (its date, its meeting, its number)."""
    named = DOCUMENT_NUMBER.search(question)
    if named is None:
        return None
    rest = re.sub(r"\(\d{4}\)", " ", DOCUMENT_NUMBER.sub(" ", question))  # "resolution 264 (1969)"
    names = {t for n in NAME.findall(rest) for t in tokenize(n)}
    return None if set(tokenize(rest)) - ABOUT_DOCUMENT - names else str(int(named.group("number")))


def is_follow_up(question: str, history: Sequence[Turn]) -> bool:
    """A question leans on history when it asks for more or why, or refers back, without naming a topic
    of its own; a question that names its own topic is answered as if asked fresh."""
    return follow_kind(question, history) != ""


# "Back to the environment: what must we keep doing there?": the question names the topic it returns to
_RETURNS = re.compile(r"^\W*(and |so |now,? |ok,? |okay,? )?((go|going|get|getting|come|coming|turn|turning) back|"
                      r"back|return|returning) to\b", re.IGNORECASE)


def follow_kind(question: str, history: Sequence[Turn]) -> FollowKind:
    if not any(t.role == "user" for t in history) or _RETURNS.search(question):
        return ""  # "back to X: ..." names its topic: answered as if asked fresh
    topic = own_topic(question)
    named = bool(names_in(question))
    if _MORE.search(question) and len(topic) <= 2:
        return "more"
    if _WHY.search(question) and len(topic) <= 2:
        return "why"
    opening = question.strip().lower().split(",")[0]
    links = any(opening == w or opening.startswith(w + " ") for w in _LINKS)
    if (links and len(topic) <= 3) or (_DEMONSTRATIVE.search(question) and len(topic) <= 3):
        return "refers"
    if _refers_back(question) and len(topic) <= 5:  # "which areas of law enforcement does it name?"
        return "refers"
    # "What does the statement say about corruption?", "How does the statement end?"
    if len(topic) == 1 and _ABOUT_THE_TEXT.search(question):
        return ""
    return "refers" if len(topic) <= 1 and not named else ""


def _refers_back(question: str) -> bool:
    """A word of the question points back at the conversation: "its" and "their" after a name the question
    gives point at that name ("By when does Malawi want to halve its emissions?")."""
    names = set(names_in(question))
    named = [m.start() for m in NAME.finditer(question) if m.group(0) in names]
    return any(not (m.group(1).lower() in ("its", "their") and any(at < m.start() for at in named))
               for m in _ANAPHORA.finditer(question))


# A question that names the text itself and what about it asks about its own topic, however short
_ABOUT_THE_TEXT = re.compile(r"\b(the|this) (statement|speech|text|resolution|document|remarks|address)\b(.*"
                             r"\b(about|on|regarding|concerning)\b|"
                             r" (ends?|closes?|concludes?|begins?|opens?|starts?)\b)", re.IGNORECASE)


def answered_questions(history: Sequence[Turn]) -> list[str]:
    """The user's earlier questions that got a cited answer (all of them when none did): one the text could
    not answer ("Did Russia take part?") names no topic the conversation is about."""
    asked = [(t.content, i) for i, t in enumerate(history) if t.role == "user"]
    answered = [q for q, i in asked if i + 1 < len(history) and history[i + 1].role == "assistant"
                and MARKER.search(history[i + 1].content)]
    return answered or [q for q, _ in asked]


def own_topic(question: str) -> set[str]:
    """The question's content tokens that name a topic, not frame the question."""
    return set(tokenize(question)) - _FRAME


def analyse(question: str, history: Sequence[Turn] = ()) -> Query:
    kind = follow_kind(question, history)
    follow = kind != ""
    users = answered_questions(history)
    previous_user = users[-1] if users else ""
    # the last question that named its own topic: "why?" after "why does he say so?" still means that topic
    topical = next((u for u in reversed(users) if len(own_topic(u)) >= 2 or names_in(u)), previous_user)
    answers = [t.content for t in history if t.role == "assistant" and MARKER.search(t.content)]  # cited ones
    context = strip_markers(answers[-1]) if follow and answers else ""
    # the new question first (an embedder reads only so far), then what the conversation is about
    parts = (question, previous_user, topical if topical != previous_user else "", context)
    standalone = " ".join(part for part in parts if part) if follow else question
    found = {name: m.start() for name, rx in _METADATA.items() if (m := rx.search(question))}
    if _ASKS_PERSON.match(question):  # "Who was President of the Council when it was adopted?" asks for a person
        second = SECOND_ASK.search(question)  # "Who gave this address, and on what date?" asks for both
        found = {name: at for name, at in found.items()
                 if name in ("speaker", "vote") or (second is not None and at >= second.start())}
    fields = list(found)
    number = _named_document(question) if fields else None
    if fields and number is None and not about_the_document(question):
        fields = []  # "When did X make his statement?" asks about X's statement, not this one
    metadata = fields[0] if fields else None
    return Query(
        original=question,
        standalone=standalone,
        is_follow_up=follow,
        wants_list=bool(_LIST.search(question)),
        wants_points=bool(_POINTS.search(question)),
        metadata=metadata,
        context_text=context,
        expect=expected_type(question),
        follow=kind,
        asks_why=bool(_WHY.search(question)),
        several=asks_several(question),
        said=" ".join(strip_markers(a) for a in answers),
        last_answer=strip_markers(answers[-1]) if answers else "",
        metadata_fields=tuple(sorted(fields, key=found.__getitem__)),
        metadata_number=number if fields else None,
    )


# What a statement's own demonym points at the statement through: "the Swiss statement", "the Swiss President"
_OWN_VOICE = re.compile(r"(?i:statement|speech|address|remarks|delegation|representative|government|president|"
                        r"prime minister|foreign minister|minister|leader)\b")


def without_demonym(text: str, demonym: str) -> str:
    """`text` without a statement's own demonym where it names the statement or its speaker ("the Swiss
    statement" -> "the statement"), kept where it says something ("on Honduran soil")."""
    return re.sub(rf"\b{re.escape(demonym)}\s+(?={_OWN_VOICE.pattern})", "", text)


def without_name(text: str, name: str) -> str:
    """`text` without `name` (a statement's own country, which every paragraph shares):
    "How does Estonia's statement ..." -> "How does the statement ...", "the Bangladesh statement" ->
    "the statement", "What did Estonia and Singapore launch?" -> "What did and Singapore launch?"."""
    own = re.compile(rf"\b(?P<the>the )?{re.escape(name)}(?P<possessive>'s|\u2019s)?(?!\w)")
    plain = own.sub(lambda m: "the" if m.group("possessive") or m.group("the") else "", text)
    return re.sub(r"\s{2,}", " ", plain).strip()
