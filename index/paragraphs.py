"""Paragraph splitting: find the layout a plain text uses and cut it into the paragraphs a reader sees.

Real speech files come in three layouts (`detect_layout`): one paragraph per line, hard-wrapped
blocks separated by blank lines (verbatim records, resolutions), and a single line with no breaks.
The splitter never invents a break: text without line breaks stays one paragraph. Whitespace inside
a paragraph is normalised (odd Unicode spaces become a plain space, runs collapse); every other
character is kept exactly, curly quotes included.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from enum import Enum

# Non-breaking, en/em/thin and other typographic spaces that web pages and PDFs leave behind.
_ODD_SPACES = "\t\x0b\x0c\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
_SPACE_TABLE = str.maketrans(dict.fromkeys(_ODD_SPACES, " "))
_SPACE_RUNS = re.compile(r" {2,}")
_ITEM_NUMBER = re.compile(r"(\d{1,3})\.(?:\s|$)")
_HYPHEN_END = re.compile(r"([^\W\d_]+)-$")
_WORD_START = re.compile(r"[^\W\d_]+")


class Layout(str, Enum):
    """How a text marks its paragraphs."""

    ONE_PER_LINE = "one-per-line"  # every non-empty line is a paragraph
    WRAPPED = "wrapped"  # lines are hard-wrapped; blank lines (or the next number) end a paragraph
    SINGLE_BLOCK = "single-block"  # one line only: one paragraph


def normalize_space(text: str) -> str:
    """`text` with typographic spaces made plain, runs of spaces collapsed, and ends stripped."""
    return _SPACE_RUNS.sub(" ", text.translate(_SPACE_TABLE)).strip()


def split_paragraphs(text: str) -> list[str]:
    """The paragraphs of `text`, in order, each on one line with normalised whitespace."""
    lines = [normalize_space(line) for line in text.splitlines()]
    if detect_layout(lines) is Layout.WRAPPED:
        vocabulary = set(_WORD_START.findall(text.lower()))
        return [_join_lines(run, vocabulary) for run in _numbered_runs(_blocks(lines))]
    return [line for line in lines if line]


def detect_layout(lines: Sequence[str]) -> Layout:
    """Decide the layout from whether adjacent non-empty lines read as one sentence running on.

    In hard-wrapped text most line breaks fall mid-sentence, so the next line starts in lowercase;
    in one-per-line text a new line is a new paragraph and starts with a capital, a digit or a
    quote. Lines separated by blank lines say nothing either way.
    """
    if sum(1 for line in lines if line.strip()) <= 1:
        return Layout.SINGLE_BLOCK
    pairs = [(a, b) for a, b in zip(lines, lines[1:]) if a.strip() and b.strip()]
    continued = sum(1 for _, b in pairs if b.strip()[0].islower())
    # Over half the breaks mid-sentence: on the UN General Debate corpus the two layouts sit near 10% and 90%.
    return Layout.WRAPPED if pairs and continued * 2 > len(pairs) else Layout.ONE_PER_LINE


def _blocks(lines: Sequence[str]) -> list[list[str]]:
    """Runs of consecutive non-empty lines."""
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line:
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    return [block for block in blocks if block]


def _numbered_runs(blocks: list[list[str]]) -> Iterator[list[str]]:
    """Split blocks further where a line starts the next numbered paragraph ("4." after "3.").

    Only the expected next number counts, so a wrapped line that happens to begin with a year or
    a quantity followed by a full stop does not start a paragraph. A block that opens with any
    number resets the count (an annex may start again at 1). Lettered items such as "(a)" stay in
    the paragraph they are in unless a blank line separates them.
    """
    expected = 1
    for block in blocks:
        run: list[str] = []
        for position, line in enumerate(block):
            number = _item_number(line)
            if number is not None and (position == 0 or number == expected):
                expected = number + 1
                if run:
                    yield run
                    run = []
            run.append(line)
        yield run


def _item_number(line: str) -> int | None:
    match = _ITEM_NUMBER.match(line)
    return int(match.group(1)) if match else None


def _join_lines(lines: list[str], vocabulary: set[str]) -> str:
    """One paragraph from its wrapped lines, joined with single spaces."""
    text = lines[0]
    for line in lines[1:]:
        text = _join_pair(text, line, vocabulary)
    return text


def _join_pair(left: str, right: str, vocabulary: set[str]) -> str:
    """Join two wrapped lines; a line ending in "word-" before a lowercase word is a hyphen break.

    The hyphen is dropped only when the joined word occurs elsewhere in the same text ("meet-" +
    "ing" where "meeting" appears); otherwise it is kept ("sixty-" + "ninth" -> "sixty-ninth"),
    because without a dictionary a real compound cannot be told from a soft break.
    """
    stem = _HYPHEN_END.search(left)
    if stem is None or not right[0].islower():
        return f"{left} {right}"
    tail = _WORD_START.match(right)
    joined = stem.group(1) + (tail.group(0) if tail else "")
    return left[:-1] + right if joined.lower() in vocabulary else left + right
