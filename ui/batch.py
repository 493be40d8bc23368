"""`speechqa ask --batch`: one JSON answer per input line, same order, one loaded model.

A bad line gets an error object (`{"id", "error"}`) in its place and the rest still run; the exit
code is 2 when any line failed so scripts notice.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO

from index.errors import InputError, SpeechQAError


def _parse_line(raw: str, number: int) -> dict[str, Any]:
    try:
        item = json.loads(raw)
    except ValueError as e:
        raise InputError(f"line {number}: not JSON ({e})") from e
    if not isinstance(item, dict) or not isinstance(item.get("question"), str):
        raise InputError(f"line {number}: needs a \"question\" string")
    return item


def run_batch(assistant: Any, path: Path, out: TextIO) -> int:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"Cannot read batch file {path}: {e}") from e
    failed = 0
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        item_id: Any = None
        try:
            item = _parse_line(raw, number)
            item_id = item.get("id")
            doc = item.get("doc")
            answer = assistant.ask(item["question"], item.get("history") or [], [doc] if doc else None,
                                   id=None if item_id is None else str(item_id))
            record = answer.to_dict()
        except SpeechQAError as e:
            failed += 1
            record = {"id": item_id, "error": str(e)}
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        out.flush()
    return 2 if failed else 0
