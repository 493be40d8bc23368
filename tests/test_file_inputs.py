"""Bad files in a folder fail alone, each with a message naming it; good files and the index survive."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from index.chroma import open_store
from index.ingest import Ingestor, Status
from rag.assistant import build_assistant
from rag.settings import Settings

SPEECH = "zhang-jun-unsc-transnational-organized-crime-2023-12-07"
GOOD = "Statement on water.\n\nWater security matters for every nation and every river basin.\n\n" \
       "We call for cooperation on shared rivers and aquifers across borders.\n"


def _textless_pdf(path: Path) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    with path.open("wb") as f:
        writer.write(f)


def _bad_folder(root: Path) -> dict[str, Path]:
    folder = root / "inbox"
    (folder / "loop").mkdir(parents=True)
    (folder / "loop" / "again").symlink_to(folder / "loop", target_is_directory=True)
    files = {
        "empty": folder / "empty.txt", "binary": folder / "binary.txt", "docx": folder / "letter.docx",
        "undecodable": folder / "latin.txt", "deep": folder / "deep.html", "pdf": folder / "scan.pdf",
        "good": folder / "water.txt", "twin": folder / "water-copy.txt",
    }
    files["empty"].write_bytes(b"")
    files["binary"].write_bytes(bytes(range(256)) * 40)
    files["docx"].write_bytes(b"PK\x03\x04 not really a docx")
    files["undecodable"].write_bytes("Caf\u00e9 and na\u00efve r\u00e9sum\u00e9 text.\n".encode("latin-1"))
    files["deep"].write_text("<div>" * 10_000 + "Deep text about rivers." + "</div>" * 10_000, encoding="utf-8")
    _textless_pdf(files["pdf"])
    files["good"].write_text(GOOD, encoding="utf-8")
    files["twin"].write_text(GOOD, encoding="utf-8")
    return files


@pytest.fixture()
def index_copy(speech_index: Path, tmp_path: Path) -> Path:
    target = tmp_path / "index"
    shutil.copytree(speech_index, target)
    return target


def test_each_bad_file_fails_alone_and_nothing_is_lost(index_copy: Path, tmp_path: Path, embedder) -> None:
    files = _bad_folder(tmp_path)
    ingestor = Ingestor(open_store(index_copy), embedder)
    results = ingestor.ingest_paths([files["docx"].parent, files["docx"]])
    by_source = {Path(r.source).name: r for r in results}
    for name in ("empty.txt", "binary.txt", "latin.txt", "scan.pdf", "letter.docx"):
        failed = [r for r in results if r.status == Status.FAILED and name in r.message]
        assert failed, f"{name} did not fail with a message naming it"
    twins = sorted([by_source["water.txt"].status, by_source["water-copy.txt"].status])
    assert twins == sorted([Status.ADDED, Status.DUPLICATE])
    good = next(r.doc_id for r in results if r.status == Status.ADDED and "water" in r.doc_id)
    deep = by_source["deep.html"]
    assert deep.status == Status.ADDED or "deep.html" in deep.message
    assistant = build_assistant(Settings(index_dir=index_copy))
    assert {SPEECH, good} <= {d.doc_id for d in assistant.documents()}
    haiti = assistant.ask("What does it say about Haiti?")
    assert haiti.citations and haiti.citations[0].doc_id == SPEECH
    water = assistant.ask("What about water security and shared rivers?", doc_ids=[good])
    assert water.citations and water.citations[0].doc_id == good
