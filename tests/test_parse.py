"""Parsing stage: every supported format, page furniture, heading metadata, bad files and folder walking."""

from __future__ import annotations

import codecs
import csv
import os
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from index.errors import SourceError
from index.model import Document
from index.paragraphs import Layout, detect_layout, normalize_space, split_long
from index.parse import iter_source_files, parse_file, parse_text, slugify

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpus"
SPEECH = SHARED / "zhang-jun-unsc-transnational-organized-crime-2023-12-07.txt"
UNGDC = SHARED / "external" / "ungdc_2014_2024"
RESOLUTIONS = SHARED / "external" / "unsc_resolutions_gold_cr-unsc"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "parse"


def texts(document: Document) -> list[str]:
    return [p.text for p in document.paragraphs]


def pdf_bytes(lines: list[str]) -> bytes:
    """A minimal valid one-page PDF; with `lines` it has a text layer, without it only a drawn box."""
    def escape(line: str) -> str:
        return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    if lines:
        ops = ["BT", "/F1 12 Tf", "14 TL", "72 720 Td", *(f"({escape(line)}) Tj T*" for line in lines), "ET"]
    else:
        ops = ["0 0 1 rg", "72 600 200 100 re f"]  # what a scanned page looks like to a text extractor
    stream = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


# --- the bundled speech, saved from a web page ---------------------------------------------------


def test_bundled_speech_body_is_exactly_the_ten_paragraphs_a_reader_sees() -> None:
    document = parse_file(SPEECH)
    starts = [
        "Mr. President,",
        "I welcome Ecuador's convening",
        "As we speak,",
        "First, specialized agencies",
        "Second, stepping up law enforcement",
        "Third, stepping up support",
        "Fourth, countries should start",
        "Mr. President,",
        "China has been a major player",
        "Thank you, Mr. President.",
    ]
    assert [p.number for p in document.paragraphs] == list(range(1, 11))
    assert all(p.text.startswith(start) for p, start in zip(document.paragraphs, starts, strict=True))
    assert document.paragraph(1).text == "Mr. President,"
    assert document.paragraph(10).text == "Thank you, Mr. President."


def test_bundled_speech_metadata_comes_from_its_heading() -> None:
    document = parse_file(SPEECH)
    title = ("Remarks by Ambassador Zhang Jun at the UN Security Council Open Debate on Transnational "
             "Organized Crime")
    assert document.doc_id == "zhang-jun-unsc-transnational-organized-crime-2023-12-07"
    assert document.title == title
    assert document.heading == f"{title}\n2023-12-07 13:00"
    assert (document.speaker, document.date, document.venue) == ("Zhang Jun", "2023-12-07", "UN Security Council")
    assert document.source == str(SPEECH)


def test_bundled_speech_drops_page_furniture_and_odd_spaces() -> None:
    document = parse_file(SPEECH)
    everything = document.heading + "\n" + "\n".join(texts(document))
    for furniture in ("Home", "China & UN >", "Suggest to a friend", "\u4e2d\u6587"):
        assert furniture not in everything
    assert not any(char in everything for char in "\u00a0\u2002\u2003\u2009")
    assert "Second, stepping up law enforcement" in document.paragraph(5).text
    assert "Member States\u2019 efforts" in document.paragraph(4).text  # curly quotes kept


# --- furniture and heading rules on other pages -------------------------------------------------

OTHER_PAGE = """\
Home | About Us | News | Statements | Contact
You are here: Home \u00bb Statements \u00bb 2023
Statement by H.E. Mr. Wang Yi, State Councilor, at the General Debate of the 78th Session of the UN General Assembly
New York, September 22, 2023

Mr. President,
The world is changing.

[ Print ] [ Close ]
Back to top
Copyright \u00a9 2023 Ministry of Foreign Affairs. All rights reserved.
"""


def test_other_mission_page_furniture_and_metadata() -> None:
    document = parse_text(OTHER_PAGE, "wang-yi-2023")
    assert document.title.startswith("Statement by H.E. Mr. Wang Yi")
    assert texts(document) == ["Mr. President,", "The world is changing."]
    assert (document.speaker, document.date, document.venue) == ("Wang Yi", "2023-09-22", "UN General Assembly")
    assert document.heading.endswith("\nNew York, September 22, 2023")


@pytest.mark.parametrize(
    ("dateline", "expected"),
    [
        ("7 December 2023", "2023-12-07"),
        ("December 7, 2023", "2023-12-07"),
        ("Dec. 7th, 2023", "2023-12-07"),
        ("2023/12/07 09:30", "2023-12-07"),
        ("of 3 Apri] 1991", "1991-04-03"),  # a scan's misread letter
        ("14 Jul| 1960", "1960-07-14"),
        ("3 Marine 1991", None),
        ("31 February 2023", None),
        ("December 2023", None),
    ],
)
def test_dates_in_the_dateline(dateline: str, expected: str | None) -> None:
    document = parse_text(f"Remarks by Mr. A Person\n{dateline}\n\nThe body.", "x")
    assert document.date == expected


def test_a_date_in_the_body_is_not_the_document_date() -> None:
    document = parse_text("Statement by Ms. B Person\n\nOn 7 December 2023 we met.", "x")
    assert document.date is None
    assert document.speaker == "B Person"


def test_salutation_and_prose_are_never_taken_for_a_title() -> None:
    document = parse_text("Mr. President\n\nI congratulate you.\n", "x", "speeches/ABC_79_2024.txt")
    assert (document.title, document.heading) == ("ABC_79_2024", "")
    assert texts(document) == ["Mr. President", "I congratulate you."]


def test_ungdc_speech_without_heading_uses_the_file_name() -> None:
    document = parse_file(UNGDC / "session_69_2014" / "CHN_69_2014.txt")
    assert (document.doc_id, document.title, document.heading) == ("chn-69-2014", "CHN_69_2014", "")
    assert (document.date, document.speaker, document.venue) == (None, None, None)
    assert len(document.paragraphs) == 27  # 28 blank-line blocks, one of them the rest of a sentence a page cut


def test_a_title_naming_an_office_has_no_speaker() -> None:
    document = parse_text("Statement by the Permanent Representative of X at the Security Council\n\nWe agree.", "x")
    assert (document.speaker, document.venue) == (None, "Security Council")


def test_ungdc_speech_with_a_printed_heading() -> None:
    document = parse_file(UNGDC / "session_75_2020" / "KGZ_75_2020.txt")
    assert document.title == "Address by Mr. Sooronbai Zheenbekov, President of the Kyrgyz Republic"
    assert (document.speaker, document.date, document.venue) == ("Sooronbai Zheenbekov", "2020-09-23",
                                                                 "General Assembly")
    assert document.paragraph(1).text == "[Original: Russian]"


def test_resolution_heading_and_lettered_items() -> None:
    document = parse_file(RESOLUTIONS / "S_RES_0242_1967_EN_GOLD.txt")
    assert (document.title, document.date) == ("Resolution 242 (1967)", "1967-11-22")
    assert document.heading == "Resolution 242 (1967)\nof 22 November 1967"
    assert document.paragraph(1).text == "The Security Council,"
    assert any(t.startswith("(c) For guaranteeing") for t in texts(document))  # "(c)" is not a copyright sign
    assert sum(t.startswith("3. Requests") for t in texts(document)) == 1


# A running header of a printed record ("A/70/PV.15 28/09/2015", "18/54 15-29562"), and a lettered item.
_HEADER = re.compile(r"(?:[A-Z]{1,4}(?:/[A-Z0-9.\-]+)+|\d{1,2}/\d{1,2}/\d{2,4}|\d{1,4}/\d{1,4}|\d{2}-\d{5})"
                     r"(?:\s+(?:[A-Z]{1,4}(?:/[A-Z0-9.\-]+)+|\d{1,2}/\d{1,2}/\d{2,4}|\d{1,4}/\d{1,4}|\d{2}-\d{5}))*")
_ITEM = re.compile(r"[a-z]{1,4}[).]\s")


def test_every_ungdc_speech_parses_and_keeps_its_lines() -> None:
    """One paragraph per line, except running headers (dropped) and lines that open in lowercase (the
    rest of the paragraph before them); every other character is kept (markdown files lose their markup)."""
    with (UNGDC / "manifest.csv").open(encoding="utf-8") as handle:
        expected = {row["path"].split("/", 1)[1]: int(row["n_paragraphs"]) for row in csv.DictReader(handle)}
    mended = 0
    for path in sorted(UNGDC.glob("session_*/*.txt")):
        document = parse_file(path)
        relative = path.relative_to(UNGDC).as_posix()
        lines = [normalize_space(line) for line in path.read_text("utf-8").splitlines()]
        if detect_layout(lines) is Layout.WRAPPED:
            continue
        kept = [line for line in lines if line and not _HEADER.fullmatch(line)]
        joined: list[str] = []  # each line, or the lines that continue it
        for line in kept:
            if joined and line[0].islower() and not _ITEM.match(line):
                joined[-1] += " " + line
            else:
                joined.append(line)
        starts = [part for paragraph in joined for part in split_long(paragraph)]  # a paragraph too long is cut
        assert len([line for line in lines if line]) == expected[relative], relative
        assert len(document.paragraphs) + len(document.heading.splitlines()) == len(starts), relative
        if not any(line.startswith(("#", "---", "*")) for line in kept):  # markdown files lose their markup
            parsed = document.heading + "".join(p.text for p in document.paragraphs)
            assert "".join(parsed.split()) == "".join("".join(kept).split()), relative
        mended += len(kept) - len(starts)
    assert mended > 1000  # the archive's one-per-line files hold thousands of broken lines


def test_every_resolution_parses_with_a_date() -> None:
    documents = [parse_file(path) for path in sorted(RESOLUTIONS.glob("S_RES_*.txt"))]
    assert len(documents) == 902
    assert sum(d.date is not None for d in documents) >= 880  # a few have OCR slips such as "3f July"


# --- other formats ------------------------------------------------------------------------------


def test_html_page_keeps_the_article_and_drops_the_chrome() -> None:
    document = parse_file(FIXTURES / "mission-remarks.html")
    assert document.title == "Remarks by Ambassador Fu Cong at the UN Security Council Briefing on Peacekeeping"
    assert document.heading == f"{document.title}\n7 March 2024"
    assert (document.speaker, document.date, document.venue) == ("Fu Cong", "2024-03-07", "UN Security Council")
    assert texts(document) == [
        "Mr. President,",
        "I thank Under-Secretary-General Lacroix for his briefing. Peacekeeping remains a flagship enterprise "
        "of the United Nations.",
        "First, mandates should be clear and realistic.",
        "Second, troop contributors deserve support.",
        "Training for \u201cblue helmets\u201d should continue;",
        "Safety must come first.",
        "Thank you, Mr. President.",
    ]


def test_html_title_falls_back_to_the_title_element(tmp_path: Path) -> None:
    page = tmp_path / "page.htm"
    page.write_text("<html><head><title>Statement on Oceans</title></head><body><nav>Menu</nav>"
                    "<p>We must act.</p><p>Thank you.</p></body></html>", encoding="utf-8")
    document = parse_file(page)
    assert (document.title, document.heading) == ("Statement on Oceans", "Statement on Oceans")
    assert texts(document) == ["We must act.", "Thank you."]


def test_html_header_inside_an_article_is_the_documents_own(tmp_path: Path) -> None:
    page = tmp_path / "article.html"
    page.write_text("<body><header>Site banner</header><article><header><h1>Speech by Dr. C Person</h1>"
                    "<p>1 June 2022</p></header><p>Friends,</p><ul><li>One<li>Two</ul></article>"
                    "<footer>Share</footer></body>", encoding="utf-8")
    document = parse_file(page)
    assert (document.title, document.date, document.speaker) == ("Speech by Dr. C Person", "2022-06-01", "C Person")
    assert texts(document) == ["Friends,", "One", "Two"]


def test_markdown_heading_links_and_sections(tmp_path: Path) -> None:
    page = tmp_path / "Statement.md"
    page.write_text("# Statement by Ambassador D Person at the Human Rights Council\n\n*12 March 2021*\n\n"
                    "Madam President,\n\n## Our view\n\nWe back the [resolution](https://un.org/r).\n",
                    encoding="utf-8")
    document = parse_file(page)
    assert document.title == "Statement by Ambassador D Person at the Human Rights Council"
    assert (document.speaker, document.date, document.venue) == ("D Person", "2021-03-12", "Human Rights Council")
    assert texts(document) == ["Madam President,", "Our view", "We back the resolution."]


def test_pdf_with_a_text_layer(tmp_path: Path) -> None:
    path = tmp_path / "Dai_Bing.pdf"
    path.write_bytes(pdf_bytes(["Statement by Ms. Dai Bing at the General Assembly", "12 May 2024",
                                "Mr. President,", "We support the resolution (A/78/L.1).", "Thank you."]))
    document = parse_file(path)
    assert (document.doc_id, document.speaker, document.date) == ("dai-bing", "Dai Bing", "2024-05-12")
    assert texts(document) == ["Mr. President,", "We support the resolution (A/78/L.1).", "Thank you."]


def test_pdf_paragraph_gaps_separate_wrapped_paragraphs(tmp_path: Path) -> None:
    path = tmp_path / "wrapped.pdf"
    path.write_bytes(pdf_bytes(["This is the first paragraph which is", "wrapped over two lines.", "",
                                "The second paragraph is", "also wrapped here."]))
    assert texts(parse_file(path)) == ["This is the first paragraph which is wrapped over two lines.",
                                       "The second paragraph is also wrapped here."]


def test_pdf_without_a_text_layer_asks_for_ocr(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(pdf_bytes([]))
    with pytest.raises(SourceError, match="no text layer") as caught:
        parse_file(path)
    assert "OCR" in str(caught.value) and str(path) in str(caught.value)


def test_broken_pdf_is_a_source_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4 this is not really a pdf")
    with pytest.raises(SourceError, match="broken.pdf"):
        parse_file(path)


# --- files that cannot be used ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.docx", b"PK\x03\x04", r"unsupported file type '\.docx'.*\.txt, \.md"),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("latin1.txt", "caf\u00e9 au lait.".encode("latin-1"), "not valid UTF-8"),
        ("empty.txt", b"", "empty"),
        ("blank.md", b"  \n\n\t\n", "empty"),
        ("only-heading.txt", b"Remarks by Mr. E Person\n2023-01-01\n\nPrint\n", "no body text"),
    ],
)
def test_unusable_files_raise_source_error_naming_the_file(tmp_path: Path, name: str, content: bytes,
                                                           message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(SourceError, match=message) as caught:
        parse_file(path)
    assert str(path) in str(caught.value)


def test_missing_file_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="cannot be read"):
        parse_file(tmp_path / "gone.txt")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_byte_order_marks_and_crlf(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes("Mr. President,\r\nWe agree.\r\n".encode(encoding))
    assert texts(parse_file(path)) == ["Mr. President,", "We agree."]
    if encoding == "utf-16":
        assert path.read_bytes().startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))


@pytest.mark.parametrize(
    ("name", "slug"),
    [("CHN_69_2014", "chn-69-2014"), ("  Zhang Jun -- UNSC!! ", "zhang-jun-unsc"), ("S_RES_0242_1967_EN_GOLD",
     "s-res-0242-1967-en-gold"), ("\u4e2d\u6587", "document"), ("", "document")],
)
def test_slugify(name: str, slug: str) -> None:
    assert slugify(name) == slug


# --- folder walking -----------------------------------------------------------------------------


def test_folders_expand_sorted_recursive_supported_and_visible_only(tmp_path: Path) -> None:
    for relative in ["b.txt", "a.md", "sub/c.html", "sub/deeper/d.PDF", "notes.docx", ".hidden.txt",
                     ".git/e.txt", "sub/.cache/f.txt"]:
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text("x", encoding="utf-8")
    found = list(iter_source_files([tmp_path]))
    assert found == [tmp_path / "a.md", tmp_path / "b.txt", tmp_path / "sub" / "c.html",
                     tmp_path / "sub" / "deeper" / "d.PDF"]


def test_symlink_loops_and_duplicates_are_visited_once(tmp_path: Path) -> None:
    (tmp_path / "speeches").mkdir()
    (tmp_path / "speeches" / "one.txt").write_text("x", encoding="utf-8")
    os.symlink(tmp_path, tmp_path / "speeches" / "loop")
    os.symlink(tmp_path / "speeches" / "one.txt", tmp_path / "speeches" / "same.txt")
    os.symlink(tmp_path / "speeches" / "self.txt", tmp_path / "speeches" / "self.txt")  # points at itself
    found = list(iter_source_files([tmp_path, tmp_path / "speeches" / "one.txt"]))
    assert found == [tmp_path / "speeches" / "one.txt"]


def test_missing_and_unsupported_paths_are_yielded_as_errors(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("x", encoding="utf-8")
    (tmp_path / "slides.pptx").write_text("x", encoding="utf-8")
    found = list(iter_source_files([tmp_path / "missing", tmp_path / "slides.pptx", good]))
    assert isinstance(found[0], SourceError) and "missing" in str(found[0]) and "no such file" in str(found[0])
    assert isinstance(found[1], SourceError) and "slides.pptx" in str(found[1])
    assert found[2] == good


# --- properties ---------------------------------------------------------------------------------

_PIECES = list("abAB .,:\n\n\u00a0\u2002#>|-") + ["Mr.", "Print", "Home > ", "Remarks by ", "7 May 2020", "# "]
_TEXT = st.lists(st.sampled_from(_PIECES), max_size=80).map("".join)


@given(_TEXT)
def test_any_text_gives_numbered_paragraphs_or_a_source_error(text: str) -> None:
    try:
        document = parse_text(text, "doc")
    except SourceError as e:
        assert "doc" in str(e)
        return
    assert [p.number for p in document.paragraphs] == list(range(1, len(document.paragraphs) + 1))
    assert all(p.text and "\n" not in p.text and "\u00a0" not in p.text for p in document.paragraphs)
    assert document.title


@given(_TEXT)
def test_same_text_same_hash_wherever_it_was_read_from(text: str) -> None:
    try:
        first = parse_text(text, "doc", "a/speech.txt")
    except SourceError:
        return
    again = parse_text(text, "doc", "b/elsewhere/speech.txt")
    assert first.hash == again.hash
    assert first == parse_text(text, "doc", "a/speech.txt")
