"""The PolicyQA dev runner: every policy ingested as one document, each question scoped to its policy.

All 20 policies go into one index and each question is asked with `doc_ids=[its policy]`, which is
the same as one index per policy without 20 model loads. The gold paragraph is the relevance
judgement. A sample (`--limit`) ingests only the policies its questions come from; retrieval is
scoped to one policy anyway, so only BM25's corpus statistics differ slightly. The lenient variants
(`summary["lenient"]`) also accept a paragraph containing an answer span, which is how the
first-citation target of issue 3 is defined.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evals.policyqa import load_policyqa, span_refs
from evals.run import Evaluation, Progress, RunConfig, evaluate, index_location, ingest, open_assistant
from index.errors import InputError
from rag.settings import Settings

# The shared corpus sits beside the repository: <repo>/../shared/corpus
DEFAULT_POLICYQA = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "external" / "policyqa_dev" / "dev.json"
KEY_METRICS = (("first_citation_correct", True), ("first_citation_correct", False), ("recall@3", False),
               ("hit@3", True), ("hit@1", False), ("hit@1", True))


def policyqa_path(given: Path | None) -> Path:
    path = given or DEFAULT_POLICYQA
    if not path.is_file():
        raise InputError(f"PolicyQA dev file not found at {path}; pass --file PATH/TO/policyqa_dev/dev.json")
    return path


def run_policyqa(path: Path, limit: int | None, config: RunConfig, settings: Settings, run: dict[str, Any],
                 index_dir: Path | None = None, progress: Progress | None = None, split: str = "all") -> Evaluation:
    """Ingest every policy (incrementally when `index_dir` is reused) and evaluate the (sampled) questions."""
    from index.embed import SentenceTransformerEmbedder

    data = load_policyqa(path, limit=limit, split=split)
    documents = {d.doc_id: d for d in data.documents}
    asked = {item.doc for item in data.items}
    with index_location(index_dir) as where:
        ingest(where, SentenceTransformerEmbedder(settings.embedding_model), config.chunker,
               documents=[d for d in data.documents if d.doc_id in asked])
        assistant = open_assistant(where, config, settings)
        return evaluate(assistant, data.items, config, run,
                        lenient=lambda item: span_refs(item, documents[item.doc or ""]), progress=progress)


def key_table(summary: dict[str, Any]) -> str:
    """The PolicyQA figures issue 3 sets targets for, strict and lenient."""
    lines = ["| metric | gold | mean | 95% CI | n |", "|---|---|---:|---|---:|"]
    for name, lenient in KEY_METRICS:
        m = (summary["lenient"] if lenient else summary["metrics"]).get(name)
        if m is None:
            continue
        label = "gold or answer span" if lenient else "gold paragraph"
        lines.append(f"| {name} | {label} | {m['mean']:.3f} | {m['low']:.3f}–{m['high']:.3f} | {m['n']} |")
    return "\n".join(lines) + "\n"
