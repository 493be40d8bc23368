"""The `speechqa reliability` subcommand: crash trials and bad-input sweep, written to docs/RELIABILITY.md."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    """Add `reliability` to the `speechqa` parser."""
    cmd = sub.add_parser("reliability", help="kill ingests at random and feed bad inputs; write the figures")
    cmd.add_argument("--out", type=Path, default=Path("docs/RELIABILITY.md"), help="Markdown report to write")
    cmd.set_defaults(handler=cmd_reliability)


def cmd_reliability(args: argparse.Namespace) -> int:
    from evals.reliability import run_reliability

    figures = run_reliability(args.out)
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    return 0 if not figures["crash_problems"] and not figures["input_failures"] else 1

