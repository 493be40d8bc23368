"""The offline HTML report: one self-contained file, inline CSS, the chart embedded as a data URI.

No scripts, fonts, stylesheets or images are fetched from anywhere, so the report opens the same on a
machine without a network. Failed items come first and are expanded; each shows the answer, why it
failed, its citations with their quotes, and every retrieved paragraph with its rank and gold mark.
All text is escaped.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}
td.n{text-align:right}details{border:1px solid #ddd;border-radius:6px;margin:.6em 0;padding:.4em .8em}
details.fail{border-left:6px solid #c0392b}details.pass{border-left:6px solid #27ae60}
summary{cursor:pointer}.reasons li{color:#a93226}.gold{background:#eafaf1}.quote{background:#fff3b0}
.para{white-space:pre-wrap;font-size:13px;color:#444}.tag{font-size:12px;color:#666}
img{max-width:100%}
"""


def _metric_rows(summary: dict[str, Any]) -> str:
    rows = []
    for name, m in summary["metrics"].items():
        arrow = "↓" if m["better"] == "lower" else "↑"
        rows.append(f"<tr><td>{escape(name)} {arrow}</td><td class=n>{m['mean']:.3f}</td>"
                    f"<td>{m['low']:.3f}–{m['high']:.3f}</td><td class=n>{m['n']}</td>"
                    f"<td>{escape(m['population'])}</td></tr>")
    return "<table><tr><th>metric</th><th>mean</th><th>95% CI</th><th>n</th><th>over</th></tr>" + "".join(rows) + \
        "</table>"


def _latency(summary: dict[str, Any]) -> str:
    rows = "".join(f"<tr><td>{escape(stage)}</td><td class=n>{v['p50']:.1f}</td><td class=n>{v['p95']:.1f}</td></tr>"
                   for stage, v in summary["latency_ms"].items())
    return f"<table><tr><th>stage</th><th>p50 ms</th><th>p95 ms</th></tr>{rows}</table>"


def _highlight(text: str, quote: str) -> str:
    """The paragraph with the quoted sentences marked (each quote sentence found verbatim)."""
    out = escape(text)
    for piece in filter(None, (p.strip() for p in quote.replace("\n", " ").split(". "))):
        needle = escape(piece)
        if needle and needle in out:
            out = out.replace(needle, f"<span class=quote>{needle}</span>", 1)
    return out


def _citations(record: dict[str, Any]) -> str:
    if not record["citations"]:
        return "<p class=tag>No citations.</p>"
    items = []
    for n, c in enumerate(record["citations"], start=1):
        gold = " gold" if c["gold"] else ""
        items.append(f"<li class='{gold.strip()}'><b>[{n}]</b> ¶{c['paragraph']} <span class=tag>{escape(c['doc_id'])}"
                     f"{' · gold' if gold else ' · not gold'}</span><div class=para>"
                     f"{_highlight(c['text'], c['quote'])}</div></li>")
    return "<ol>" + "".join(items) + "</ol>"


def _retrieved(record: dict[str, Any]) -> str:
    rows = []
    for rank, r in enumerate(record["retrieved"], start=1):
        cls = " class=gold" if r["gold"] else ""
        rows.append(f"<tr{cls}><td class=n>{rank}</td><td>¶{r['paragraph']}</td><td class=n>{r['score']:.3f}</td>"
                    f"<td>{'gold' if r['gold'] else ''}</td><td class=para>{escape(r.get('text', ''))}</td></tr>")
    return ("<table><tr><th>rank</th><th>paragraph</th><th>score</th><th></th><th>text</th></tr>" + "".join(rows) +
            "</table>")


def _item(record: dict[str, Any]) -> str:
    state = "pass" if record["passed"] else "fail"
    gold = ", ".join(f"¶{g['paragraph']}" for g in record["gold_paragraphs"]) or "none (unanswerable)"
    history = "".join(f"<li><b>{escape(t['role'])}:</b> {escape(t['content'])}</li>" for t in record["history"])
    reasons = "".join(f"<li>{escape(r)}</li>" for r in record["reasons"])
    metrics = ", ".join(f"{escape(k)} {v:.2f}" for k, v in record["metrics"].items())
    return (
        f"<details class={state}{' open' if state == 'fail' else ''}><summary><b>{escape(record['id'])}</b> "
        f"<span class=tag>[{escape(record['category'])}] {state.upper()}</span> {escape(record['question'])}</summary>"
        + (f"<p class=tag>History:</p><ul>{history}</ul>" if history else "")
        + (f"<ul class=reasons>{reasons}</ul>" if reasons else "")
        + f"<p><b>Answer{' (abstained)' if record['abstained'] else ''}:</b> {escape(record['answer'])}</p>"
        + f"<p class=tag>Reference: {escape(record['reference_answer'])} · gold: {gold}</p>"
        + f"<p class=tag>{metrics}</p><p><b>Citations</b></p>{_citations(record)}"
        + f"<p><b>Retrieved paragraphs</b></p>{_retrieved(record)}</details>"
    )


def _chart(path: Path | None) -> str:
    if path is None or not path.exists():
        return ""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f"<img alt='headline metrics' src='data:image/png;base64,{data}'>"


def render_html(summary: dict[str, Any], records: Sequence[dict[str, Any]], chart: Path | None = None,
                limit: int | None = None) -> str:
    """The whole report as one HTML string; `limit` caps the questions shown (failures are kept first)."""
    ordered = sorted(records, key=lambda r: r["passed"])  # stable: failures first, then gold-set order
    shown = ordered if limit is None else ordered[:limit]
    more = len(ordered) - len(shown)
    failed = sum(1 for r in records if not r["passed"])
    kinds = "".join(f"<tr><td>{escape(k)}</td><td class=n>{v}</td></tr>" for k, v in summary["failure_kinds"].items())
    title = f"SpeechQA evaluation: {summary.get('config_name', '')}"
    return (
        f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{escape(title)}</title>"
        f"<style>{CSS}</style></head><body><h1>{escape(title)}</h1>"
        f"<p>{escape(str(summary.get('dataset', '')))}: {summary['items']} items, {failed} failed. "
        f"Command: <code>{escape(str(summary.get('command', '')))}</code></p>"
        f"<h2>Metrics</h2>{_metric_rows(summary)}{_chart(chart)}<h2>Latency</h2>{_latency(summary)}"
        f"<h2>Why items failed</h2><table>{kinds}</table><h2>Questions (failures first)</h2>"
        + "".join(_item(r) for r in shown)
        + (f"<p>… {more} more questions in results.jsonl.</p>" if more else "")
        + "</body></html>\n"
    )
