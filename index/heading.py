"""The head of a parsed text: page furniture to drop, the title and dateline, and the metadata in them.

Speeches saved from web pages carry a menu line, a breadcrumb ("Home > ..."), the title, a dateline
and footer links ("Suggest to a friend", "Print", copyright). The rules here are general, not tied
to one site: furniture is recognised by shape (breadcrumb separators, lines without sentence
punctuation before a title) or by known footer phrases, and metadata is read only from the heading
lines, never from the body, so a date mentioned in a speech is not taken for its date.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

_WINDOW = 8  # the title must be among the first non-empty lines
_MAX_TITLE_WORDS = 40
_MAX_PLAIN_TITLE_WORDS = 15
_MAX_FOOTER_CHARS = 160
_MAX_DATELINE_WORDS = 16

_SPEECH_TITLE = re.compile(
    r"(?:(?:opening|closing|concluding|introductory|keynote|video|joint)\s+)?"
    r"(?:remarks|statement|speech|address|message|briefing|intervention|explanation of (?:vote|position))"
    r"\s+(?:by|of|from)\s+(?P<rest>.+)",
    re.IGNORECASE,
)
_MARKDOWN_HEADING = re.compile(r"(#{1,6})\s+(.*?)(?:\s+#+)?$")
_SENTENCE_END = re.compile(r"[.!?\u2026][\"'\u201d\u2019)\]]*$")
_ANY_FINAL_PUNCT = re.compile(r"[.,;:!?\u2026][\"'\u201d\u2019)\]]*$")
_BREADCRUMB = re.compile(r"^(?:home|homepage|main page|you are here:?|\u9996\u9875)\b.*\s[>\u00bb\u203a]\s", re.I)
_SALUTATION = re.compile(r"(?:mr|mrs|ms|mdm|madam|madame|mister|sir|your|ladies|dear|distinguished|honou?rable"
                         r"|thank)\b|excellenc", re.I)
_LETTER = re.compile(r"[^\W\d_]")
_EMPHASIS = "*_ "  # markdown bold/italic markers around a whole line
_FOOTER = re.compile(
    r"(?:(?:suggest to a friend|send to a friend|print(?: this page)?|close(?: window)?"
    r"|share(?: this(?: page| article)?)?|back to top|return to top|go to top|to top|top"
    r"|e-?mail(?: this page)?)\s*)+",
    re.I,
)
_FOOTER_SEPARATORS = re.compile(r"[\[\]\u3010\u3011|\u00b7\u2022/]+")
_COPYRIGHT = re.compile(r"^(?:\u00a9|\(c\)\s*\d{4}|copyright\b)|all rights reserved", re.I)  # not "(c)" items

_MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
                "november", "december")
_MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES, 1)}
_MONTHS |= {name[:3]: number for number, name in enumerate(_MONTH_NAMES, 1)} | {"sept": 9}
# a scanned month may end in misread letters ("3 Apri] 1991"): up to two of them after its first three
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")(?:\.|[a-z\]\[|!]{1,2}(?=,?\s))?"
_DATES = (
    re.compile(r"\b(?P<year>\d{4})[-/](?P<month>\d{1,2})[-/](?P<day>\d{1,2})\b"),
    re.compile(r"\b(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH + r",?\s+(?P<year>\d{4})\b", re.I),
    re.compile(r"\b" + _MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>\d{4})\b", re.I),
)
_UN_BODY = re.compile(
    r"(?:(?:UN|U\.N\.|United Nations)\s+)?(?:Security Council|General Assembly|Human Rights Council"
    r"|Economic and Social Council|ECOSOC|Trusteeship Council|Peacebuilding Commission"
    r"|Conference on Disarmament|International Court of Justice"
    r"|(?:First|Second|Third|Fourth|Fifth|Sixth) Committee)"
)
_AFTER_AT = re.compile(r"\bat\s+(.*)")
_SPEAKER_END = re.compile(r",|\s+(?:at|on|before|to|during|in|for)\s+|\s+[-\u2013\u2014]\s+")
# Honorifics and offices that precede a name; the speaker is what follows the last of them.
_TITLES = frozenset({
    "ambassador", "h.e.", "he", "his", "her", "excellency", "mr.", "mr", "ms.", "ms", "mrs.", "mrs", "dr.", "dr",
    "prof.", "professor", "sir", "madam", "dame", "president", "vice-president", "vice", "minister", "premier",
    "chancellor", "secretary-general", "secretary", "councilor", "councillor", "representative", "envoy",
    "counsellor", "counselor", "chargé", "d'affaires", "director", "director-general", "chair", "chairman",
    "chairperson", "king", "queen", "prince", "princess", "sheikh", "emir", "prime", "foreign", "deputy",
    "permanent", "special", "acting", "state", "honourable", "honorable", "hon.", "senator",
})


@dataclass(frozen=True)
class Heading:
    """The heading found at the top of a text; `body_start` is the index of the first body line."""

    title: str | None
    lines: tuple[str, ...]
    body_start: int


def is_footer(line: str) -> bool:
    """A footer link line ("Print | Close", "Suggest to a friend") or a copyright notice."""
    if not line or len(line) > _MAX_FOOTER_CHARS:
        return False
    if _COPYRIGHT.search(line):
        return True
    bare = " ".join(_FOOTER_SEPARATORS.sub(" ", line).split())
    return bool(bare) and _FOOTER.fullmatch(bare) is not None


def strip_markdown_heading(line: str) -> str:
    """The text of a markdown ATX heading ("## Aims" -> "Aims"); other lines unchanged."""
    match = _MARKDOWN_HEADING.fullmatch(line)
    return match.group(2) if match else line


def find_heading(lines: Sequence[str], markup_title: str | None = None) -> Heading:
    """Find the title line and its dateline among normalised `lines`; see the module docstring.

    The title is, in order of preference: the markup title (HTML <h1>) or a markdown "# " heading
    or a speech title ("Remarks by ...") among the first lines, when only page furniture (lines
    that do not end a sentence) precedes it, which is then dropped; else, when there is no markup
    title, the first line if it looks like a headline (short, mostly capitalised, no final
    punctuation, not a salutation) and stands apart (a blank line or a dateline follows, or it
    holds a date itself) and the next line does not run on in lowercase. The dateline is up to
    two short lines with a date right after the title.
    """
    window = [i for i, line in enumerate(lines) if line][:_WINDOW]
    index = _marked_title(lines, window, markup_title)
    if index is None and markup_title is None:
        index = _plain_title(lines, window)
    if index is None:
        return Heading(None, (), _after_breadcrumbs(lines, window))
    datelines = _datelines(lines, index)
    printed = (strip_markdown_heading(lines[index]), *(lines[i] for i in datelines))
    return Heading(printed[0], printed, max([index, *datelines]) + 1)


def _marked_title(lines: Sequence[str], window: list[int], markup_title: str | None) -> int | None:
    for i in window:
        line = lines[i]
        if line == markup_title or line.startswith("# ") or _is_speech_title(line):
            return i
        if _SENTENCE_END.search(line) or len(line.split()) > _MAX_TITLE_WORDS:
            return None  # prose comes first: there is no heading to find
    return None


def _is_speech_title(line: str) -> bool:
    return (_SPEECH_TITLE.match(line) is not None and not _SENTENCE_END.search(line)
            and len(line.split()) <= _MAX_TITLE_WORDS)


def _plain_title(lines: Sequence[str], window: list[int]) -> int | None:
    candidates = [i for i in window if not _BREADCRUMB.search(lines[i])]
    if len(candidates) < 2:
        return None  # a lone line is the body, not a title
    i, following = candidates[0], lines[candidates[1]]
    if not _looks_like_title(lines[i]):
        return None
    if following[0].islower() and not is_dateline(following):
        return None  # prose whose sentence runs on into the next line
    stands_apart = not lines[i + 1] or is_dateline(lines[i + 1]) or find_date(lines[i]) is not None
    return i if stands_apart else None


def _looks_like_title(line: str) -> bool:
    """Short, unpunctuated at the end, not a salutation, and mostly capitalised words (a headline)."""
    line = line.strip(_EMPHASIS)
    words = line.split()
    lowercase = sum(1 for word in words if word[0].islower())
    return (len(words) <= _MAX_PLAIN_TITLE_WORDS and lowercase * 2 < len(words) and _LETTER.search(line) is not None
            and not _ANY_FINAL_PUNCT.search(line) and not _SALUTATION.match(line))


def _after_breadcrumbs(lines: Sequence[str], window: list[int]) -> int:
    start = 0
    for i in window:
        if not _BREADCRUMB.search(lines[i]):
            break
        start = i + 1
    return start


def _datelines(lines: Sequence[str], title: int) -> list[int]:
    """Up to two dateline lines after the title, or one dateline wrapped over two adjacent lines."""
    following = [i for i in range(title + 1, len(lines)) if lines[i]][:2]
    if following and is_dateline(lines[following[0]]):
        return following[:1] + [i for i in following[1:] if is_dateline(lines[i])]
    if len(following) == 2 and following[1] == following[0] + 1 and is_dateline(" ".join(lines[i] for i in following)):
        return following
    return []


def is_dateline(line: str) -> bool:
    """A short line that gives a date and is not a sentence ("2023-12-07 13:00", "of 22 November 1967")."""
    return (bool(line) and len(line.split()) <= _MAX_DATELINE_WORDS and not _SENTENCE_END.search(line)
            and find_date(line) is not None)


def find_date(text: str) -> str | None:
    """The first valid date written in `text`, as YYYY-MM-DD; a year alone is not a date."""
    found = [(m.start(), m) for pattern in _DATES for m in pattern.finditer(text)]
    for _, match in sorted(found, key=lambda pair: pair[0]):
        iso = _iso(match)
        if iso:
            return iso
    return None


def _iso(match: re.Match[str]) -> str | None:
    month = match.group("month")
    number = int(month) if month.isdigit() else _MONTHS[month.lower()]
    try:
        return date(int(match.group("year")), number, int(match.group("day"))).isoformat()
    except ValueError:
        return None


def find_venue(lines: Sequence[str]) -> str | None:
    """The UN body named after "at" in a heading line ("at the UN Security Council Open Debate")."""
    for line in lines:
        after = _AFTER_AT.search(line)
        body = _UN_BODY.search(after.group(1)) if after else None
        if body:
            return body.group(0)
    return None


def find_speaker(title: str) -> str | None:
    """The name in a speech title, without honorifics or office ("Remarks by Ambassador Zhang Jun at ...")."""
    match = _SPEECH_TITLE.match(title)
    if match is None:
        return None
    who = _SPEAKER_END.split(match.group("rest"), maxsplit=1)[0].split()
    if who[:1] == ["the"]:
        return None  # "Statement by the Permanent Representative": an office, not a name
    titled = [i for i, word in enumerate(who) if word.lower() in _TITLES]
    name = who[titled[-1] + 1 :] if titled else who
    return " ".join(name) if name and name[0][:1].isupper() else None
