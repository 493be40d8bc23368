"""Sentence spans: UN abbreviations, initials, decimals and quotes do not split; spans cover the text."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from index.parse import parse_file
from index.sentences import split_sentences

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in split_sentences(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mr. Guterres spoke. Ms. Waly replied.", ["Mr. Guterres spoke.", "Ms. Waly replied."]),
        ("H.E. Mr. Wang Yi arrived. He spoke.", ["H.E. Mr. Wang Yi arrived.", "He spoke."]),
        ("Dr. Lee and Mrs. Ng met St. Lucia.", ["Dr. Lee and Mrs. Ng met St. Lucia."]),
        ("The U.N. Security Council met. It adopted a text.", ["The U.N. Security Council met.", "It adopted a text."]),
        ("Growth was 2.5 per cent. Then it fell.", ["Growth was 2.5 per cent.", "Then it fell."]),
        ("See resolution No. 5 and Art. 2 of the Charter.", ["See resolution No. 5 and Art. 2 of the Charter."]),
        ("Drugs, guns, etc. are smuggled. We object.", ["Drugs, guns, etc. are smuggled.", "We object."]),
        ("We fight drugs, guns etc. The rest waits.", ["We fight drugs, guns etc.", "The rest waits."]),
        ("Small states, e.g. islands, i.e. SIDS, suffer.", ["Small states, e.g. islands, i.e. SIDS, suffer."]),
        ("Peace vs. war is the choice.", ["Peace vs. war is the choice."]),
        ("J. K. Smith wrote it. Fine.", ["J. K. Smith wrote it.", "Fine."]),
        ('He said: "We will stop." Then we left.', ['He said: "We will stop."', "Then we left."]),
        ("He said: \u201cWe will.\u201d Then silence.", ["He said: \u201cWe will.\u201d", "Then silence."]),
        ("(This is a note.) Next one.", ["(This is a note.)", "Next one."]),
        ("First; second; third.", ["First; second; third."]),
        ("Is it? Yes! Fine.", ["Is it?", "Yes!", "Fine."]),
        ("We waited\u2026 Then it came.", ["We waited\u2026", "Then it came."]),
        ("... permission, Your Excellencies, uh, colleagues.", ["... permission, Your Excellencies, uh, colleagues."]),
        ("no final punctuation here", ["no final punctuation here"]),
        ("In 2014. 2015 was better.", ["In 2014.", "2015 was better."]),
        ("document S/Agenda/2329/Rev. 1 was adopted.", ["document S/Agenda/2329/Rev. 1 was adopted."]),
    ],
)
def test_splits_like_a_reader(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_spans_exclude_surrounding_whitespace() -> None:
    text = "  One.\n\n  Two.  "
    assert split_sentences(text) == [(2, 6), (10, 14)]


@pytest.mark.parametrize("text", ["", "   ", "\n\t\u00a0"])
def test_blank_text_has_no_sentences(text: str) -> None:
    assert split_sentences(text) == []


def test_bundled_speech_paragraph_two_has_three_sentences() -> None:
    document = parse_file(CORPUS / "zhang-jun-unsc-transnational-organized-crime-2023-12-07.txt")
    found = sentences(document.paragraph(2).text)
    assert len(found) == 3
    assert found[2].endswith("Ms. Victoria Nyanjura.")


_PIECES = list("ab AB.!?;,\"')(\n\t\u00a0\u2002\u2026\u201d") + ["Mr.", "U.N.", "2.5", " etc. ", "e.g.", "No. 5"]
_TEXT = st.lists(st.sampled_from(_PIECES), max_size=60).map("".join)


@given(_TEXT)
def test_spans_cover_all_non_whitespace_in_order(text: str) -> None:
    spans = split_sentences(text)
    covered = [False] * len(text)
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end
        assert text[start:end] == text[start:end].strip()
        covered[start:end] = [True] * (end - start)
        previous_end = end
    assert all(covered[i] for i, char in enumerate(text) if not char.isspace())
