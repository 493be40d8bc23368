"""Evaluation of SpeechQA: gold question sets, their loaders, and the pure metrics that score answers.

`dataset` reads and validates the hand-written gold JSONL, `policyqa` turns the PolicyQA dev set into
documents and gold items, `text` holds the shared tokenising helpers, and `metrics`, `citations` and
`stats` are pure functions (no I/O) over answers, rankings and lists of numbers.
"""
