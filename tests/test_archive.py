"""The archive: catalogue metadata at ingest, document scopes from filters and from names, answers across
statements. Real UN General Debate files and the archive's own manifest.csv; a real Chroma for the
ingest and answer tests (the `archive_index` fixture)."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from index.errors import InputError
from index.metadata import meta_value, read_catalogue
from index.store import DocumentInfo
from rag.scope import Catalogue, aliases, parse_where, value_matches
from tests.conftest import ARCHIVE, ARCHIVE_FILES

MANIFEST = ARCHIVE / "manifest.csv"


@pytest.fixture(scope="module")
def manifest_catalogue() -> Catalogue:
    """The scope catalogue of the whole archive, from its manifest (no index needed)."""
    rows = read_catalogue(MANIFEST)
    infos = [DocumentInfo(name[:-4].lower().replace("_", "-"), name, "h", 1, name, metadata=pairs)
             for name, pairs in rows.items()]
    return Catalogue(infos)


def test_the_archive_manifest_is_read_as_it_is() -> None:
    rows = read_catalogue(MANIFEST)
    assert len(rows) == 2132
    kenya = dict(rows["KEN_79_2024.txt"])
    assert kenya["country"] == "Kenya" and kenya["year"] == 2024 and kenya["session"] == 79
    assert kenya["speaker"] == "William Samoei Ruto" and "path" not in kenya


def test_the_file_column_is_found_by_its_values(tmp_path: Path) -> None:
    path = tmp_path / "catalogue.csv"
    path.write_text("name,region,code\nspeeches/a.txt,Africa,007\nb.md,Europe,12\n", encoding="utf-8")
    rows = read_catalogue(path)
    assert dict(rows["a.txt"]) == {"region": "Africa", "code": "007"}  # a leading zero stays text
    assert dict(rows["b.md"])["code"] == 12


@pytest.mark.parametrize("text, fragment", [
    ("country,year\nKenya,2024\n", "add a 'path' column"),
    ("path,title\na.txt,Other\n", "rename it"),
    ("path,year\na.txt,2023\nx/a.txt,2024\n", "second row for 'a.txt'"),
])
def test_a_bad_catalogue_says_what_to_fix(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=fragment):
        read_catalogue(path)


def test_cells_keep_the_types_chroma_filters_on() -> None:
    assert meta_value(" 2024 ") == 2024 and meta_value("0") == 0 and meta_value("2024-09-24") == "2024-09-24"


def test_short_forms_of_names_come_from_the_values() -> None:
    assert "brazil" in aliases("Federative Republic of Brazil")
    assert "iran" in aliases("Iran (Islamic Republic of)")
    assert {"william ruto", "ruto"} <= aliases("Mr. William Ruto", person=True)
    assert "guinea" not in aliases("Papua New Guinea")
    assert value_matches("brazil", "Federative Republic of Brazil") and not value_matches("Brazil", "Kenya")


def test_a_country_answers_to_its_everyday_and_official_names() -> None:
    assert {"russia", "russian federation"} <= aliases("Russian Federation")
    assert {"north korea", "dprk"} <= aliases("Democratic People's Republic of Korea")
    assert "north korea" not in aliases("Republic of Korea")
    assert {"united kingdom", "britain"} <= aliases("United Kingdom of Great Britain and Northern Ireland")
    assert value_matches("Syria", "Syrian Arab Republic") and not value_matches("Syria", "Lebanon")
    assert aliases("Mr. Vladimir Putin", person=True) == {"mr. vladimir putin", "vladimir putin", "putin"}


def test_a_question_is_scoped_by_the_country_and_year_it_names(manifest_catalogue: Catalogue) -> None:
    scope = manifest_catalogue.scope("What did Kenya say about climate finance in 2024?", None, ())
    assert scope is not None and scope.origin == "question"
    assert scope.doc_ids == ("ken-79-2024",)
    assert dict(scope.where) == {"country": ("Kenya",), "year": ("2024",)}


def test_every_form_of_a_country_name_is_in_scope(manifest_catalogue: Catalogue) -> None:
    """The manifest writes Brazil two ways; a question or a filter naming it gets all eleven statements."""
    by_name = manifest_catalogue.scope("What did Brazil say about the Amazon?", None, ())
    by_filter = manifest_catalogue.resolve(parse_where(["country=Brazil"]))
    assert by_name is not None and len(by_name.doc_ids) == 11 and set(by_name.doc_ids) == set(by_filter)


def test_a_second_country_named_later_is_the_topic(manifest_catalogue: Catalogue) -> None:
    scope = manifest_catalogue.scope("What did Kenya say about Somalia in 2023?", None, ())
    assert scope is not None and scope.doc_ids == ("ken-78-2023",)
    joined = manifest_catalogue.scope("How did Brazil speak of the Amazon in 2019 and in 2023?", None, ())
    assert joined is not None and joined.doc_ids == ("bra-74-2019", "bra-78-2023")


def test_the_subject_of_the_question_sets_the_scope_not_the_first_name(manifest_catalogue: Catalogue) -> None:
    scope = manifest_catalogue.scope("What mission to Haiti did Kenya offer to lead in 2024?", None, ())
    assert scope is not None and scope.doc_ids == ("ken-79-2024",)


def test_the_longest_name_wins(manifest_catalogue: Catalogue) -> None:
    scope = manifest_catalogue.scope("What did Papua New Guinea say in 2024?", None, ())
    assert scope is not None and scope.doc_ids == ("png-79-2024",)


def test_a_speaker_is_named_by_surname(manifest_catalogue: Catalogue) -> None:
    scope = manifest_catalogue.scope("What did Ruto say about Haiti in 2023?", None, ())
    assert scope is not None and scope.doc_ids == ("ken-78-2023",)


def test_a_year_outside_the_index_is_no_match_not_everything(manifest_catalogue: Catalogue) -> None:
    scope = manifest_catalogue.scope("What did Kenya say in 2031?", None, ())
    assert scope is not None and scope.empty and ("year", "2031") in scope.missing


def test_filters_combine_with_names_and_are_checked(manifest_catalogue: Catalogue) -> None:
    scope = manifest_catalogue.scope("What was said about debt in 2024?", None, parse_where(["country=Kenya"]))
    assert scope is not None and scope.origin == "filter+question" and scope.doc_ids == ("ken-79-2024",)
    with pytest.raises(InputError, match="Fields: .*country"):
        manifest_catalogue.scope("anything", None, parse_where(["continent=Africa"]))
    with pytest.raises(InputError, match="key=value"):
        parse_where(["Kenya"])


def test_a_demonym_names_the_country_and_leaves_the_question_for_the_checks(manifest_catalogue: Catalogue) -> None:
    scope = manifest_catalogue.scope("What did the Kenyan President say about Haiti in 2023?", None, ())
    assert scope is not None and scope.doc_ids == ("ken-78-2023",)
    assert dict(scope.where) == {"country": ("Kenya",), "year": ("2023",)}
    assert manifest_catalogue.unnamed("What did the Kenyan President say about Haiti?") == (
        "What did the President say about Haiti?")  # "the President" is the statement's speaker
    topic = manifest_catalogue.scope("What did Kenya say about Somali refugees in 2023?", None, ())
    assert topic is not None and topic.doc_ids == ("ken-78-2023",)  # a later demonym is the topic


def test_without_a_manifest_the_country_comes_from_the_text() -> None:
    """Statements ingested without metadata are scoped by the country their text speaks for."""
    from index.corpus import BUNDLED_SPEECH
    from index.metadata import record_metadata
    from index.parse import parse_file

    files = [BUNDLED_SPEECH, ARCHIVE / "session_78_2023" / "KEN_78_2023.txt"]
    documents = [parse_file(f) for f in files]
    infos = [DocumentInfo(d.doc_id, d.title, d.hash, len(d.paragraphs), str(f),
                          metadata=tuple(sorted(record_metadata(d).items())))
             for d, f in zip(documents, files, strict=True)]
    catalogue = Catalogue(infos)
    assert [dict(i.metadata).get("country") for i in infos] == ["China", "Kenya"]
    scope = catalogue.scope("What did the Chinese ambassador say about Haiti?", None, ())
    assert scope is not None and scope.doc_ids == (documents[0].doc_id,)


def test_nothing_named_means_no_scope(manifest_catalogue: Catalogue) -> None:
    assert manifest_catalogue.scope("Who called for reform of the Security Council?", None, ()) is None


# ---- a real index of six statements ingested with the manifest ----------------------------------------------


def test_ingested_documents_carry_catalogue_metadata(archive_index: Path) -> None:
    from index.chroma import open_store

    docs = {d.doc_id: d for d in open_store(archive_index).documents()}
    assert set(docs) == {Path(f).stem.lower().replace("_", "-") for f in ARCHIVE_FILES}
    assert docs["tuv-79-2024"].meta["country"] == "Tuvalu" and docs["tuv-79-2024"].meta["year"] == 2024


def test_changed_metadata_updates_the_record_without_embedding_again(archive_index: Path, embedder,
                                                                     tmp_path: Path) -> None:
    from index.chroma import open_store
    from index.ingest import Ingestor, Status

    index_dir = tmp_path / "index"
    shutil.copytree(archive_index, index_dir)
    source = ARCHIVE / ARCHIVE_FILES[4]
    again = Ingestor(open_store(index_dir), embedder, catalogue=read_catalogue(MANIFEST)).ingest_paths([source])
    assert again[0].status is Status.UNCHANGED
    catalogue = tmp_path / "catalogue.csv"
    with catalogue.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["path", "country", "region"], [source.name, "Tuvalu", "Pacific"]])
    store = open_store(index_dir)
    changed = Ingestor(store, embedder, catalogue=read_catalogue(catalogue)).ingest_paths([source])
    assert changed[0].status is Status.UPDATED and changed[0].embedded == 0
    assert {d.doc_id: d.meta for d in store.documents()}["tuv-79-2024"]["region"] == "Pacific"


def test_a_named_country_and_year_confine_the_citations(archive_assistant) -> None:
    answer = archive_assistant.ask("What did Kenya say about Haiti in 2023?")
    assert answer.scope is not None and answer.scope.doc_ids == ("ken-78-2023",)
    assert answer.citations and {c.doc_id for c in answer.citations} == {"ken-78-2023"}
    assert answer.to_dict()["scope"] == {"where": {"country": ["Kenya"], "year": ["2023"]}, "from": "question",
                                         "documents": 1}


def test_a_filter_confines_retrieval_bm25_and_citations(archive_assistant) -> None:
    answer = archive_assistant.ask("What is said about sea-level rise?", where=["year=2023"])
    assert answer.scope is not None and set(answer.scope.doc_ids) == {"ken-78-2023", "bra-78-2023"}
    assert all(doc_id.endswith("2023") for doc_id, _, _ in answer.retrieved)


def test_no_matching_statement_is_a_clear_message(archive_assistant) -> None:
    answer = archive_assistant.ask("What did the statement say about oceans?", where={"country": "Tuvalu",
                                                                                      "year": 2023})
    assert answer.abstained and answer.abstain_reason == "scope_empty" and not answer.citations
    assert "No indexed statement matches country=Tuvalu, year=2023" in answer.answer


def test_which_countries_gives_one_labelled_sentence_per_statement(archive_assistant) -> None:
    answer = archive_assistant.ask("Which countries spoke about climate change in 2024?")
    docs = [c.doc_id for c in answer.citations]
    assert not answer.abstained and len(docs) >= 2 and len(docs) == len(set(docs))
    assert all(d.endswith("2024") for d in docs)
    for number, (line, citation) in enumerate(zip(answer.answer.split("\n"), answer.citations, strict=True), 1):
        country = archive_assistant.catalogue().meta[citation.doc_id]["country"]
        assert line.startswith(f"{country} (2024): ") and line.endswith(f"[{number}]")
        assert citation.doc_title.startswith(f"{country} (2024)") and citation.quote[:40] in citation.text


def test_a_comparison_over_years_goes_in_date_order(archive_assistant) -> None:
    answer = archive_assistant.ask("How did Brazil speak of the Amazon in 2024 and in 2023?")
    assert [c.doc_id for c in answer.citations] == ["bra-78-2023", "bra-79-2024"]
    assert answer.answer.startswith("Brazil (2023): ")


def test_the_cli_lists_filters_and_shows_the_scope(archive_index: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from ui.cli import main

    assert main(["docs", "--index-dir", str(archive_index), "--where", "country=Kenya"]) == 0
    listed = capsys.readouterr().out
    assert "ken-78-2023" in listed and "ken-79-2024" in listed and "bra-" not in listed
    assert "2 of 6 documents match" in listed
    assert main(["ask", "--index-dir", str(archive_index), "--where", "country=Japan", "--json",
                 "What is said about nuclear disarmament?"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["scope"]["where"] == {"country": ["Japan"]} and answer["scope"]["from"] == "filter"
    assert {c["doc_id"] for c in answer["citations"]} == {"jpn-79-2024"}
    assert main(["ask", "--index-dir", str(archive_index), "What did Japan say about nuclear weapons?"]) == 0
    assert capsys.readouterr().out.startswith("Scope: country=Japan (1 statement)")


def test_passages_through_the_float_encoder_match_sentence_transformers(embedder) -> None:
    import numpy as np

    from index.chunk import chunk_document
    from index.fast_embed import passage_embedder
    from index.parse import parse_file

    texts = [c.text for c in chunk_document(parse_file(ARCHIVE / ARCHIVE_FILES[1]))]
    fast = passage_embedder(embedder.name, "float")  # int8: tests/test_passage_encoder.py
    assert type(fast).__name__ == "BertEmbedder"
    cosine = (embedder.embed(texts, batch_size=16) * fast.embed(texts, batch_size=16)).sum(axis=1)
    assert float(np.min(cosine)) > 0.999


def test_the_ask_api_takes_a_where_filter(archive_index: Path) -> None:
    from rag.library import build_library
    from rag.settings import Settings
    from ui.app import Handlers

    library = build_library(Settings(index_dir=archive_index))
    got = Handlers(lambda: library).api_ask("What is said about nuclear weapons?", None, None, {"country": "Japan"})
    assert got["scope"] == {"where": {"country": ["Japan"]}, "from": "filter", "documents": 1}
    assert got["citations"] and {c["doc_id"] for c in got["citations"]} == {"jpn-79-2024"}


def test_the_fields_a_question_may_name_are_a_setting(manifest_catalogue: Catalogue) -> None:
    from rag.scope import ScopePolicy
    from rag.settings import settings_from_env

    fields = settings_from_env({"SPEECHQA_SCOPE_FIELDS": "year"}).scope_fields
    assert fields == ("year",)
    years_only = Catalogue([DocumentInfo(d, d, "h", 1, d, metadata=tuple(sorted(m.items())))
                            for d, m in manifest_catalogue.meta.items()], ScopePolicy(named_fields=fields))
    scope = years_only.scope("What did Kenya say in 2024?", None, ())
    assert scope is not None and dict(scope.where) == {"year": ("2024",)} and len(scope.doc_ids) == 192
    with pytest.raises(InputError, match="SPEECHQA_SCOPE_FIELDS"):
        settings_from_env({"SPEECHQA_SCOPE_FIELDS": "country; year"})


def test_the_chat_takes_a_filter_and_shows_the_scope(archive_index: Path) -> None:
    from rag.library import build_library
    from rag.settings import Settings
    from ui.app import Handlers

    library = build_library(Settings(index_dir=archive_index))
    *_, (_chat, exchanges, sources, *_rest) = Handlers(lambda: library).respond(
        "What is said about nuclear weapons?", (), None, "extractive", 5, "country=Japan, year=2024")
    answer = exchanges[-1].answer
    assert answer.scope is not None and answer.scope.doc_ids == ("jpn-79-2024",)
    assert "Scope: country=Japan, year=2024 (1 statement)" in sources


def test_a_long_ingest_into_a_log_reports_progress(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from ui.ingest_view import LOG_EVERY, _progress_lines

    for i in range(LOG_EVERY + 10):
        (tmp_path / f"s{i}.txt").write_text("A paragraph.\n", encoding="utf-8")
    tick = _progress_lines([tmp_path])
    assert tick is not None and _progress_lines([tmp_path / "s1.txt"]) is None  # a short run needs no lines
    for _ in range(LOG_EVERY + 10):
        tick(None)
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(" files")[0] for line in lines] == [f"ingested {LOG_EVERY}/60", "ingested 60/60"]
    assert "min left" in lines[0]


def test_a_country_named_in_a_question_asked_of_chosen_documents_that_have_none_is_a_topic() -> None:
    statement = DocumentInfo("zaf-69-2014", "ZAF", "h", 1, "zaf", metadata=(("country", "South Africa"),))
    resolution = DocumentInfo("s-res-0182", "S/RES/182", "h", 1, "res", metadata=(("date", "1963-12-04"),))
    catalogue = Catalogue([statement, resolution])
    question = "What does the resolution ask South Africa to do?"
    assert catalogue.scope(question, ["s-res-0182"], ()) is None  # the resolution is about South Africa
    across = catalogue.scope(question, None, ())  # asked of everything, the name confines it to the statement
    assert across is not None and across.doc_ids == ("zaf-69-2014",)
    filtered = catalogue.scope(question, ["s-res-0182"], parse_where(["country=South Africa"]))
    assert filtered is not None and filtered.empty  # a filter the user set still confines, and says so
