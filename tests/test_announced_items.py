"""A paragraph that announces a list ends nothing: the answer brings the items that follow it."""

from __future__ import annotations

from index.parse import parse_text
from rag.extractive import ExtractiveGenerator
from rag.question import analyse
from rag.retrieve import ParagraphHit

TEXT = ("1. Condemns the occupation of the Territory by the administering Power;\n"
        "2. Demands again that the administering Power, pending the transfer of power:\n"
        "(a) Comply fully with the provisions of the Universal Declaration of Human Rights;\n"
        "(b) Release all political prisoners held in the Territory;\n"
        "3. Decides to remain seized of the matter.\n")


def test_an_answer_ending_at_a_colon_brings_the_lettered_items_after_it() -> None:
    document = parse_text(TEXT, "res")
    announcing = document.paragraphs[1]
    assert announcing.text.endswith(":")
    hits = [ParagraphHit("res", announcing.number, announcing.text, 0.9, 0.8, 0.6)]
    draft = ExtractiveGenerator().generate(analyse("What does paragraph 2 demand pending the transfer of power?"),
                                           hits, lambda doc_id: document)
    cited = [c.paragraph for c in draft.citations]
    assert cited == [announcing.number, announcing.number + 1, announcing.number + 2]  # not "3. Decides"
    assert "Release all political prisoners" in draft.answer
    assert draft.answer.index("(a) Comply") < draft.answer.index("(b) Release")


def test_a_paragraph_that_does_not_announce_a_list_brings_nothing_after_it() -> None:
    document = parse_text(TEXT, "res")
    first = document.paragraphs[0]
    hits = [ParagraphHit("res", first.number, first.text, 0.9, 0.8, 0.6)]
    draft = ExtractiveGenerator().generate(analyse("What does the Council condemn?"), hits, lambda doc_id: document)
    assert [c.paragraph for c in draft.citations] == [first.number]


def test_a_list_takes_every_paragraph_holding_the_word_it_is_about() -> None:
    text = ("The Security Council, recalling its resolutions on the Territory and the Security Council's decisions,\n"
            "Noting the report of the Security Council mission to the Territory,\n"
            "1. Condemns the continued illegal occupation of the Territory;\n"
            "2. Further condemns the military build-up in the Territory;\n"
            "3. Welcomes the statement of the Security Council resolution committee on the Territory;\n"
            "4. Condemns the failure to comply with Security Council resolution 366 and its decisions;\n")
    document = parse_text(text, "res")
    # retrieval ranks the paragraph full of the question's common words ("Security Council") far first
    strength = {3: (0.95, 0.4), 4: (0.93, 0.4), 5: (1.0, 0.6), 6: (0.94, 0.4)}  # by our numbering
    hits = [ParagraphHit("res", p.number, p.text, *strength[p.number], 0.4) for p in document.paragraphs
            if p.number in strength]
    draft = ExtractiveGenerator().generate(analyse("Enumerate everything the Security Council condemns."), hits,
                                           lambda doc_id: document)
    cited = {c.paragraph for c in draft.citations}
    condemning = {p.number for p in document.paragraphs if "ondemns" in p.text}
    assert condemning <= cited
