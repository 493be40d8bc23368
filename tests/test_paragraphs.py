"""Paragraph splitter: the three layouts real files use, checked on small cases and on the external corpora."""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from index.paragraphs import (
    LONG_PARAGRAPH,
    PART_TARGET,
    Layout,
    detect_layout,
    normalize_space,
    split_long,
    split_paragraphs,
)

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "external"
UNGDC = CORPUS / "ungdc_2014_2024"
RESOLUTIONS = CORPUS / "unsc_resolutions_gold_cr-unsc"


def blank_line_blocks(text: str) -> list[list[str]]:
    blocks: list[list[str]] = [[]]
    for line in text.splitlines():
        if line.strip():
            blocks[-1].append(line.strip())
        elif blocks[-1]:
            blocks.append([])
    return [block for block in blocks if block]


def layout_of(path: Path) -> Layout:
    return detect_layout([normalize_space(line) for line in path.read_text("utf-8").splitlines()])


def test_odd_spaces_become_one_plain_space() -> None:
    assert normalize_space("\u00a0 a\u2002\u2003b\u2009\tc\u202f d  ") == "a b c d"


def test_one_paragraph_per_line_without_blank_lines() -> None:
    text = "Mr. President,\nWe meet today.\nThank you."
    assert split_paragraphs(text) == ["Mr. President,", "We meet today.", "Thank you."]


def test_one_paragraph_per_line_with_blank_lines_between() -> None:
    text = "\n\nMr. President,\n \nWe meet today.\n\n\nThank you.\n"
    assert split_paragraphs(text) == ["Mr. President,", "We meet today.", "Thank you."]


def test_wrapped_blocks_join_with_single_spaces() -> None:
    text = "This year \nmarks the centenary of the \nwar.\n\nNext year will \nbe the anniversary.\n"
    assert detect_layout(text.splitlines()) is Layout.WRAPPED
    assert split_paragraphs(text) == ["This year marks the centenary of the war.",
                                      "Next year will be the anniversary."]


def test_single_line_stays_one_paragraph() -> None:
    text = "  One long block. It never breaks. Not even here.  "
    assert detect_layout([text]) is Layout.SINGLE_BLOCK
    assert split_paragraphs(text) == ["One long block. It never breaks. Not even here."]


def test_hyphen_kept_for_compounds_dropped_for_known_words() -> None:
    text = ("At the sixty-\nninth session the Secretary-\nGeneral held a meet-\ning in the\n"
            "meeting room; a coun-\ntry and a - dash\nstay.")
    assert split_paragraphs(text) == [
        "At the sixty-ninth session the Secretary-General held a meeting in the meeting room; "
        "a coun-try and a - dash stay."
    ]


def test_numbered_paragraphs_start_even_without_blank_lines() -> None:
    text = ("1. Affirms that the\nprinciples apply;\n2. Requests the\nSecretary-General to report in\n"
            "2014. The report\nfollows;\n3. Decides to remain\nseized of the matter.")
    assert split_paragraphs(text) == [
        "1. Affirms that the principles apply;",
        "2. Requests the Secretary-General to report in 2014. The report follows;",
        "3. Decides to remain seized of the matter.",
    ]


def test_bullets_split_only_after_a_finished_line() -> None:
    text = ("Our priorities are:\n- jobs for\nyoung people;\n- services.\n\nThe members\n"
            "- all of them -\nagreed.")
    assert split_paragraphs(text) == ["Our priorities are:", "- jobs for young people;", "- services.",
                                      "The members - all of them - agreed."]


def test_page_numbers_inside_wrapped_text_are_dropped() -> None:
    text = "the war in the\n2\nregion went on and\non until it\nended."
    assert split_paragraphs(text) == ["the war in the region went on and on until it ended."]


def test_other_characters_are_kept_exactly() -> None:
    text = "He said \u201cpeace\u201d \u2013 not \u2018war\u2019.\nIt\u2019s 50\u00a0% \u00e9t\u00e9."
    assert split_paragraphs(text) == ["He said \u201cpeace\u201d \u2013 not \u2018war\u2019.",
                                      "It\u2019s 50 % \u00e9t\u00e9."]


def test_hard_wrapped_speech_has_one_paragraph_per_blank_line_block() -> None:
    path = UNGDC / "session_69_2014" / "CHN_69_2014.txt"
    text = path.read_text("utf-8")
    paragraphs = split_paragraphs(text)
    blocks = blank_line_blocks(text)
    assert layout_of(path) is Layout.WRAPPED
    # one blank line falls mid-sentence, at a page break ("... urge all parties in Ukraine to strictly" /
    # "implement it ..."): that block continues the paragraph before it
    assert (len(blocks), len(paragraphs)) == (28, 27)
    assert any("in Ukraine to strictly implement it" in p for p in paragraphs)
    assert paragraphs[0] == ("This year marks the centenary of the outbreak of the First World War. A distinguished "
                             "thinker in modern China, Yan Fu, described the devastation caused by the war: \u201cHow "
                             "sad that the air is heavy with the stench of war\u201d.")
    assert not any("  " in paragraph for paragraph in paragraphs)
    assert "".join("".join(paragraphs).split()) == "".join("".join("".join(b) for b in blocks).split())  # all kept
    assert any("zero-sum" in p for p in paragraphs)
    assert any("Secretary-General" in p for p in paragraphs)


def test_one_per_line_speech_has_one_paragraph_per_line_except_broken_ones() -> None:
    path = UNGDC / "session_78_2023" / "CHN_78_2023.txt"
    assert layout_of(path) is Layout.ONE_PER_LINE
    paragraphs = split_paragraphs(path.read_text("utf-8"))
    # 22 non-empty lines, two of which open in lowercase: the rest of a sentence a stray break cut
    assert manifest_counts()["session_78_2023/CHN_78_2023.txt"] == 22
    assert len(paragraphs) == 20
    assert any("serving as the main channel to create" in p for p in paragraphs)
    assert not any(p[0].islower() for p in paragraphs)


def test_running_headers_and_broken_lines_are_mended() -> None:
    text = ("First paragraph.\nSecond paragraph.\nThird paragraph.\n"
            "The Government is committed to enhancing regional engagement and\n"
            "A/70/PV.15 28/09/2015\n"
            "18/54 15-29562\n"
            "building constructive relationships.\n"
            "a) an item stays an item;\n"
            "Next paragraph.")
    assert split_paragraphs(text)[3:] == [
        "The Government is committed to enhancing regional engagement and building constructive relationships.",
        "a) an item stays an item;", "Next paragraph."]


@pytest.mark.parametrize("country", ["HUN", "LIE", "TUR", "URY"])
def test_single_block_transcripts_are_cut_between_sentences_into_checkable_parts(country: str) -> None:
    path = UNGDC / "session_79_2024" / f"{country}_79_2024.txt"
    text = path.read_text("utf-8")
    assert layout_of(path) is Layout.SINGLE_BLOCK
    parts = split_paragraphs(text)
    assert len(parts) >= len(text) // LONG_PARAGRAPH
    assert " ".join(parts) == normalize_space(text)  # nothing lost, nothing reordered
    assert all(len(part) <= LONG_PARAGRAPH and part[-1] in ".!?\"\u201d" for part in parts[:-1])


@pytest.mark.parametrize(("session", "name", "opening"), [
    ("session_79_2024", "ERI_79_2024.txt", "Before delving into the main subject"),  # wrapped, no blank lines at all
    ("session_69_2014", "CMR_69_2014.txt", "\u201cIn Cameroon, since 2010"),  # a quoted message
])
def test_wrapped_text_without_blank_lines_is_cut_where_a_sentence_ends_on_a_short_line(
        session: str, name: str, opening: str) -> None:
    paragraphs = split_paragraphs((UNGDC / session / name).read_text("utf-8"))
    assert any(p.startswith(opening) for p in paragraphs)
    assert max(len(p) for p in paragraphs) <= LONG_PARAGRAPH


def test_a_long_paragraph_is_cut_only_between_sentences_and_a_short_one_is_kept() -> None:
    sentence = "The Assembly must act on climate finance now, for every island State depends on it. "
    long_text = (sentence * 40).strip()
    parts = split_long(long_text)
    assert len(parts) == -(-len(long_text) // PART_TARGET)
    assert all(part.endswith("depends on it.") for part in parts)
    assert " ".join(parts) == long_text
    assert split_long(sentence * 3) == [sentence * 3]
    unbroken = "word " * 600  # no sentence end: nothing to cut at, kept whole rather than cut mid-sentence
    assert split_long(unbroken.strip()) == [unbroken.strip()]


def test_no_archive_paragraph_is_longer_than_a_reader_can_check() -> None:
    longest = max((len(p), path.name) for path in sorted(UNGDC.glob("session_*/*.txt"))
                  for p in split_paragraphs(path.read_text("utf-8")))
    assert longest[0] <= LONG_PARAGRAPH, longest


def manifest_counts() -> dict[str, int]:
    with (UNGDC / "manifest.csv").open(encoding="utf-8") as handle:
        return {row["path"].split("/", 1)[1]: int(row["n_paragraphs"]) for row in csv.DictReader(handle)}


def test_ungdc_layout_counts_match_the_corpus_readme() -> None:
    """README: about 1,911 one-per-line files, about 217 hard-wrapped, and exactly 4 single blocks."""
    counts: Counter[Layout] = Counter()
    singles = []
    for path in sorted(UNGDC.glob("session_*/*.txt")):
        layout = layout_of(path)
        counts[layout] += 1
        if layout is Layout.SINGLE_BLOCK:
            singles.append(path.name)
    assert singles == ["HUN_79_2024.txt", "LIE_79_2024.txt", "TUR_79_2024.txt", "URY_79_2024.txt"]
    assert 1880 <= counts[Layout.ONE_PER_LINE] <= 1940
    assert 190 <= counts[Layout.WRAPPED] <= 245
    assert sum(counts.values()) == 2132


def test_resolution_numbered_operative_paragraphs_start_paragraphs() -> None:
    path = RESOLUTIONS / "S_RES_0242_1967_EN_GOLD.txt"
    paragraphs = split_paragraphs(path.read_text("utf-8"))
    assert layout_of(path) is Layout.WRAPPED
    starts = [p[:3] for p in paragraphs]
    for number in ("1. ", "2. ", "3. ", "4. "):
        assert starts.count(number) == 1
    third = next(p for p in paragraphs if p.startswith("3. "))
    assert third == ("3. Requests the Secretary-General to designate a Special Representative to proceed to the "
                     "Middle East to establish and maintain contacts with the States concerned in order to promote "
                     "agreement and assist efforts to achieve a peaceful and accepted settlement in accordance with "
                     "the provisions and principles in this resolution ;")
    assert "(c) For guaranteeing the territorial inviolability and political independence of every State in the " \
           "area, through measures including the establishment of demilitarized zones;" in paragraphs


FINISHED = re.compile(r"[.!?:;,\u2026][\"'\u201d\u2019)\]*_]*$")


def test_every_resolution_block_starts_a_paragraph() -> None:
    """No blank-line break is lost: the opening words of every block open a paragraph, in order."""
    for path in sorted(RESOLUTIONS.glob("S_RES_*.txt")):
        text = path.read_text("utf-8")
        paragraphs = iter(split_paragraphs(text))
        blocks = blank_line_blocks(text)
        for before, block in zip([[""]] + blocks, blocks, strict=False):
            opening = " ".join(normalize_space(block[0]).split()[:3])
            if opening.isdigit():  # a page number alone is dropped from wrapped text
                continue
            if opening[0].islower() and not FINISHED.search(before[-1].strip()):
                continue  # the rest of a sentence a blank line cut ("by other" / "peaceful means and ...")
            assert any(p.startswith(opening) for p in paragraphs), (path.name, opening)


_LINE = st.text(alphabet=st.sampled_from(list("abcAB \u00a0\u2002\u2009\t,;'\u201c\u201d")), min_size=1, max_size=40)


@given(st.lists(st.tuples(_LINE, st.integers(0, 2)), min_size=1, max_size=12))
def test_one_per_line_input_keeps_every_line(rows: list[tuple[str, int]]) -> None:
    lines = ["P" + line + "." for line, _ in rows]  # a capital start and a full stop: a finished paragraph
    text = "".join(line + "\n" * (1 + blanks) for line, (_, blanks) in zip(lines, rows, strict=True))
    paragraphs = split_paragraphs(text)
    assert paragraphs == [normalize_space(line) for line in lines]
    assert " ".join(paragraphs).split() == text.split()


_ANY = st.text(alphabet=st.sampled_from(list("abAB .,;:!?\n\n\u00a0\u2003\t\u201c")), max_size=200)


@given(_ANY)
def test_any_text_keeps_its_non_space_characters_in_order(text: str) -> None:
    paragraphs = split_paragraphs(text)
    assert "".join("".join(paragraphs).split()) == "".join(text.split())
    assert all(p and p == normalize_space(p) and "\n" not in p for p in paragraphs)


def test_a_resolutions_preamble_is_what_comes_before_its_first_numbered_paragraph() -> None:
    from index.paragraphs import part_numbers

    texts = ["The Security Council,", "Recalling its resolution 425 (1978),", "Convinced that the situation is grave,",
             "1. Reaffirms its resolution 425 (1978), in which it", "(a) Calls for strict respect;",
             "2. Decides to renew"]
    assert part_numbers(texts, preamble=True) == [1, 2, 3]
    assert part_numbers(texts, preamble=False) == [4, 5, 6]
    assert part_numbers(["We meet today.", "Peace matters."], preamble=True) == []  # a statement has no parts
