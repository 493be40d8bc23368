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

from index.text import NAME, strip_markers, tokenize
from rag.answerability import Expect, expected_type

Role = Literal["user", "assistant"]
MetadataField = Literal["speaker", "date", "venue", "title"]

_LIST = re.compile(
    r"\b(what are|which are|list|enumerate|all the|which (\w+ )?(kinds|types|agencies|organi[sz]ations|bodies|"
    r"countries|crimes|areas|measures|steps|tasks)|what (kinds|types|tasks|measures|steps)|points|proposals|"
    r"recommendations|priorities|suggestions|main (ideas|arguments|messages)|summar\w*|across|what has .{0,40}\bdone|"
    r"what does the (speech|statement) say about)\b",
    re.IGNORECASE,
)
_POINTS = re.compile(
    r"\b(points|proposals|recommendations|suggestions|priorities|main (ideas|arguments|messages)|summar\w*|"
    r"(four|three|five|two|six) "
    r"(\w+ )?(ways|steps|measures|points|proposals|areas))\b",
    re.IGNORECASE,
)
_ANAPHORA = re.compile(
    r"\b(that|this|it|its|there|those|these|they|them|their|he|she|his|her|such|the same|above|mentioned|"
    r"what about|how about|and what|why|more)\b",
    re.IGNORECASE,
)
_METADATA: dict[MetadataField, re.Pattern[str]] = {
    "speaker": re.compile(r"\bwho\b.*\b(deliver\w*|gave|give|made|make|wrote|write)\b.*\b(statement|speech|remarks|"
                          r"address)|\bwho (is|was) (the )?(speaker|speaking|author)|\bwho (spoke|speaks)\b|\bname of "
                          r"the (speaker|ambassador)|\bwhich ambassador|\bwhose (statement|speech|remarks)",
                          re.IGNORECASE),
    "date": re.compile(r"\b(when|what date|which date|what day|which day|what year|which year)\b.*\b(deliver|given|"
                       r"made|statement|speech|remarks|debate|meeting|held|speak|spoke|adopt\w*|resolution)",
                       re.IGNORECASE),
    "venue": re.compile(r"\b(where|(at|in) (which|what))\b.*\b(deliver\w*|given|made|held|spoke|speak|give|take "
                        r"place|took place)\b|\b(which|what) (\w+ )?(body|forum|organ|venue|occasion|event|meeting)\b.*"
                        r"\b(was|were|is)\b.*\b(deliver\w*|given|made|held)\b", re.IGNORECASE),
    "title": re.compile(r"\b(speaker|ambassador)'?s? (title|position|rank|office)\b|^(?!\s*who\b).*\b(his|her) (title|"
                        r"position|rank|office)\b|\btitle of the (statement|speech|remarks)\b|\bwhat (is|was) the "
                        r"(statement|speech) (called|titled)|\bwhat (is|was) the (statement|speech|remarks|address) "
                        r"about\b|\b(topic|subject|theme) of the (open )?(debate|meeting|statement|speech|remarks)|"
                        r"\bnumber of (this|the) (resolution|document|decision)",
                        re.IGNORECASE),
}


_INJECTION = re.compile(
    r"\b(ignore|disregard|forget|override)\b.{0,40}\b(instructions?|prompts?|rules|above|previous|text|document|"
    r"context|sources?|statement|speech|resolution)\b|\b(your (new )?task|new instructions?)\b|"
    r"\b(say|tell me|state|write|claim|pretend)( that)? the (speech|statement|text|document|"
    r"speaker) \w+s\b|"
    r"\bsystem prompt\b|\bdeveloper mode\b|\byou are now\b|\bjailbreak\b|^\s*(system|assistant)\s*:",
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


# Words of a question about the document itself: "When was this resolution adopted, and at which meeting?"
_ABOUT_DOCUMENT = frozenset(tokenize(
    "who whom when where which what date day year month time deliver delivered given made make held speak spoke "
    "speaking give gave took take place statement speech remarks address resolution document text adopt adopted "
    "meeting session number title titled called topic subject theme about author speaker ambassador name body "
    "forum organ venue occasion event debate open position rank office wrote write vote voted"))
_THIS_DOCUMENT = re.compile(r"\b(this|these|the|its|present) (statement|speech|remarks|address|resolution|document|"
                            r"text|speaker|meeting|session|debate)\b|\b(was|is) it\b", re.IGNORECASE)


def about_the_document(question: str) -> bool:
    """The question asks about the document itself (its speaker, date, venue, title), not about
    something the document tells: it points at "this/the statement" and names nothing else."""
    if not _THIS_DOCUMENT.search(question):
        return False
    names = {t for n in NAME.findall(question) for t in tokenize(n)}
    return not (set(tokenize(question)) - _ABOUT_DOCUMENT - names)


def is_follow_up(question: str, history: Sequence[Turn]) -> bool:
    """A question leans on history when it refers back or is too short to stand alone."""
    if not any(t.role == "user" for t in history):
        return False
    words = question.split()
    starts_with_link = bool(words) and words[0].lower().strip(",") in {"and", "but", "so", "also", "then"}
    return starts_with_link or bool(_ANAPHORA.search(question)) or len(tokenize(question)) <= 2


def analyse(question: str, history: Sequence[Turn] = ()) -> Query:
    follow = is_follow_up(question, history)
    previous_user = next((t.content for t in reversed(history) if t.role == "user"), "")
    previous_answer = next((t.content for t in reversed(history) if t.role == "assistant"), "")
    context = strip_markers(previous_answer) if follow else ""
    # the new question first (an embedder reads only so far), then what the conversation is about
    standalone = " ".join(part for part in (question, previous_user, context) if part) if follow else question
    metadata = next((name for name, rx in _METADATA.items() if rx.search(question)), None)
    if metadata is not None and not about_the_document(question):
        metadata = None  # "When did X make his statement?" asks about X's statement, not this one
    return Query(
        original=question,
        standalone=standalone,
        is_follow_up=follow,
        wants_list=bool(_LIST.search(question)),
        wants_points=bool(_POINTS.search(question)),
        metadata=metadata,
        context_text=context,
        expect=expected_type(question),
    )
