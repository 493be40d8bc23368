"""Paragraph splitting: find the layout a plain text uses and cut it into the paragraphs a reader sees.

Real speech files come in three layouts (`detect_layout`): one paragraph per line, hard-wrapped
blocks separated by blank lines (verbatim records, resolutions), and a single line with no breaks.
A paragraph is something a reader can check a citation against, so none is left longer than
`LONG_PARAGRAPH` characters: a hard-wrapped block that long is first cut where the text itself shows
a paragraph end (a sentence ending on a short line), and whatever is still too long (a transcript
written as one line) is cut between sentences into parts of about `PART_TARGET` characters.
Whitespace inside a paragraph is normalised (odd Unicode spaces become a plain space, runs collapse);
every other character is kept exactly, curly quotes included.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from enum import StrEnum
from typing import Literal

from index.sentences import split_sentences

# Runs of spaces, tabs and the non-breaking, en/em/thin spaces that web pages and PDFs leave behind.
_SPACE_RUNS = re.compile("[ \t\x0b\x0c\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_ITEM_NUMBER = re.compile(r"(\d{1,3})\.(?:\s|$)")
_LINE_END = re.compile(r"[.!?:;,\u2026][\"'\u201d\u2019)\]*_]*$")  # punctuation, then closers/markdown emphasis
_PAGE_NUMBER = re.compile(r"\d{1,4}")
_BULLETS = ("- ", "* ", "\u2022 ")
_HYPHEN_END = re.compile(r"([^\W\d_]+)-$")
_WORD_START = re.compile(r"[^\W\d_]+")
# A running page header or footer of a printed record: a document symbol, a date, a page of pages and a
# job number, alone on a line ("A/70/PV.15 28/09/2015", "18/54 15-29562"). It interrupts the paragraph
# it falls in.
_SYMBOL_OR_DATE = r"(?:[A-Z]{1,4}(?:/[A-Z0-9.\-]+)+|\d{1,2}/\d{1,2}/\d{2,4}|\d{1,4}/\d{1,4}|\d{2}-\d{5})"
_RUNNING_HEADER = re.compile(rf"{_SYMBOL_OR_DATE}(?:\s+{_SYMBOL_OR_DATE})*")
_LETTERED_ITEM = re.compile(r"[a-z]{1,4}[).]\s")  # "a) ...", "iv. ...": an item, not a continuation
_SENTENCE_END = re.compile(r"[.!?\u2026][\"'\u201d\u2019)\]]*$")
_OPENS_PARAGRAPH = re.compile(r"[\"\u201c\u2018(\[]?[A-Z0-9]")  # a capital, a digit, or an opening quote before one
# No paragraph is left longer than this (characters). In the General Debate archive 99.9% of paragraphs are
# under 1,600 characters; the few above 2,000 are hard-wrapped blocks without blank lines and transcripts on
# one line, which a citation could not point into.
LONG_PARAGRAPH = 2000
PART_TARGET = 800  # the size a too-long paragraph is cut to, between sentences
_SHORT_LINE = 0.7  # a wrapped line this much shorter than the text's full lines ends its paragraph


class Layout(StrEnum):
    """How a text marks its paragraphs."""

    ONE_PER_LINE = "one-per-line"  # every non-empty line is a paragraph
    WRAPPED = "wrapped"  # lines are hard-wrapped; blank lines (or the next number) end a paragraph
    SINGLE_BLOCK = "single-block"  # one line only: one paragraph


def normalize_space(text: str) -> str:
    """`text` with typographic spaces made plain, runs of spaces collapsed, and ends stripped."""
    return _SPACE_RUNS.sub(" ", text).strip()


def split_paragraphs(text: str) -> list[str]:
    """The paragraphs of `text`, in order, each on one line with normalised whitespace."""
    lines = [normalize_space(line) for line in text.splitlines()]
    if detect_layout(lines) is Layout.WRAPPED:
        vocabulary = set(_WORD_START.findall(text.lower()))
        # A page number inside wrapped text is a page break, not part of the paragraph around it.
        kept = [line for line in lines if not _PAGE_NUMBER.fullmatch(line) and not _RUNNING_HEADER.fullmatch(line)]
        width = _full_width(kept)
        runs = [part for run in _item_runs(_blocks(kept)) for part in _short_line_breaks(run, width)]
        paragraphs = _rejoin([_join_lines(run, vocabulary) for run in runs], unfinished_only=True)
    else:
        paragraphs = _rejoin([line for line in lines if line and not _RUNNING_HEADER.fullmatch(line)])
    return [part for paragraph in paragraphs for part in split_long(paragraph)]


def split_long(paragraph: str) -> list[str]:
    """`paragraph` itself, or if longer than `LONG_PARAGRAPH` its sentences grouped into parts of about
    `PART_TARGET` characters, in order; joined with spaces the parts give the paragraph back."""
    if len(paragraph) <= LONG_PARAGRAPH:
        return [paragraph]
    spans = split_sentences(paragraph)
    count = -(-len(paragraph) // PART_TARGET)
    ends = [end for _, end in spans[:-1]]  # where a part may end, and where the next would start
    starts = [start for start, _ in spans[1:]]
    cuts: list[int] = []  # indexes into `ends`: the sentence end nearest each equal share of the text
    for share in range(1, count):
        goal = len(paragraph) * share / count
        if ends:
            nearest = min(range(len(ends)), key=lambda i: abs(ends[i] - goal))
            if not cuts or nearest > cuts[-1]:
                cuts.append(nearest)
    bounds = [spans[0][0], *(b for i in cuts for b in (ends[i], starts[i])), spans[-1][1]]
    return [paragraph[a:b] for a, b in zip(bounds[::2], bounds[1::2], strict=True)]


def _full_width(lines: Sequence[str]) -> int:
    """The length of a full line of the wrapped text: the 90th percentile of its line lengths."""
    lengths = sorted(len(line) for line in lines if line)
    return lengths[int(len(lengths) * 0.9)] if lengths else 0


def _short_line_breaks(run: list[str], width: int) -> list[list[str]]:
    """`run` cut after each line that ends a sentence well short of the full width, when the run is too long
    for one paragraph: wrapped text without blank lines (a quoted message, a transcript's export) shows
    its paragraph ends that way. A run of normal length is left whole."""
    if sum(len(line) + 1 for line in run) <= LONG_PARAGRAPH:
        return [run]
    parts: list[list[str]] = [[]]
    for line, following in zip(run, [*run[1:], ""], strict=True):
        parts[-1].append(line)
        if (following and _SENTENCE_END.search(line) and len(line) < _SHORT_LINE * width
                and _OPENS_PARAGRAPH.match(following)):
            parts.append([])
    return [part for part in parts if part]


def _rejoin(lines: list[str], unfinished_only: bool = False) -> list[str]:
    """One paragraph per line, except a line that opens in lowercase: it is the rest of the paragraph
    before it, cut by a page break or a stray line break ("... relevant to all" / "people: global ...").
    `unfinished_only` (blocks of hard-wrapped text): only when the one before ends without punctuation
    ("... all of their intended" / "objectives, they nevertheless ...")."""
    paragraphs: list[str] = []
    for line in lines:
        cut = not unfinished_only or (bool(paragraphs) and not _LINE_END.search(paragraphs[-1]))
        if paragraphs and cut and line[0].islower() and not _LETTERED_ITEM.match(line):
            paragraphs[-1] += " " + line
        else:
            paragraphs.append(line)
    return paragraphs


def detect_layout(lines: Sequence[str]) -> Layout:
    """Decide the layout from how often a line break falls mid-sentence.

    A break between two non-empty lines runs on when the first line ends without punctuation or
    the next starts in lowercase. Hard-wrapped text breaks mid-sentence almost every time; in
    one-per-line text a line is a paragraph and ends with punctuation. Lines separated by blank
    lines say nothing either way.
    """
    stripped = [line.strip() for line in lines]
    if sum(1 for line in stripped if line) <= 1:
        return Layout.SINGLE_BLOCK
    pairs = [(a, b) for a, b in zip(stripped, stripped[1:], strict=False) if _is_text(a) and _is_text(b)]
    running_on = sum(1 for a, b in pairs if b[0].islower() or not _LINE_END.search(a))
    # Over half: on the UN General Debate corpus one-per-line files sit below 40%, wrapped ones above 80%.
    return Layout.WRAPPED if running_on * 2 > len(pairs) else Layout.ONE_PER_LINE


def _is_text(line: str) -> bool:
    """Non-empty and not a bare page number, which says nothing about the layout."""
    return bool(line) and not _PAGE_NUMBER.fullmatch(line)


def _blocks(lines: Sequence[str]) -> list[list[str]]:
    """Runs of consecutive non-empty lines."""
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line:
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    return [block for block in blocks if block]


def _item_runs(blocks: list[list[str]]) -> Iterator[list[str]]:
    """Split blocks further where a line starts the next numbered paragraph ("4." after "3.") or a list bullet.

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
            starts_item = number is not None and (position == 0 or number == expected)
            if starts_item:
                expected = (number or 0) + 1
            if run and (starts_item or _starts_bullet(run, line)):
                yield run
                run = []
            run.append(line)
        yield run


def _starts_bullet(run: list[str], line: str) -> bool:
    """A bullet after a finished line or another bullet; "- which ..." mid-sentence is a dash, not a list."""
    return line.startswith(_BULLETS) and (run[0].startswith(_BULLETS) or _LINE_END.search(run[-1]) is not None)


def _item_number(line: str) -> int | None:
    match = _ITEM_NUMBER.match(line)
    return int(match.group(1)) if match else None


def _join_lines(lines: list[str], vocabulary: set[str]) -> str:
    """One paragraph from its wrapped lines, joined with single spaces or across a hyphen break."""
    parts = [lines[0]]
    for previous, line in zip(lines, lines[1:], strict=False):
        hyphen = _hyphen_break(previous, line, vocabulary)
        if hyphen == "drop":
            parts[-1] = parts[-1][:-1]
        parts.append(line if hyphen else " " + line)
    return "".join(parts)


def _hyphen_break(left: str, right: str, vocabulary: set[str]) -> Literal["keep", "drop"] | None:
    """"keep" or "drop" the hyphen when `left` ends in "word-" and `right` starts with a letter, else None.

    A hyphen after a letter at a line end joins the next word: "Secretary-" + "General" and
    "sixty-" + "ninth" keep it. It is dropped only before a lowercase word when the joined word
    occurs elsewhere in the same text ("meet-" + "ing" where "meeting" appears), because without
    a dictionary a real compound cannot be told from a soft break.
    """
    stem = _HYPHEN_END.search(left) if left.endswith("-") else None
    tail = _WORD_START.match(right)
    if stem is None or tail is None:
        return None
    joined = stem.group(1) + tail.group(0)
    return "drop" if right[0].islower() and joined.lower() in vocabulary else "keep"


_PRINTED_NUMBER = re.compile(r"^(\d{1,3})\.\s")
_PRINTED_ITEM = re.compile(r"^\(([a-z]{1,2}|[ivx]{1,5})\)\s")


def printed_labels(paragraphs: Sequence[str]) -> dict[str, int]:
    """The document's own numbering: "4" and "11(b)" mapped to the reader's paragraph numbers (from 1).

    Resolutions and reports number their paragraphs ("4. Demands ...") and letter the items under
    them ("(b) Release ..."); a question may cite those ("operative paragraph 4", "paragraph 11 (b)").
    A letter belongs to the last number printed before it. Unnumbered paragraphs get no label.
    """
    labels: dict[str, int] = {}
    current = ""
    for number, text in enumerate(paragraphs, start=1):
        numbered = _PRINTED_NUMBER.match(text)
        item = _PRINTED_ITEM.match(text)
        if numbered:
            current = numbered.group(1)
            labels.setdefault(current, number)
        elif item and current:
            labels.setdefault(f"{current}({item.group(1)})", number)
    return labels


def part_numbers(paragraphs: Sequence[str], preamble: bool) -> list[int]:
    """The reader's numbers (from 1) of a resolution's preamble, the paragraphs before its first numbered
    one, or with `preamble` False of its operative part (the numbered paragraphs and their items); none
    when nothing is numbered, since then there is no telling the parts apart."""
    first = printed_labels(paragraphs).get("1")
    if first is None:
        return []
    return [n for n in range(1, len(paragraphs) + 1) if (n < first) == preamble]
