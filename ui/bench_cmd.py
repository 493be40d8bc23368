"""`speechqa bench`: SpeechQA against the LangChain tutorial pipeline, printed as a table and written as JSON.

`ui.cli.build_parser` calls `register`; the measuring lives in `evals.bench`, imported by the handler.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import tempfile
from pathlib import Path
from typing import Any

DEFAULT_OUT = Path("bench-results.json")


def register(sub: Any) -> None:
    bench = sub.add_parser("bench", help="benchmark against the LangChain tutorial pipeline (table + JSON)")
    bench.add_argument("--quick", action="store_true", help="a fast smoke run: the speech only, one run of each")
    bench.add_argument("--sizes", type=_sizes, help="index sizes for query latency, comma separated: "
                       "speech,session,corpus (default speech,session)")
    bench.add_argument("--ingest-docs", type=int, help="UN statements for the ingestion throughput run (default 20)")
    bench.add_argument("--max-real-chunks", type=int, help="bigger indexes get synthetic vectors (default 2000)")
    bench.add_argument("--no-serve", action="store_true", help="skip the peak memory of speechqa serve")
    bench.add_argument("--work-dir", type=Path, help="where the benchmark indexes go (default: a temporary folder)")
    bench.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"JSON results file (default {DEFAULT_OUT})")
    bench.add_argument("--archive-index", type=Path, metavar="DIR", help="measure only serving at archive size: warm "
                       "answers and serve memory on this index (built as docs/ARCHIVE.md shows) against the speech")
    bench.set_defaults(handler=cmd_bench)


def _sizes(raw: str) -> tuple[str, ...]:
    from evals.bench import SIZES

    sizes = tuple(s.strip() for s in raw.split(",") if s.strip())
    unknown = [s for s in sizes if s not in SIZES]
    if not sizes or unknown:
        raise argparse.ArgumentTypeError(f"sizes are {', '.join(SIZES)}; got '{raw}'")
    return sizes


def _config(args: argparse.Namespace, work_dir: Path):
    from dataclasses import replace

    from evals.bench import BenchConfig

    config = BenchConfig.quick_config(work_dir) if args.quick else BenchConfig(work_dir)
    changes = {"sizes": args.sizes, "ingest_docs": args.ingest_docs, "max_real_chunks": args.max_real_chunks,
               "serve": False if args.no_serve else None}
    return replace(config, **{k: v for k, v in changes.items() if v is not None})


def cmd_bench(args: argparse.Namespace) -> int:
    from evals.bench import run_bench, table, write_json

    if args.archive_index is not None:
        return _archive(args)
    with tempfile.TemporaryDirectory(prefix="speechqa-bench-") as tmp:
        config = _config(args, args.work_dir or Path(tmp))
        results = run_bench(config, progress=lambda step: print(f"... {step}", file=sys.stderr, flush=True))
    results["command"] = shlex.join(["speechqa", *sys.argv[1:]]) if sys.argv[1:2] == ["bench"] else "speechqa bench"
    write_json(results, args.out)
    print(table(results))
    print(f"\nJSON written to {args.out}")
    return 0


def _archive(args: argparse.Namespace) -> int:
    from evals.archive import DEFAULT_GOLD
    from evals.bench import write_json
    from evals.bench_archive import archive_questions, archive_table, run_archive_bench
    from index.errors import InputError

    if not (args.archive_index / "chroma").is_dir():
        raise InputError(f"{args.archive_index} holds no index; build it first (docs/ARCHIVE.md)")
    with tempfile.TemporaryDirectory(prefix="speechqa-bench-") as tmp:
        results = run_archive_bench(args.archive_index, args.work_dir or Path(tmp), archive_questions(DEFAULT_GOLD),
                                    rounds=1 if args.quick else 2, serve=not args.no_serve)
    results["command"] = shlex.join(["speechqa", *sys.argv[1:]]) if sys.argv[1:2] == ["bench"] else "speechqa bench"
    write_json(results, args.out)
    print(archive_table(results))
    print(f"\nJSON written to {args.out}")
    return 0
