"""PNG charts of a run's headline metrics and of a configuration sweep (matplotlib, Agg backend).

matplotlib is imported inside each function with the non-interactive Agg backend, so importing this
module costs nothing and no display is ever needed. Fonts and sizes are fixed, so the same numbers
give the same picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

SWEEP_METRICS = ("hit@1", "recall@3", "first_citation_correct", "key_fact_recall", "context_efficiency",
                 "abstention_accuracy")


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def headline_chart(summary: dict[str, Any], path: Path, title: str = "") -> Path:
    """Horizontal bars of each headline metric with its 95% bootstrap interval."""
    plt = _pyplot()
    names = [n for n in summary["headline"] if n in summary["metrics"]]
    stats = [summary["metrics"][n] for n in names]
    means = [s["mean"] for s in stats]
    errors = [[m - s["low"] for m, s in zip(means, stats, strict=True)],
              [s["high"] - m for m, s in zip(means, stats, strict=True)]]
    labels = [f"{n} ({'lower' if s['better'] == 'lower' else 'higher'} is better, n={s['n']})"
              for n, s in zip(names, stats, strict=True)]
    fig, ax = plt.subplots(figsize=(9, 0.35 * len(names) + 1.2))
    ax.barh(range(len(names)), means, xerr=errors, color="#4C72B0", ecolor="#333333", capsize=3)
    ax.set_yticks(range(len(names)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.14)
    ax.set_xlabel("mean over the metric's population, with 95% bootstrap interval")
    for i, value in enumerate(means):
        ax.text(1.06, i, f"{value:.2f}", va="center", fontsize=7)
    ax.set_title(title or f"SpeechQA evaluation: {summary.get('config_name', '')}", fontsize=10)
    return _save(fig, plt, path)


def sweep_chart(rows: Sequence[dict[str, Any]], path: Path, metrics: Sequence[str] = SWEEP_METRICS) -> Path:
    """Grouped bars: one group per metric, one bar per configuration."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(11, 4.8))
    width = 0.8 / max(1, len(rows))
    for i, row in enumerate(rows):
        values = [row["summary"]["metrics"][m]["mean"] for m in metrics]
        positions = [j + i * width for j in range(len(metrics))]
        ax.bar(positions, values, width, label=row["name"])
    ax.set_xticks([j + 0.4 - width / 2 for j in range(len(metrics))], list(metrics), fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("mean")
    ax.legend(fontsize=7, ncols=2, loc="upper center", bbox_to_anchor=(0.5, -0.1))
    ax.set_title("Configuration sweep on the gold set", fontsize=10)
    return _save(fig, plt, path)


def threshold_chart(rows: Sequence[dict[str, Any]], path: Path) -> Path:
    """Abstention trade-off: false abstentions (answerable) and answers to unanswerable, per threshold."""
    plt = _pyplot()
    thresholds = [r["threshold"] for r in rows]
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(thresholds, [r["false_abstention"] for r in rows], marker="o", label="false abstention (answerable)")
    ax.plot(thresholds, [r["answered_unanswerable"] for r in rows], marker="s",
            label="answered an unanswerable question")
    ax.set_xlabel("abstain threshold (SPEECHQA_ABSTAIN_THRESHOLD)")
    ax.set_ylabel("share of items")
    ax.set_ylim(-0.02, 1.02)
    ax.legend(fontsize=8)
    ax.set_title("Abstention trade-off", fontsize=10)
    return _save(fig, plt, path)


def reliability_chart(calibration: dict[str, Any], path: Path) -> Path:
    """The reliability diagram of the shown relevance: mean score per bin against how often it was right."""
    plt = _pyplot()
    bins = calibration.get("bins", [])
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    ax.plot([b["mean_score"] for b in bins], [b["gold_rate"] for b in bins], marker="o",
            label=f"shown relevance (ECE {calibration.get('ece', 0.0):.3f})")
    for b in bins:
        ax.annotate(str(b["n"]), (b["mean_score"], b["gold_rate"]), fontsize=7, textcoords="offset points",
                    xytext=(4, -10))
    ax.set_xlabel("shown relevance (mean of the bin)")
    ax.set_ylabel("share of citations that are gold")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.legend(fontsize=8, loc="upper left")
    ax.set_title(f"Reliability over {calibration.get('citations', 0)} citations", fontsize=10)
    return _save(fig, plt, path)


def _save(fig: Any, plt: Any, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)
    return path
