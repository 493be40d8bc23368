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

from index.lexical import tokenize

Role = Literal["user", "assistant"]
MetadataField = Literal["speaker", "date", "venue", "title"]

_MARKER = re.compile(r"\s*\[\d+\]")
_LIST = re.compile(
    r"\b(what are|which are|list|enumerate|all the|points|proposals|measures|steps|ways|areas|recommendations|"
    r"priorities|suggestions|main (ideas|arguments|messages)|summar|key|what (does|did) (he|she|china|the \w+) "
    r"(propose|suggest|recommend|call for))\b",
    re.IGNORECASE,
)
_ANAPHORA = re.compile(
    r"\b(that|this|it|its|there|those|these|they|them|their|he|she|his|her|such|the same|above|mentioned|"
    r"what about|how about|and what|why|more)\b",
    re.IGNORECASE,
)
_METADATA = {
    "speaker": re.compile(r"\bwho\b.*\b(deliver|gave|give|made|make|speak|spoke|speaking|speaker|author|wrote|"
                          r"statement|speech|remarks|address)|\bname of the (speaker|ambassador)|\bwhich ambassador",
                          re.IGNORECASE),
    "date": re.compile(r"\b(when|what date|which date|what day|which day|what year|which year)\b.*\b(deliver|given|"
                       r"made|statement|speech|remarks|debate|meeting|held|speak|spoke)", re.IGNORECASE),
    "venue": re.compile(r"\b(where|which (body|forum|organ|meeting|venue|council)|what (forum|meeting|venue|body|"
                        r"occasion|event))\b.*\b(deliver|given|made|statement|speech|remarks|held|speak|spoke)",
                        re.IGNORECASE),
}


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
    metadata: MetadataField | None
    context_text: str  # the previous assistant answer (markers removed), to locate the topic


def strip_markers(text: str) -> str:
    return _MARKER.sub("", text).strip()


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
    standalone = f"{previous_user} {question}".strip() if follow else question
    metadata = next((name for name, rx in _METADATA.items() if rx.search(question)), None)
    return Query(
        original=question,
        standalone=standalone,
        is_follow_up=follow,
        wants_list=bool(_LIST.search(question)),
        metadata=metadata,  # type: ignore[arg-type]
        context_text=strip_markers(previous_answer) if follow else "",
    )
