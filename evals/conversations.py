"""Gold conversations: every turn scored in context, and self-contained turns checked against a fresh ask.

A conversation file (`evals/data/conversations/<doc_id>.jsonl`) holds one conversation per line:
`{"id", "doc", "turns": [{"question", "kind", "answerable", "gold_paragraphs", "key_facts",
"reference_answer"}]}`, gold paragraphs as quotes (see `evals.collection`). The turns are asked in order,
each with the assistant's own earlier answers as history, as a user of the chat would see them. Each
turn is scored like a single gold question. A `self_contained` turn is asked a second time without
history: the two must take the same abstain decision and, when answered, cite the same paragraph
first. Every answer is also checked for how it reads: markers in order of first appearance, no
sentence said twice, no opening sentence that leans on one it does not include.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from evals.collection import anchor, default_corpus_root
from evals.dataset import Category, GoldItem, GoldRef, _Where
from evals.metrics import Ref
from evals.score import ItemScore, score_item
from evals.stats import mean
from evals.text import extract_markers, split_sentences, strip_markers
from index.errors import InputError, SpeechQAError
from index.model import Document
from index.parse import parse_file
from index.text import leans_back
from rag.answer import Answer
from rag.assistant import Assistant
from rag.question import Turn

KINDS = ("self_contained", "follow_up", "what_else", "why", "return", "unanswerable")


@dataclass(frozen=True)
class ConversationTurn:
    kind: str
    item: GoldItem


@dataclass(frozen=True)
class Conversation:
    id: str
    doc: str
    turns: tuple[ConversationTurn, ...]


def load_conversations(folder: Path, split: str = "all", corpus_root: Path | None = None
                       ) -> tuple[list[Conversation], list[Path], dict[str, str]]:
    """The conversations of the documents in `split`, the source files to ingest, and each document's split."""
    root = corpus_root or default_corpus_root()
    manifest = json.loads((folder / "sources.json").read_text(encoding="utf-8"))
    conversations: list[Conversation] = []
    sources: list[Path] = []
    for doc_id, meta in sorted(manifest.items()):
        if split != "all" and meta["split"] != split:
            continue
        document = parse_file(root / meta["path"])
        sources.append(root / meta["path"])
        path = folder / f"{doc_id}.jsonl"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                conversations.append(_conversation(json.loads(line), document, _Where(path, number)))
    if not conversations:
        raise InputError(f"{folder} holds no conversations for split '{split}'")
    return conversations, sources, {d: m["split"] for d, m in manifest.items()}


def _conversation(obj: dict[str, Any], document: Document, where: _Where) -> Conversation:
    turns = []
    for i, raw in enumerate(obj["turns"]):
        if raw.get("kind") not in KINDS:
            raise where.error(f"turns[{i}].kind", f"must be one of {', '.join(KINDS)}")
        resolved = anchor(raw, {document.doc_id: document}, where)
        category = {"self_contained": "single_fact", "unanswerable": "unanswerable"}.get(raw["kind"], "follow_up")
        item = GoldItem(
            id=f"{obj['id']}-t{i + 1}", question=raw["question"], category=cast(Category, category),
            answerable=bool(raw["answerable"]),
            gold_paragraphs=tuple(GoldRef(r["doc_id"], r["paragraph"]) for r in resolved["gold_paragraphs"]),
            key_facts=tuple(tuple(f) for f in raw["key_facts"]), reference_answer=raw.get("reference_answer", ""),
            doc=obj["doc"])
        turns.append(ConversationTurn(raw["kind"], item))
    return Conversation(obj["id"], obj["doc"], tuple(turns))


@dataclass(frozen=True)
class TurnResult:
    conversation: str
    kind: str
    score: ItemScore
    fresh_agrees: bool | None  # self-contained turns after the first: decided as when asked fresh
    problems: tuple[str, ...]  # how the answer reads: markers out of order, repeats, a leaning opening


def run_conversations(assistant: Assistant, conversations: Sequence[Conversation], k: int,
                      texts: Callable[[Ref], str], progress: Callable[[int, int], None] | None = None
                      ) -> list[TurnResult]:
    results: list[TurnResult] = []
    for done, conversation in enumerate(conversations, start=1):
        history: list[Turn] = []
        said: list[str] = []
        for position, turn in enumerate(conversation.turns):
            answer = _ask(assistant, turn.item, history, k)
            agrees: bool | None = None
            asked: tuple[str, ...] = ()
            if turn.kind == "self_contained" and position > 0:
                fresh = _ask(assistant, turn.item, [], k)
                agrees = same_decision(answer, fresh)
                asked = () if fresh.abstained else tuple(strip_markers(s) for s in split_sentences(fresh.answer))
            score = score_item(_with_history(turn.item, history), answer, texts, k)
            # a sentence from a gold paragraph of this turn is what the turn asks for, even if said before
            gold = {(g.doc_id, g.paragraph) for g in turn.item.gold_paragraphs}
            asked += tuple(strip_markers(s) for c in answer.citations if (c.doc_id, c.paragraph) in gold
                           for s in split_sentences(c.quote))
            problems = reading_problems(answer, said, asked)
            results.append(TurnResult(conversation.id, turn.kind, score, agrees, problems))
            history += [Turn("user", turn.item.question), Turn("assistant", answer.answer)]
            said = [strip_markers(s) for s in split_sentences(answer.answer)] if not answer.abstained else []
        if progress:
            progress(done, len(conversations))
    return results


def _ask(assistant: Assistant, item: GoldItem, history: Sequence[Turn], k: int) -> Answer:
    try:
        return assistant.ask(item.question, list(history), [item.doc] if item.doc else None, k=k, id=item.id)
    except SpeechQAError as e:
        raise InputError(f"Conversation turn '{item.id}' could not be asked: {e}") from e


def _with_history(item: GoldItem, history: Sequence[Turn]) -> GoldItem:
    return GoldItem(item.id, item.question, item.category, item.answerable, item.gold_paragraphs, item.key_facts,
                    item.reference_answer, item.doc, tuple(history))


def same_decision(in_context: Answer, fresh: Answer) -> bool:
    """The same abstain decision and, when answered, the same first cited paragraph."""
    if in_context.abstained or fresh.abstained:
        return in_context.abstained == fresh.abstained
    first = [(c.doc_id, c.paragraph) for c in (in_context.citations[:1] + fresh.citations[:1])]
    return len(first) == 2 and first[0] == first[1]


def reading_problems(answer: Answer, said_before: Sequence[str], asked: Sequence[str] = ()) -> tuple[str, ...]:
    """How the answer reads: markers in order of first appearance, no sentence twice (within the answer
    or from the previous answer, unless asked: `asked` is what a new question gets when asked fresh),
    and no opening sentence that leans on one it does not include."""
    if answer.abstained:
        return ()
    problems = []
    order = list(dict.fromkeys(extract_markers(answer.answer)))
    if order != sorted(order):
        problems.append("markers out of order")
    sentences = [strip_markers(s) for s in split_sentences(answer.answer)]
    if len(set(sentences)) < len(sentences):
        problems.append("repeated sentence")
    if (set(sentences) & set(said_before)) - set(asked):
        problems.append("repeats the previous answer")
    if sentences and leans_back(sentences[0]):
        problems.append("opens with an unresolved reference")
    return tuple(problems)


def summarize_turns(results: Sequence[TurnResult]) -> dict[str, Any]:
    """Per kind: first citation, key facts, abstention; overall: agreement with fresh asks, reading problems."""
    by_kind: dict[str, dict[str, Any]] = {}
    for kind in KINDS:
        group = [r.score for r in results if r.kind == kind]
        if not group:
            continue
        row: dict[str, Any] = {"n": len(group)}
        for metric in ("first_citation_correct", "key_fact_recall", "abstention_accuracy", "false_abstention"):
            values = [s.metrics[metric] for s in group if metric in s.metrics]
            row[metric] = round(mean(values), 4) if values else None
        by_kind[kind] = row
    checked = [r.fresh_agrees for r in results if r.fresh_agrees is not None]
    follow = [r.score for r in results if r.kind in ("follow_up", "what_else", "why", "return")]
    problems: dict[str, int] = {}
    for r in results:
        for p in r.problems:
            problems[p] = problems.get(p, 0) + 1
    return {
        "turns": len(results),
        "conversations": len({r.conversation for r in results}),
        "kinds": by_kind,
        "self_contained_as_fresh": round(mean([1.0 if a else 0.0 for a in checked]), 4) if checked else None,
        "self_contained_checked": len(checked),
        "follow_up_first_citation": _mean(follow, "first_citation_correct"),
        "follow_up_key_facts": _mean(follow, "key_fact_recall"),
        "reading_problems": problems,
        "answers": sum(1 for r in results if not r.score.answer.abstained),
    }


def _mean(scores: Sequence[ItemScore], metric: str) -> float | None:
    values = [s.metrics[metric] for s in scores if metric in s.metrics]
    return round(mean(values), 4) if values else None


def run_conversation_set(folder: Path, split: str, config: Any, settings: Any, index_dir: Path | None,
                         progress: Callable[[int, int], None] | None = None
                         ) -> tuple[list[TurnResult], dict[str, Any]]:
    """Ingest the conversations' documents into an index (temporary by default) and run every turn."""
    from evals.run import index_location, ingest, open_assistant, paragraph_texts
    from index.fast_embed import passage_embedder

    conversations, sources, _ = load_conversations(folder, split)
    with index_location(index_dir) as where:
        ingest(where, passage_embedder(settings.embedding_model, settings.passage_encoder), config.chunker, sources)
        assistant = open_assistant(where, config, settings)
        results = run_conversations(assistant, conversations, config.k, paragraph_texts(assistant), progress)
    return results, summarize_turns(results)


def turn_record(result: TurnResult) -> dict[str, Any]:
    return {"conversation": result.conversation, "kind": result.kind, "fresh_agrees": result.fresh_agrees,
            "reading_problems": list(result.problems), "passed": result.score.passed,
            "reasons": list(result.score.reasons), "question": result.score.item.question,
            "answer": result.score.answer.answer, "abstain_reason": result.score.answer.abstain_reason,
            "citations": [[c.doc_id, c.paragraph] for c in result.score.answer.citations],
            "gold": [[g.doc_id, g.paragraph] for g in result.score.item.gold_paragraphs]}


def is_conversation_folder(folder: Path) -> bool:
    """A collection folder whose files hold conversations (lines with "turns") rather than questions."""
    for path in sorted(folder.glob("*.jsonl")):
        first = next((line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()), "")
        return '"turns"' in first
    return False
