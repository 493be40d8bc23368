"""The regression gate: compare a run's summary with the committed baseline, metric by metric.

A metric fails when it is worse than the baseline by more than the tolerance (lower for
higher-is-better metrics, higher for lower-is-better ones) or when it is below its floor; citation
validity has a floor of 1.0, because an answer whose marker names no retrieved paragraph is a broken
promise whatever the baseline says. Latency is never gated (it depends on the machine). The
baseline file is written only by an explicit command (`speechqa eval baseline`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.errors import InputError

DEFAULT_BASELINE = Path(__file__).resolve().parent / "baseline.json"
DEFAULT_TOLERANCE = 0.02
FLOORS: dict[str, float] = {"citation_validity": 1.0}
_EPSILON = 1e-9


@dataclass(frozen=True)
class Check:
    """One metric's verdict; `problem` says why it failed (empty when it passed)."""

    metric: str
    baseline: float | None
    current: float
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem


def baseline_document(summary: Mapping[str, Any]) -> dict[str, Any]:
    """What the baseline file holds: the metric means and enough context to know what they measured."""
    return {
        "generated_by": "speechqa eval baseline",
        "dataset": summary.get("dataset"),
        "config": summary.get("config"),
        "items": summary["items"],
        "metrics": {name: m["mean"] for name, m in summary["metrics"].items()},
        "better": {name: m["better"] for name, m in summary["metrics"].items()},
    }


def write_baseline(summary: Mapping[str, Any], path: Path = DEFAULT_BASELINE,
                   collections: Mapping[str, Mapping[str, Any]] | None = None) -> Path:
    """The bundled set's baseline, with each gold collection's pooled baseline under "collections"."""
    document = baseline_document(summary)
    if collections:
        document["collections"] = {name: baseline_document(s) for name, s in collections.items()}
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return path


def read_baseline(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise InputError(f"Cannot read the baseline {path}: {e}. Create it with: speechqa eval baseline") from e
    if not isinstance(data, dict) or not isinstance(data.get("metrics"), dict):
        raise InputError(f"The baseline {path} has no 'metrics' object; regenerate it with: speechqa eval baseline")
    return data


def _check(name: str, current: float, better: str, base: float | None, tolerance: float) -> Check:
    floor = FLOORS.get(name)
    if floor is not None and current < floor - _EPSILON:
        return Check(name, base, current, f"{name} = {current:.4f} is below its floor {floor:.4f}")
    if base is None:
        return Check(name, base, current)
    drop = (base - current) if better == "higher" else (current - base)
    if drop > tolerance + _EPSILON:
        direction = "fell" if better == "higher" else "rose"
        return Check(name, base, current, f"{name} {direction} from {base:.4f} to {current:.4f} "
                                          f"({drop:+.4f} worse; tolerance {tolerance:.4f})")
    return Check(name, base, current)


def compare(summary: Mapping[str, Any], baseline: Mapping[str, Any], tolerance: float = DEFAULT_TOLERANCE
            ) -> list[Check]:
    """A Check for every metric of the run (the baseline may lack new metrics: only floors apply to them)."""
    if tolerance < 0:
        raise InputError(f"--tolerance must be >= 0, got {tolerance}")
    base_metrics = baseline["metrics"]
    return [_check(name, float(m["mean"]), m["better"], _float(base_metrics.get(name)), tolerance)
            for name, m in summary["metrics"].items()]


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def gate_report(checks: list[Check]) -> str:
    """One line per failing metric, then a verdict line."""
    failed = [c for c in checks if not c.ok]
    lines = [f"FAIL {c.problem}" for c in failed]
    lines.append(f"gate: {'FAILED' if failed else 'passed'} ({len(checks) - len(failed)}/{len(checks)} metrics ok)")
    return "\n".join(lines)
