"""The evaluation runner: build the assistant for a configuration, ask every gold item, score the answers.

The assistant comes from the composition root (`rag.assistant.build_assistant`) over an index built
for the run, so the harness measures what users run. A configuration (`RunConfig`) chooses the
retrieval mode, the chunking strategy, k and the abstention threshold; `parse_config` reads the
`--config k=5,retrieval=hybrid,...` form. The tutorial chunker swaps in `evals.tutorial`'s retriever
through `Assistant.variant`. Nothing here prints: callers pass a progress callback.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Literal, cast, get_args

from evals.citations import SupportJudge
from evals.dataset import GoldItem
from evals.metrics import Ref
from evals.score import ItemScore, score_item
from evals.summary import summarize
from index.chunk import ChunkerConfig
from index.embed import Embedder
from index.errors import InputError, SpeechQAError
from index.ingest import Ingestor, Status
from index.model import Document
from rag.answer import Answer
from rag.assistant import Assistant, build_assistant
from rag.retrieve import Mode
from rag.settings import Settings

ChunkerName = Literal["windows", "paragraphs", "tutorial"]
CHUNKERS: tuple[str, ...] = get_args(ChunkerName)
MODES: tuple[str, ...] = get_args(Mode)
WHOLE_PARAGRAPHS = ChunkerConfig(max_sentences=100_000, max_word_pieces=10_000_000, overlap_sentences=0)
Progress = Callable[[int, int], None]
LenientGold = Callable[[GoldItem], frozenset[Ref]]


@dataclass(frozen=True)
class RunConfig:
    """One configuration of the assistant under test; `abstain_threshold=None` keeps the settings' value."""

    retrieval: Mode = "hybrid"
    chunker: ChunkerName = "windows"
    k: int = 5
    abstain_threshold: float | None = None

    @property
    def name(self) -> str:
        extra = "" if self.abstain_threshold is None else f" abstain={self.abstain_threshold:g}"
        return f"{self.retrieval} / {self.chunker} / k={self.k}{extra}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_config(text: str, base: RunConfig = RunConfig()) -> RunConfig:
    """`k=5,retrieval=hybrid,chunker=windows,abstain=0.3` over `base`; unknown keys or values are errors."""
    changes: dict[str, Any] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, _, value = part.partition("=")
        changes.update(_setting(key.strip(), value.strip()))
    config = replace(base, **changes)
    if config.chunker == "tutorial" and config.retrieval != "dense":
        raise InputError("--config chunker=tutorial works with retrieval=dense only (the tutorial has no BM25)")
    return config


def _setting(key: str, value: str) -> dict[str, Any]:
    if key == "k":
        if not value.isdigit() or int(value) < 1:
            raise InputError(f"--config k must be a positive integer, got '{value}'")
        return {"k": int(value)}
    if key in ("retrieval", "chunker"):
        allowed = MODES if key == "retrieval" else CHUNKERS
        if value not in allowed:
            raise InputError(f"--config {key} must be one of {', '.join(allowed)}, got '{value}'")
        return {key: value}
    if key in ("abstain", "abstain_threshold"):
        try:
            threshold = float(value)
        except ValueError:
            threshold = -1.0
        if not 0.0 <= threshold <= 1.0:
            raise InputError(f"--config abstain must be a number between 0 and 1, got '{value}'")
        return {"abstain_threshold": threshold}
    raise InputError(f"--config has no setting '{key}'; use k, retrieval, chunker or abstain")


def chunker_config(name: ChunkerName) -> ChunkerConfig:
    """The index chunker for a strategy (the tutorial retriever reads the sentence-window index's documents)."""
    return WHOLE_PARAGRAPHS if name == "paragraphs" else ChunkerConfig()


@contextmanager
def index_location(given: Path | None) -> Iterator[Path]:
    """`given`, or a temporary folder removed afterwards."""
    if given is not None:
        yield given
        return
    with tempfile.TemporaryDirectory(prefix="speechqa-eval-") as tmp:
        yield Path(tmp) / "index"


def ingest(index_dir: Path, embedder: Embedder, chunker: ChunkerName, sources: Sequence[Path] = (),
           documents: Sequence[Document] = ()) -> None:
    """Ingest files and/or parsed documents (unchanged ones are skipped); any failure is an InputError."""
    from index.chroma import open_store

    ingestor = Ingestor(open_store(index_dir), embedder, chunker_config(chunker))
    results = ingestor.ingest_paths(sources) if sources else []
    results += [ingestor.ingest_document(d) for d in documents]
    failed = [r.message or r.source for r in results if r.status is Status.FAILED]
    if failed:
        raise InputError(f"Could not ingest {len(failed)} file(s) for the evaluation: {'; '.join(failed[:3])}")


def open_assistant(index_dir: Path, config: RunConfig, settings: Settings) -> Assistant:
    """The composition root's assistant over `index_dir`, set up as `config` says."""
    threshold = settings.abstain_threshold if config.abstain_threshold is None else config.abstain_threshold
    settings = replace(settings, index_dir=index_dir, chroma_url=None, top_k=config.k, retrieval=config.retrieval,
                       abstain_threshold=threshold)
    assistant = build_assistant(settings)
    if config.chunker == "tutorial":
        from evals.tutorial import TutorialRetriever
        from index.fast_embed import query_embedder

        documents = [assistant.document(d.doc_id) for d in assistant.documents()]
        tutorial = TutorialRetriever(documents, query_embedder(settings.embedding_model))
        assistant = assistant.variant(retriever=tutorial)
    return assistant


def variant(assistant: Assistant, config: RunConfig) -> Assistant:
    """The same index, model and retriever with another abstention threshold."""
    if config.abstain_threshold is None:
        return assistant
    return assistant.variant(policy=replace(assistant.policy, abstain_threshold=config.abstain_threshold))


def ask(assistant: Assistant, item: GoldItem, k: int) -> Answer:
    history = [{"role": t.role, "content": t.content} for t in item.history]
    try:
        return assistant.ask(item.question, history, [item.doc] if item.doc else None, k=k, id=item.id)
    except SpeechQAError as e:
        raise InputError(f"Gold item '{item.id}' could not be asked: {e}") from e


def paragraph_texts(assistant: Assistant) -> Callable[[Ref], str]:
    """A cached (doc_id, paragraph) -> text lookup over the assistant's documents."""
    cache: dict[str, Document] = {}

    def text(ref: Ref) -> str:
        if ref[0] not in cache:
            cache[ref[0]] = assistant.document(ref[0])
        try:
            return cache[ref[0]].paragraph(ref[1]).text
        except KeyError:
            return ""

    return text


@dataclass(frozen=True)
class Evaluation:
    """A finished run: item scores, their JSONL records (with paragraph texts) and the summary."""

    scores: tuple[ItemScore, ...]
    records: tuple[dict[str, Any], ...]
    summary: dict[str, Any]


def evaluate(assistant: Assistant, items: Sequence[GoldItem], config: RunConfig, run: dict[str, Any],
             judge: SupportJudge | None = None, lenient: LenientGold | None = None,
             progress: Progress | None = None) -> Evaluation:
    """Ask every item (after one untimed warm-up question) and score it."""
    if not items:
        raise InputError("The gold set holds no questions to evaluate")
    texts = paragraph_texts(assistant)
    ask(assistant, items[0], config.k)  # warm-up: model and index load are not per-question latency
    scores, records = [], []
    for done, item in enumerate(items, start=1):
        score = score_item(item, ask(assistant, item, config.k), texts, config.k, judge,
                           lenient(item) if lenient else None)
        scores.append(score)
        records.append(score.to_dict(texts))
        if progress:
            progress(done, len(items))
    summary = summarize(scores, {**run, "config": config.to_dict(), "config_name": config.name})
    return Evaluation(tuple(scores), tuple(records), summary)


def run_gold(items: Sequence[GoldItem], config: RunConfig, settings: Settings, run: dict[str, Any],
             sources: Sequence[Path] = (), index_dir: Path | None = None,
             progress: Progress | None = None) -> Evaluation:
    """Ingest `sources` into `index_dir` (a temporary index by default) with the passage encoder users ingest
    with (`settings.passage_encoder`) and evaluate `items` there."""
    from index.fast_embed import passage_embedder

    with index_location(index_dir) as where:
        if sources:
            ingest(where, passage_embedder(settings.embedding_model, settings.passage_encoder), config.chunker, sources)
        run = {**run, "passage_encoder": settings.passage_encoder}
        return evaluate(open_assistant(where, config, settings), items, config, run, progress=progress)


def cast_mode(value: str) -> Mode:
    if value not in MODES:
        raise InputError(f"retrieval must be one of {', '.join(MODES)}, got '{value}'")
    return cast(Mode, value)
