"""`speechqa eval run|sweep|gate|baseline|policyqa`: the evaluation harness on the command line.

`ui.cli.build_parser` calls `register` beside the other faces. Everything heavy is imported inside the handlers,
so `speechqa --help` stays instant. Runs use their own index (a temporary one unless --index-dir is
given), never the user's SPEECHQA_INDEX_DIR, so an evaluation cannot disturb or be disturbed by it.
The gate and the baseline use the default settings, not the environment, so CI compares like with like.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from ui import cli

DEFAULT_OUT = Path("eval-report")


def _progress(label: str):
    def report(done: int, total: int) -> None:
        if done == total or done % 100 == 0 or sys.stderr.isatty():
            end = "\n" if done == total else ""
            print(f"\r{label}: {done}/{total}", end=end, file=sys.stderr, flush=True)

    return report


def _command(args: argparse.Namespace) -> str:
    """The command line that reproduces this run (for the reports)."""
    parts = ["speechqa", "eval", args.eval_command]
    for key, value in sorted(vars(args).items()):
        if key in ("command", "eval_command", "handler") or value in (None, False, []):
            continue
        values = value if isinstance(value, list) else [value]
        flag = "--" + key.replace("_", "-")
        parts += [flag] if value is True else [item for v in values for item in (flag, str(v))]
    return " ".join(parts)


def _items(args: argparse.Namespace):
    from evals.dataset import load_gold

    if args.dataset.is_dir():
        return _collection(args).items
    return load_gold(args.dataset)


def _collection(args: argparse.Namespace):
    from evals.collection import load_collection

    return load_collection(args.dataset, getattr(args, "split", "all"))


def _sources(args: argparse.Namespace) -> list[Path]:
    """--docs, else the bundled speech unless an existing --index-dir is to be used as it is."""
    from index.corpus import BUNDLED_SPEECH

    if args.docs:
        return list(args.docs)
    if args.dataset.is_dir():
        return list(_collection(args).sources)
    return [] if getattr(args, "index_dir", None) else [BUNDLED_SPEECH]


def _print_headline(summary: dict[str, Any], paths: dict[str, Path]) -> None:
    from evals.summary import HEADLINE

    metrics = summary["metrics"]
    print(f"{summary['items']} items, {summary['passed']} passed every check ({summary['config_name']})")
    for name in HEADLINE:
        m = metrics[name]
        print(f"  {name:24s} {m['mean']:.3f}  [{m['low']:.3f}, {m['high']:.3f}]  n={m['n']}")
    print(f"  latency total p50/p95    {summary['latency_ms']['total']['p50']:.1f} / "
          f"{summary['latency_ms']['total']['p95']:.1f} ms")
    if "generation" in summary:
        g = summary["generation"]
        print(f"  LLM: {g['sentences_shown']} sentences shown, {g['sentences_removed']} removed by verification, "
              f"{g['abstentions']} abstentions, {g['at_deadline']} answers at the deadline "
              f"({g['fell_back']} fell back to the extractive answer); {g['shown_unsupported_strict']} shown "
              "sentences fail the strict 80% check against their quote")
    print(f"reports: {paths['report.html'].parent}/ ({', '.join(paths)})")


def cmd_run(args: argparse.Namespace) -> int:
    from evals.report import write_reports
    from evals.run import parse_config, run_gold
    from rag.settings import settings_from_env

    config = parse_config(args.config or "")
    if args.dataset.is_dir():
        from evals.conversations import is_conversation_folder

        if is_conversation_folder(args.dataset):
            return _run_conversations(args, config)
    run = {"dataset": str(args.dataset), "command": _command(args)}
    from evals.policyqa import sample

    settings = settings_from_env().with_overrides(generator=args.generator)
    items = sample(_items(args), args.limit)
    evaluation = run_gold(items, config, settings, run, _sources(args), args.index_dir, _progress("eval"))
    summary = evaluation.summary
    if args.dataset.is_dir():
        from evals.summary import by_document

        summary = {**summary, "documents": by_document(evaluation.scores, _collection(args).splits)}
        _print_documents(summary["documents"])
    _print_headline(summary, write_reports(args.out, evaluation.records, summary))
    return 0


def _run_conversations(args: argparse.Namespace, config: Any) -> int:
    from evals.conversations import run_conversation_set, turn_record
    from rag.settings import settings_from_env

    results, summary = run_conversation_set(args.dataset, args.split, config, settings_from_env(), args.index_dir,
                                            _progress("conversations"))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "turns.jsonl").write_text("".join(json.dumps(turn_record(r)) + "\n" for r in results),
                                          encoding="utf-8")
    summary = {"dataset": str(args.dataset), "split": args.split, "command": _command(args), **summary}
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(f"{summary['turns']} turns in {summary['conversations']} conversations ({args.split})")
    for kind, row in summary["kinds"].items():
        cells = "  ".join(f"{k}={v:.3f}" for k, v in row.items() if k != "n" and v is not None)
        print(f"  {kind:15s} n={row['n']:3d}  {cells}")
    print(f"  self-contained turns decided as when asked fresh: {summary['self_contained_as_fresh']} "
          f"(n={summary['self_contained_checked']})")
    print(f"  follow-up turns: first citation {summary['follow_up_first_citation']}, "
          f"key facts {summary['follow_up_key_facts']}")
    print(f"  reading problems over {summary['answers']} answers: {summary['reading_problems'] or 'none'}")
    print(f"reports: {args.out}/ (turns.jsonl, summary.json)")
    return 0


def _print_documents(table: dict[str, dict[str, Any]]) -> None:
    from evals.summary import DOCUMENT_METRICS

    print(f"{'document':28s} {'split':6s} {'n':>3s} " + " ".join(f"{m[:12]:>12s}" for m in DOCUMENT_METRICS))
    for doc, row in table.items():
        cells = " ".join(f"{row[m]:12.3f}" if row[m] is not None else f"{'-':>12s}" for m in DOCUMENT_METRICS)
        print(f"{doc[:28]:28s} {row['split']:6s} {row['n']:3d} {cells}")


def cmd_sweep(args: argparse.Namespace) -> int:
    from evals.plots import sweep_chart, threshold_chart
    from evals.run import RunConfig, parse_config
    from evals.sweep import DEFAULT_GRID, Workbench, run_sweep, sweep_table, threshold_rows, threshold_table
    from rag.settings import settings_from_env

    configs = [parse_config(c) for c in args.config] if args.config else list(DEFAULT_GRID)
    items, run = _items(args), {"dataset": str(args.dataset), "command": _command(args)}
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="speechqa-sweep-") as tmp:
        bench = Workbench(Path(tmp), settings_from_env(), _sources(args))
        rows = run_sweep(items, configs, bench, run, _progress("sweep"))
        _write(out, "sweep", sweep_table(rows), rows)
        sweep_chart(rows, out / "sweep.png")
        if args.thresholds:
            values = [_threshold(v) for v in args.thresholds.split(",") if v.strip()]
            trade = threshold_rows(items, bench, RunConfig(), values, run)
            _write(out, "thresholds", threshold_table(trade), trade)
            threshold_chart(trade, out / "thresholds.png")
    print(f"written: {out}/sweep.md, sweep.json, sweep.png" + (", thresholds.*" if args.thresholds else ""))
    return 0


def _write(out: Path, stem: str, table: str, rows: Any) -> None:
    (out / f"{stem}.md").write_text(table, encoding="utf-8")
    (out / f"{stem}.json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    print(table)


def _threshold(raw: str) -> float:
    from evals.run import parse_config

    value = parse_config(f"abstain={raw.strip()}").abstain_threshold
    assert value is not None  # parse_config sets it or raises
    return value


def _bundled_summary(args: argparse.Namespace) -> dict[str, Any]:
    """The bundled gold set on the default configuration and default settings (what the gate compares)."""
    from evals.dataset import load_gold
    from evals.report import write_reports
    from evals.run import RunConfig, run_gold
    from index.corpus import BUNDLED_SPEECH
    from rag.settings import Settings

    dataset = Path(__file__).resolve().parents[1] / "evals" / "data" / "speech_gold.jsonl"
    run = {"dataset": "evals/data/speech_gold.jsonl", "command": _command(args)}
    evaluation = run_gold(load_gold(dataset), RunConfig(), Settings(), run, [BUNDLED_SPEECH],
                          progress=_progress(args.eval_command))
    if getattr(args, "out", None):
        write_reports(args.out, evaluation.records, evaluation.summary)
    return evaluation.summary


GATED_COLLECTIONS = ("unseen",)  # evals/data/<name>/: pooled over all its documents, both halves


def _collection_summary(args: argparse.Namespace, name: str) -> dict[str, Any]:
    """A gold collection, pooled, on the default configuration and settings."""
    from evals.collection import load_collection
    from evals.run import RunConfig, run_gold
    from rag.settings import Settings

    folder = Path(__file__).resolve().parents[1] / "evals" / "data" / name
    collection = load_collection(folder)
    run = {"dataset": f"evals/data/{name}", "command": _command(args)}
    return run_gold(collection.items, RunConfig(), Settings(), run, collection.sources,
                    progress=_progress(f"{args.eval_command} {name}")).summary


def cmd_gate(args: argparse.Namespace) -> int:
    from evals.gate import compare, gate_report, read_baseline

    baseline = read_baseline(args.baseline)
    checks = compare(_bundled_summary(args), baseline, args.tolerance)
    print(gate_report(checks))
    for name in GATED_COLLECTIONS:
        saved = baseline.get("collections", {}).get(name)
        if saved is None:
            print(f"gate: no baseline for evals/data/{name}; create it with: speechqa eval baseline")
            return 1
        more = compare(_collection_summary(args, name), saved, args.tolerance)
        print(f"evals/data/{name} (pooled): " + gate_report(more))
        checks += more
    return 0 if all(c.ok for c in checks) else 1


def cmd_baseline(args: argparse.Namespace) -> int:
    from evals.gate import write_baseline

    collections = {name: _collection_summary(args, name) for name in GATED_COLLECTIONS}
    path = write_baseline(_bundled_summary(args), args.baseline, collections)
    print(f"baseline written: {path} (commit it)")
    return 0


def cmd_policyqa(args: argparse.Namespace) -> int:
    from evals.benchmark import key_table, policyqa_path, run_policyqa
    from evals.report import write_reports
    from evals.run import parse_config
    from rag.settings import settings_from_env

    path = policyqa_path(args.file)
    run = {"dataset": str(path), "split": args.split, "command": _command(args)}
    evaluation = run_policyqa(path, args.limit, parse_config(args.config or ""), settings_from_env(), run,
                              args.index_dir, _progress("policyqa"), args.split)
    paths = write_reports(args.out, evaluation.records, evaluation.summary, html_limit=300)
    print(key_table(evaluation.summary))
    _print_headline(evaluation.summary, paths)
    return 0


def _dataset_options(parser: argparse.ArgumentParser, docs: bool = True) -> None:
    default = Path(__file__).resolve().parents[1] / "evals" / "data" / "speech_gold.jsonl"
    parser.add_argument("--dataset", type=Path, default=default,
                        help="gold JSONL, or a collection folder such as evals/data/unseen (docs/EVAL_DATASET.md)")
    parser.add_argument("--split", choices=("tune", "report", "all"), default="all",
                        help="with a collection folder: the documents to use (default: all)")
    if docs:
        parser.add_argument("--docs", nargs="+", type=Path, help="files/folders to ingest (default: bundled speech)")
        parser.add_argument("--index-dir", type=Path, help="index to ingest into and evaluate (default: temporary)")


def register(sub: Any) -> None:
    """Add `eval` and its subcommands to the speechqa parser."""
    group = sub.add_parser("eval", help="evaluate retrieval, citations, answers and abstention").add_subparsers(
        dest="eval_command", required=True)
    run = group.add_parser("run", help="run a gold set and write reports (JSONL, JSON, Markdown, HTML, PNG)")
    _dataset_options(run)
    run.add_argument("--out", type=Path, default=DEFAULT_OUT, help="report folder (default: eval-report)")
    run.add_argument("--config", help="e.g. k=5,retrieval=hybrid,chunker=windows,abstain=0.25")
    run.add_argument("--limit", type=cli._positive, help="a deterministic sample of N gold items (e.g. for a slow LLM)")
    run.add_argument("--generator", choices=["extractive", "llm"],
                     help="answer generator (SPEECHQA_GENERATOR); llm needs SPEECHQA_LLM_BASE_URL and _MODEL")
    run.set_defaults(handler=cmd_run)
    sweep = group.add_parser("sweep", help="compare configurations side by side (table + chart)")
    _dataset_options(sweep)
    sweep.add_argument("--out", type=Path, default=Path("eval-sweep"))
    sweep.add_argument("--config", action="append", help="one configuration (repeatable); default: the full grid")
    sweep.add_argument("--thresholds", help="also sweep the abstain threshold, e.g. 0.1,0.2,0.3,0.4,0.5")
    sweep.set_defaults(handler=cmd_sweep)
    _gate_parsers(group)
    calibrate = group.add_parser("calibrate", help="fit the shown relevance on the tune halves of the gold sets")
    calibrate.set_defaults(handler=cmd_calibrate)
    policy = group.add_parser("policyqa", help="PolicyQA dev: each question scoped to its policy")
    policy.add_argument("--limit", type=cli._positive, help="a deterministic sample of N questions")
    policy.add_argument("--file", type=Path, help="SQuAD-format dev.json (default: ../shared/corpus/...)")
    policy.add_argument("--index-dir", type=Path, help="reuse this index between runs (default: temporary)")
    policy.add_argument("--out", type=Path, default=Path("eval-policyqa"))
    policy.add_argument("--config", help="e.g. k=5,retrieval=hybrid")
    policy.add_argument("--split", choices=("tune", "report", "all"), default="all",
                        help="policies at even (tune) or odd (report) positions in the file (default: all)")
    policy.set_defaults(handler=cmd_policyqa)
    from ui.archive_cmd import register_eval  # `speechqa eval archive`

    register_eval(group)


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Fit the shown relevance on the tune halves: the bundled set and the unseen collection's tune half."""
    from evals.calibration import expected_calibration_error, fit, observations
    from evals.collection import load_collection
    from evals.dataset import load_gold
    from evals.run import RunConfig, run_gold
    from index.corpus import BUNDLED_SPEECH
    from rag.settings import Settings

    data = Path(__file__).resolve().parents[1] / "evals" / "data"
    tune = load_collection(data / "unseen", "tune")
    runs = [(load_gold(data / "speech_gold.jsonl"), [BUNDLED_SPEECH]), (tune.items, list(tune.sources))]
    points = []
    for items, sources in runs:
        evaluation = run_gold(items, RunConfig(), Settings(), {"dataset": "tune"}, sources,
                              progress=_progress("calibrate"))
        points += observations(evaluation.scores)
    slope, offset = fit([(relevance, gold) for relevance, _, gold in points])
    print(f"{len(points)} citations; shown now: ECE {expected_calibration_error([(s, g) for _, s, g in points])}")
    print(f"fitted: calibration_slope = {slope}, calibration_offset = {offset} (rag/policy.py AnswerPolicy)")
    return 0


def _gate_parsers(group: Any) -> None:
    from evals.gate import DEFAULT_BASELINE, DEFAULT_TOLERANCE

    gate = group.add_parser("gate", help="fail (exit 1) when the bundled set regresses against the baseline")
    gate.add_argument("--baseline", type=Path, default=DEFAULT_BASELINE)
    gate.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE, help="allowed drop (default 0.02)")
    gate.add_argument("--out", type=Path, help="also write the run's reports here")
    gate.set_defaults(handler=cmd_gate)
    baseline = group.add_parser("baseline", help="rewrite the committed baseline from the current code")
    baseline.add_argument("--baseline", type=Path, default=DEFAULT_BASELINE)
    baseline.set_defaults(handler=cmd_baseline)

