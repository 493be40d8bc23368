"""Scoring one answer against its gold item: every metric that applies, and why the item failed.

`score_item` is pure: the answer, the gold item and a paragraph-text lookup in, an `ItemScore` out.
Each metric belongs to a population (see `POPULATION`): retrieval, citation and answer-quality
metrics to answerable items, abstention accuracy to unanswerable ones, support and uncited share to
items that answered, validity to all. An item carries only the metrics of its populations, so an
average is always over items where the metric means something, and is never NaN.
Failure reasons are plain sentences a reader can act on ("gold paragraph 5 not cited").
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from evals.citations import (
    LexicalJudge,
    SupportJudge,
    citation_precision,
    citation_problems,
    citation_recall,
    cited_refs,
    first_citation_correct,
    quote_is_verbatim,
    support_scores,
    uncited_sentence_share,
)
from evals.dataset import GoldItem
from evals.metrics import (
    Ref,
    abstention_correct,
    context_efficiency,
    false_abstention,
    hit_at_k,
    key_fact_recall,
    mrr_at_k,
    ndcg_at_k,
    recall_at_k,
    rouge_l,
    token_f1,
)
from evals.text import extract_markers, split_sentences, strip_markers
from rag.answer import Answer

TextLookup = Callable[[Ref], str]

RETRIEVAL = ("hit@1", "hit@3", "hit@5", "recall@3", "recall@5", "recall@k", "mrr@10", "ndcg@10",
             "context_efficiency")
CITATION = ("citation_recall", "citation_precision", "first_citation_correct")
ANSWER = ("key_fact_recall", "token_f1", "rouge_l", "false_abstention")
ANSWERED = ("support_recall", "support_precision", "uncited_sentence_share")
POPULATION: dict[str, str] = {
    **{m: "answerable" for m in RETRIEVAL + CITATION + ANSWER},
    **{m: "answered" for m in ANSWERED},
    "abstention_accuracy": "unanswerable",
    "citation_validity": "all",
    "markers_in_order": "answered",
}
# The issue defines validity as "every marker maps to a retrieved paragraph"; the order in which markers
# first appear is presentation (the generator numbers citations by relevance), so it is its own metric.
ORDER_PROBLEM = "markers first appear out of order"
LOWER_IS_BETTER = frozenset({"false_abstention", "uncited_sentence_share"})


@dataclass(frozen=True)
class ItemScore:
    """The scores of one gold item; `reasons` is empty when the item passed."""

    item: GoldItem
    answer: Answer
    metrics: dict[str, float]
    reasons: tuple[str, ...]
    retrieved_chars: int = 0
    lenient: dict[str, float] = field(default_factory=dict)  # against span-containing paragraphs too

    @property
    def passed(self) -> bool:
        return not self.reasons

    def to_dict(self, texts: TextLookup | None = None) -> dict[str, Any]:
        """The JSONL record: question, answer, scores, failure reasons, and retrieved paragraphs."""
        retrieved = [{"doc_id": d, "paragraph": p, "score": round(s, 4),
                      "gold": (d, p) in self.item.gold_keys, **({"text": texts((d, p))} if texts else {})}
                     for d, p, s in self.answer.retrieved]
        return {
            "id": self.item.id, "category": self.item.category, "question": self.item.question,
            "history": [{"role": t.role, "content": t.content} for t in self.item.history],
            "doc": self.item.doc, "answerable": self.item.answerable, "passed": self.passed,
            "reasons": list(self.reasons),
            "gold_paragraphs": [{"doc_id": r.doc_id, "paragraph": r.paragraph} for r in self.item.gold_paragraphs],
            "reference_answer": self.item.reference_answer, "answer": self.answer.answer,
            "abstained": self.answer.abstained,
            "abstain_reason": self.answer.abstain_reason, "metrics": {k: round(v, 4) for k, v in self.metrics.items()},
            "lenient": {k: round(v, 4) for k, v in self.lenient.items()},
            "retrieved_chars": self.retrieved_chars,
            "timings_ms": {k: round(v, 2) for k, v in self.answer.timings_ms.items()},
            "citations": [{**c.to_dict(), "gold": (c.doc_id, c.paragraph) in self.item.gold_keys}
                          for c in self.answer.citations],
            "retrieved": retrieved,
        }


def ranking(answer: Answer) -> list[Ref]:
    return [(doc_id, paragraph) for doc_id, paragraph, _ in answer.retrieved]


def retrieval_metrics(ranked: Sequence[Ref], gold: Collection[Ref], k: int) -> dict[str, float]:
    return {
        "hit@1": hit_at_k(ranked, gold, 1), "hit@3": hit_at_k(ranked, gold, 3), "hit@5": hit_at_k(ranked, gold, 5),
        "recall@3": recall_at_k(ranked, gold, 3), "recall@5": recall_at_k(ranked, gold, 5),
        "recall@k": recall_at_k(ranked, gold, k), "mrr@10": mrr_at_k(ranked, gold, 10),
        "ndcg@10": ndcg_at_k(ranked, gold, 10),
    }


def _answer_metrics(item: GoldItem, answer: Answer) -> dict[str, float]:
    said = "" if answer.abstained else strip_markers(answer.answer)
    cited = cited_refs(answer)
    return {
        "citation_recall": citation_recall(cited, item.gold_keys),
        "citation_precision": citation_precision(cited, item.gold_keys),
        "first_citation_correct": first_citation_correct(cited, item.gold_keys),
        "key_fact_recall": key_fact_recall(said, item.key_facts),
        "token_f1": token_f1(said, item.reference_answer),
        "rouge_l": rouge_l(said, item.reference_answer),
        "false_abstention": false_abstention(answer.abstained, item.answerable),
    }


def score_item(item: GoldItem, answer: Answer, texts: TextLookup, k: int, judge: SupportJudge | None = None,
               lenient_gold: frozenset[Ref] | None = None) -> ItemScore:
    """All metrics that apply to `item`, the failure reasons, and (optionally) lenient-gold variants."""
    judge = judge or LexicalJudge()
    metrics: dict[str, float] = {"citation_validity": 0.0 if validity_problems(answer) else 1.0}
    ranked = ranking(answer)
    usage = context_efficiency([(ref, texts(ref)) for ref in ranked], item.gold_keys)
    if item.answerable:
        metrics |= retrieval_metrics(ranked, item.gold_keys, k) | _answer_metrics(item, answer)
        metrics["context_efficiency"] = usage.efficiency
    else:
        metrics["abstention_accuracy"] = abstention_correct(answer.abstained, item.answerable)
    if not answer.abstained:
        support = support_scores(answer, judge)
        metrics |= {"support_recall": support.recall, "support_precision": support.precision,
                    "uncited_sentence_share": uncited_sentence_share(answer.answer),
                    "markers_in_order": 0.0 if len(validity_problems(answer)) < len(citation_problems(answer)) else 1.0}
    lenient = _lenient(answer, lenient_gold) if lenient_gold is not None else {}
    reasons = failure_reasons(item, answer, judge)
    return ItemScore(item, answer, metrics, reasons, usage.retrieved_chars, lenient)


def validity_problems(answer: Answer) -> tuple[str, ...]:
    """`citation_problems` without the marker-order convention (see ORDER_PROBLEM)."""
    return tuple(p for p in citation_problems(answer) if not p.startswith(ORDER_PROBLEM))


def _lenient(answer: Answer, gold: frozenset[Ref]) -> dict[str, float]:
    ranked = ranking(answer)
    return {"first_citation_correct": first_citation_correct(cited_refs(answer), gold),
            "hit@1": hit_at_k(ranked, gold, 1), "hit@3": hit_at_k(ranked, gold, 3)}


def _label(ref: Ref, item: GoldItem) -> str:
    """'paragraph 5', with the doc_id only when the item's gold spans several documents."""
    docs = {r.doc_id for r in item.gold_paragraphs}
    return f"paragraph {ref[1]}" if docs <= {ref[0]} else f"{ref[0]} paragraph {ref[1]}"


def failure_reasons(item: GoldItem, answer: Answer, judge: SupportJudge) -> tuple[str, ...]:
    """Why the item failed, most fundamental first; empty when it passed."""
    reasons = [f"invalid citations: {problem}" for problem in validity_problems(answer)]
    if not item.answerable:
        if not answer.abstained:
            cited = ", ".join(str(p) for _, p in cited_refs(answer)) or "none"
            reasons.append(f"answered an unanswerable question (cited paragraphs: {cited})")
        return tuple(reasons)
    if answer.abstained:
        reasons.append("abstained on an answerable question")
    reasons += _citation_reasons(item, answer)
    if not answer.abstained:
        said = strip_markers(answer.answer)
        reasons += [f"key fact missing: {fact[0]}" for fact in item.key_facts if not key_fact_recall(said, [fact])]
        reasons += _support_reasons(answer, judge)
    return tuple(reasons)


def _citation_reasons(item: GoldItem, answer: Answer) -> list[str]:
    ranked, cited = ranking(answer), cited_refs(answer)
    reasons = []
    for ref in sorted(item.gold_keys):
        if ref not in ranked:
            reasons.append(f"gold {_label(ref, item)} not retrieved (top {len(ranked)})")
        elif ref not in cited and not answer.abstained:
            reasons.append(f"gold {_label(ref, item)} not cited (retrieved at rank {ranked.index(ref) + 1})")
    if cited and cited[0] not in item.gold_keys:
        reasons.append(f"first citation is {_label(cited[0], item)}, not a gold paragraph")
    reasons += [f"cited {_label(ref, item)}, which is not gold" for ref in cited[1:] if ref not in item.gold_keys]
    return reasons


def _support_reasons(answer: Answer, judge: SupportJudge) -> list[str]:
    reasons = []
    for sentence in split_sentences(answer.answer):
        claim = strip_markers(sentence)
        numbers = [n for n in dict.fromkeys(extract_markers(sentence)) if 1 <= n <= len(answer.citations)]
        if not numbers:
            reasons.append(f"sentence without a citation: {_short(claim)}")
        elif not all(quote_is_verbatim(answer.citations[n - 1]) for n in numbers):
            reasons.append(f"quote not found in its cited paragraph: {_short(claim)}")
        elif not judge.supports(claim, "\n".join(answer.citations[n - 1].text for n in numbers)):
            reasons.append(f"sentence not supported by its citations: {_short(claim)}")
    return reasons


def _short(text: str, limit: int = 80) -> str:
    return f"'{text}'" if len(text) <= limit else f"'{text[: limit - 1]}…'"
