"""The `speechqa` command line: ingest, ask, show, docs, chat (and the faces added beside it).

Only argparse is imported at start, so `speechqa --help` is instant; each command imports what it
needs. Settings come from the environment and flags here and are passed down as plain values.
`SpeechQAError`s are caught at this edge and printed as one line with exit code 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from index.errors import IndexMissingError, InputError, SpeechQAError
from ui.render import why_abstained

Handler = Callable[[argparse.Namespace], int]
EXTRA_COMMANDS: list[Callable[[Any], None]] = []  # other ui modules register their subcommands here


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--index-dir", type=Path, help="index folder (SPEECHQA_INDEX_DIR)")
    parser.add_argument("--chroma-url", help="use a Chroma server, e.g. http://127.0.0.1:8000 (SPEECHQA_CHROMA_URL)")


def settings_from(args: argparse.Namespace):
    from rag.settings import settings_from_env

    base = settings_from_env()
    return base.with_overrides(index_dir=getattr(args, "index_dir", None), chroma_url=getattr(args, "chroma_url", None),
                               top_k=getattr(args, "k", None), generator=getattr(args, "generator", None))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="speechqa", description="Ask questions of a speech; every claim cites "
                                     "its paragraph.")
    sub = parser.add_subparsers(dest="command", required=True)
    ingest = sub.add_parser("ingest", help="ingest files or folders (default: the bundled speech)")
    ingest.add_argument("paths", nargs="*", type=Path)
    ingest.add_argument("--rebuild", action="store_true", help="drop the index first (e.g. after changing model)")
    ingest.add_argument("--metadata", type=Path, metavar="FILE.csv",
                        help="a CSV naming files (e.g. an archive's manifest.csv); its other columns become metadata")
    _common(ingest)
    ingest.set_defaults(handler=cmd_ingest)
    ask = sub.add_parser("ask", help="answer a question with paragraph citations")
    ask.add_argument("question", nargs="?")
    ask.add_argument("--json", action="store_true", help="print the answer object as JSON")
    ask.add_argument("--history", type=Path, help="JSON file: [{\"role\": \"user\"|\"assistant\", \"content\"}]")
    ask.add_argument("--doc", action="append", dest="docs", help="scope to this doc_id (repeatable)")
    ask.add_argument("--where", action="append", metavar="KEY=VALUE",
                     help="scope to documents whose metadata matches, e.g. country=Kenya (repeatable)")
    ask.add_argument("--batch", type=Path, help="JSONL of {id, question, history?, doc?}; prints JSONL")
    ask.add_argument("--k", type=_positive, help="paragraphs to retrieve (SPEECHQA_TOP_K, default 5)")
    ask.add_argument("--generator", choices=["extractive", "llm"], help="answer generator (SPEECHQA_GENERATOR)")
    _common(ask)
    ask.set_defaults(handler=cmd_ask)
    show = sub.add_parser("show", help="print a paragraph: show DOC_ID N, or show N with one document")
    show.add_argument("target", nargs="+")
    _common(show)
    show.set_defaults(handler=cmd_show)
    docs = sub.add_parser("docs", help="list indexed documents and their metadata")
    docs.add_argument("--where", action="append", metavar="KEY=VALUE",
                      help="only documents whose metadata matches, e.g. year=2024 (repeatable)")
    _common(docs)
    docs.set_defaults(handler=cmd_docs)
    rm = sub.add_parser("rm", help="remove documents (their paragraphs and chunks) from the index")
    rm.add_argument("doc_ids", nargs="+", metavar="DOC_ID")
    _common(rm)
    rm.set_defaults(handler=cmd_rm)
    chat = sub.add_parser("chat", help="interactive chat in the terminal")
    chat.add_argument("--doc", action="append", dest="docs")
    _common(chat)
    chat.set_defaults(handler=cmd_chat)
    from ui.bench_cmd import register as register_bench  # `speechqa bench`
    from ui.eval_cmd import register as register_eval  # `speechqa eval ...`; heavy imports happen per command
    from ui.reliability_cmd import register as register_reliability  # `speechqa reliability`
    from ui.serve import register as register_serve  # the Gradio UI; imports only argparse-level modules

    for register in [register_serve, register_eval, register_reliability, register_bench, *EXTRA_COMMANDS]:
        register(sub)
    return parser


def _positive(raw: str) -> int:
    if not raw.isdigit() or int(raw) < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got '{raw}'")
    return int(raw)


def cmd_ingest(args: argparse.Namespace) -> int:
    from ui.ingest_view import run_ingest

    return run_ingest(settings_from(args), args.paths, args.rebuild, args.metadata)


def cmd_rm(args: argparse.Namespace) -> int:
    from ui.ingest_view import run_remove

    return run_remove(settings_from(args), args.doc_ids)


def _assistant(args: argparse.Namespace):
    from rag.assistant import build_assistant

    return build_assistant(settings_from(args))


def _read_history(path: Path | None) -> list[Any]:
    if path is None:
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise InputError(f"Cannot read history file {path}: {e}. It must be a JSON list of "
                         "{\"role\", \"content\"} objects") from e
    if not isinstance(data, list):
        raise InputError(f"History file {path} must hold a JSON list of {{\"role\", \"content\"}} objects")
    return data


def cmd_ask(args: argparse.Namespace) -> int:
    if args.batch:
        from ui.batch import run_batch

        return run_batch(_assistant(args), args.batch, sys.stdout)
    if args.question is None:
        raise InputError("Give a question: speechqa ask \"What does the statement say about Haiti?\"")
    history = _read_history(args.history)
    from rag.settings import validate_question

    validate_question(args.question)  # fail fast, before loading anything
    assistant = _assistant(args)
    check_docs(assistant.documents(), args.docs)
    answer = assistant.ask(args.question, history, args.docs, args.k, args.generator, where=args.where)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(format_answer(answer))
    return 0


def format_answer(answer: Any) -> str:
    lines = [f"Scope: {answer.scope.describe()}", ""] if getattr(answer, "scope", None) is not None else []
    lines.append(answer.answer)
    if answer.abstained and getattr(answer, "abstain_reason", None):
        lines.append(f"Why: {why_abstained(answer.abstain_reason)}")
    if answer.citations:
        lines.append("")
        for i, c in enumerate(answer.citations, start=1):
            lines.append(f"[{i}] {c.doc_id} ¶{c.paragraph}: {c.quote}")
    return "\n".join(lines)


def cmd_show(args: argparse.Namespace) -> int:
    from index.chroma import open_store

    settings = settings_from(args)
    store = open_store(settings.index_dir, settings.chroma_url, settings.chroma_timeout_s)
    doc_id, number = _show_target(args.target, [d.doc_id for d in store.documents()])
    document = store.get_document(doc_id)
    try:
        paragraph = document.paragraph(number)
    except KeyError:
        raise InputError(f"'{doc_id}' has paragraphs 1 to {len(document.paragraphs)}; got {number}") from None
    print(f"{document.title} — ¶{paragraph.number}\n\n{paragraph.text}")
    return 0


def _show_target(target: Sequence[str], known: list[str]) -> tuple[str, int]:
    if not known:
        raise InputError("Nothing is ingested yet. Run: speechqa ingest")
    if len(target) == 1 and len(known) > 1:
        raise InputError(f"Several documents are indexed; say which: speechqa show DOC_ID {target[0]}")
    doc_id, raw = (known[0], target[0]) if len(target) == 1 else (target[0], target[1])
    if len(target) > 2 or not raw.isdigit():
        raise InputError("Usage: speechqa show DOC_ID N (N a paragraph number, 0 for the heading)")
    return doc_id, int(raw)


def cmd_docs(args: argparse.Namespace) -> int:
    from index.chroma import open_store

    settings = settings_from(args)
    store = open_store(settings.index_dir, settings.chroma_url, settings.chroma_timeout_s)
    documents = store.documents()
    if not documents:
        print("No documents yet. Run: speechqa ingest")
        return 0
    if args.where:
        from rag.scope import Catalogue, parse_where

        catalogue, where = Catalogue(documents), parse_where(args.where)
        catalogue.check_fields(where)
        chosen = set(catalogue.resolve(where))
        documents = [d for d in documents if d.doc_id in chosen]
        if not documents:
            raise InputError(f"No document matches {' '.join(args.where)}; list them all with: speechqa docs")
    for d in documents:
        meta = "  ".join(f"{k}={v}" for k, v in d.metadata)
        print(f"{d.doc_id}\t{d.paragraphs} paragraphs\t{d.title}" + (f"\t{meta}" if meta else ""))
    if args.where:
        print(f"{len(documents)} of {len(store.documents())} documents match")
    return 0


def check_docs(known: Sequence[Any], wanted: Sequence[str] | None) -> None:
    """Refuse an unknown --doc before asking anything; the message names it and lists what is there."""
    ids = [d.doc_id for d in known]
    if not ids:
        raise IndexMissingError("Nothing is ingested yet. Run: speechqa ingest (the bundled speech) or "
                                "speechqa ingest PATH")
    for doc_id in wanted or []:
        if doc_id not in ids:
            raise IndexMissingError(f"Unknown document '{doc_id}'. Known: {', '.join(ids[:10])}; list them with: "
                                    "speechqa docs")


def cmd_chat(args: argparse.Namespace) -> int:
    assistant = _assistant(args)
    documents = assistant.documents()
    check_docs(documents, args.docs)
    titles = [d.title for d in documents if d.doc_id in (args.docs or [])] or [d.title for d in documents]
    history: list[dict[str, str]] = []
    subject = titles[0] if len(titles) == 1 else f"{len(titles)} documents"
    print(f"Ask about {subject} (empty line or Ctrl-D to quit).")
    for line in sys.stdin:
        question = line.strip()
        if not question:
            break
        try:
            answer = assistant.ask(question, history, args.docs)
        except SpeechQAError as e:
            print(f"error: {e}")
            continue
        print(format_answer(answer) + "\n")
        history += [{"role": "user", "content": question}, {"role": "assistant", "content": answer.answer}]
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except SpeechQAError as e:
        print(f"error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `speechqa ask ... | head -1`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error when Python flushes
        return 0
