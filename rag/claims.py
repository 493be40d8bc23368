"""Reading an LLM reply into claims: its sentences, each with the paragraph markers it carries.

Markers are parsed and repaired: [P 4], [p4], (P4), fullwidth or lenticular brackets (【P4】),
bare [4], lists and ranges ([P4, P5], [P4-P6]), and [doc_id:P4] when several documents were
retrieved. A sentence's markers are those that follow it (or sit inside it). Sentences never
cross a line break, since LLMs answer in bullet lists too. `rag.verify` checks the claims.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from index.sentences import split_sentences
from rag.retrieve import ParagraphHit

_BRACKETS = str.maketrans({"【": "[", "】": "]", "［": "[", "］": "]", "〔": "[", "〕": "]", "〖": "[", "〗": "]",
                           "⟦": "[", "⟧": "]", "（": "(", "）": ")"})
_GROUP = re.compile(r"\s*([\[(])([^\[\]()\n]{1,160})([\])])")
_TAG = r"(?:¶|p(?:ara(?:graph)?)?\.?)"
_ITEM = re.compile(rf"(?:(?P<doc>[\w.\-]+)\s*[:#]\s*)?(?P<tag>{_TAG})?\s*(?P<a>\d{{1,4}})"
                   rf"(?:\s*[-–]\s*{_TAG}?\s*(?P<b>\d{{1,4}}))?", re.IGNORECASE)
_SEPARATOR = re.compile(r"\s*(?:[,;&]|\band\b)\s*", re.IGNORECASE)
_BULLET = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])\s+")
PROMPT_TAGS = re.compile(r"<\s*/?\s*(?:passages|question|conversation)\s*>", re.IGNORECASE)  # the prompt's own tags
_REFUSAL = re.compile(
    r"\b(?:cannot|can ?not|can't|unable to|not able to)\b.{0,60}\b(?:answer|determine|find|tell|say|know)\b"
    r"|\b(?:do|does|did) not (?:address|cover|mention|contain|say|discuss|provide|include)\b"
    r"|\bno (?:information|mention)\b|\bnot (?:addressed|covered|mentioned|discussed)\b",
    re.IGNORECASE)



@dataclass(frozen=True)
class Ref:
    """A paragraph marker as the LLM wrote it: paragraph number, and doc_id when it gave one."""

    paragraph: int
    doc_id: str | None = None


@dataclass(frozen=True)
class Claim:
    text: str  # the sentence without its markers
    refs: tuple[Ref, ...]


def marker_label(hit: ParagraphHit, with_doc: bool) -> str:
    """The marker the prompt shows for a passage: P4, or doc_id:P4 when several documents are in play."""
    return f"{hit.doc_id}:P{hit.paragraph}" if with_doc else f"P{hit.paragraph}"


def parse_group(opener: str, inner: str) -> tuple[Ref, ...] | None:
    """The refs of one bracketed group, or None when it is not a marker (e.g. "(2023)")."""
    refs: list[Ref] = []
    for part in _SEPARATOR.split(inner.strip()):
        match = _ITEM.fullmatch(part.strip())
        if match is None or (opener == "(" and not match["tag"]):
            return None
        first, last = int(match["a"]), int(match["b"] or match["a"])
        if not 0 <= last - first <= 10:
            return None
        refs += [Ref(n, match["doc"]) for n in range(first, last + 1)]
    return tuple(refs) or None


def strip_markers(text: str) -> tuple[str, list[tuple[int, tuple[Ref, ...]]]]:
    """The text without its markers, and each marker's refs with its position in that text."""
    text = text.translate(_BRACKETS)
    plain, marks, last = [], [], 0
    length = 0
    for match in _GROUP.finditer(text):
        refs = parse_group(match[1], match[2]) if (match[1] == "[") == (match[3] == "]") else None
        if refs is None:
            continue
        plain.append(text[last:match.start()])
        length += match.start() - last
        marks.append((length, refs))
        last = match.end()
    plain.append(text[last:])
    return "".join(plain), marks


def _spans(text: str) -> list[tuple[int, int]]:
    """Sentence spans, never crossing a line break (LLMs answer in bullet lists too)."""
    spans, offset = [], 0
    for line in text.split("\n"):
        spans += [(offset + s, offset + e) for s, e in split_sentences(line)]
        offset += len(line) + 1
    return spans


def _clean(sentence: str) -> str:
    """Without list bullets, bold marks, and the prompt's tags (a weak model echoes "<passages>")."""
    return " ".join(PROMPT_TAGS.sub(" ", _BULLET.sub("", sentence)).replace("**", "").split())


def split_claims(reply: str) -> list[Claim]:
    """The reply's sentences, each with the markers that follow it (or sit inside it)."""
    plain, marks = strip_markers(reply)
    spans = _spans(plain)
    refs: list[list[Ref]] = [[] for _ in spans]
    for pos, found in marks:
        anchor = len(plain[:pos].rstrip()) - 1
        owner = max((i for i, (start, _) in enumerate(spans) if start <= anchor), default=0)
        if spans:
            refs[owner] += found
    claims = [Claim(_clean(plain[s:e]), tuple(dict.fromkeys(r))) for (s, e), r in zip(spans, refs, strict=True)]
    return [c for c in claims if c.text]


def is_refusal(text: str) -> bool:
    return bool(_REFUSAL.search(text))


def cites(ref: Ref, hit: ParagraphHit) -> bool:
    return hit.paragraph == ref.paragraph and ref.doc_id in (None, hit.doc_id)


def resolve(ref: Ref, hits: Sequence[ParagraphHit]) -> list[ParagraphHit]:
    """The retrieved paragraphs a marker names; none when it names a paragraph that was not retrieved."""
    return [h for h in hits if cites(ref, h)]
