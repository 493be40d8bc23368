"""Pure citation metrics over `rag.answer.Answer`: validity, recall/precision against gold, and support.

Support follows ALCE (Gao et al., 2023). Each sentence of the answer is a claim; its evidence is the
concatenated text of the citations its `[n]` markers name. Support recall is the share of sentences
whose evidence supports them (an uncited sentence is unsupported). Support precision is the share of
(sentence, citation) pairs where the sentence is supported and the citation is not irrelevant, i.e.
not (the citation alone fails AND the other citations suffice). Whether evidence supports a claim is
decided by a pluggable `SupportJudge`; the default `LexicalJudge` needs no model.

A citation whose non-empty `quote` has a sentence that does not occur verbatim (whitespace-squeezed) in its
paragraph text is fabricated and contributes no evidence. A marker that names no citation contributes nothing either.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Protocol

from evals.metrics import Ref, distinct
from evals.text import content_tokens, extract_markers, split_sentences, strip_markers
from rag.answer import Answer, Citation


class SupportJudge(Protocol):
    """Decides whether `evidence` supports `claim` (an NLI model, an LLM, or the lexical default)."""

    def supports(self, claim: str, evidence: str) -> bool: ...


@dataclass(frozen=True)
class LexicalJudge:
    """Supported when at least `threshold` of the claim's content tokens occur in the evidence.

    A claim with no content tokens (e.g. "Yes.") cannot be checked and is not supported.
    """

    threshold: float = 0.6

    def supports(self, claim: str, evidence: str) -> bool:
        return token_coverage(claim, evidence) >= self.threshold


def token_coverage(claim: str, evidence: str) -> float:
    """Share of the claim's content tokens present in the evidence; 0.0 for a claim without any."""
    claimed = content_tokens(claim)
    if not claimed:
        return 0.0
    available = set(content_tokens(evidence))
    return sum(1 for t in claimed if t in available) / len(claimed)


def _squeeze(text: str) -> str:
    return " ".join(text.split())


def quote_is_verbatim(citation: Citation) -> bool:
    """True if every sentence of the quote occurs in the paragraph text (whitespace-squeezed), in order.

    A quote may join non-adjacent sentences of the paragraph ("First, ... . Then, ..."); each must be
    there verbatim. An empty quote passes.
    """
    text, position = _squeeze(citation.text), 0
    for piece in split_sentences(citation.quote):
        found = text.find(_squeeze(piece), position)
        if found < 0:
            return False
        position = found + len(_squeeze(piece))
    return True


def cited_refs(answer: Answer) -> list[Ref]:
    """The distinct (doc_id, paragraph) refs of the answer's citations, in citation order."""
    return distinct((c.doc_id, c.paragraph) for c in answer.citations)


def citation_problems(answer: Answer) -> tuple[str, ...]:
    """Ways the answer breaks the contract; empty when its citations are valid.

    Every citation must name a retrieved paragraph, every marker must name a citation, every citation
    must be used, and markers must first appear in order 1, 2, 3, ...
    """
    retrieved = {(doc_id, paragraph) for doc_id, paragraph, _ in answer.retrieved}
    markers = extract_markers(answer.answer)
    numbers = range(1, len(answer.citations) + 1)
    problems = [
        f"citation {n} was not retrieved"
        for n, c in zip(numbers, answer.citations, strict=True)
        if (c.doc_id, c.paragraph) not in retrieved
    ]
    problems += [f"marker [{m}] names no citation" for m in sorted(set(markers)) if m not in numbers]
    problems += [f"citation {n} is never marked" for n in numbers if n not in markers]
    first_seen = list(dict.fromkeys(m for m in markers if m in numbers))
    if first_seen != sorted(first_seen):
        problems.append(f"markers first appear out of order: {first_seen}")
    return tuple(problems)


def citation_validity(answer: Answer) -> float:
    """1.0 when `citation_problems` finds nothing (an answer with no citations and no markers is valid)."""
    return 0.0 if citation_problems(answer) else 1.0


def citation_recall(cited: Sequence[Ref], gold: Collection[Ref]) -> float:
    """Share of distinct gold paragraphs that are cited; 1.0 when gold is empty (nothing to cite)."""
    wanted = set(gold)
    return len(wanted.intersection(cited)) / len(wanted) if wanted else 1.0


def citation_precision(cited: Sequence[Ref], gold: Collection[Ref]) -> float:
    """Share of distinct cited paragraphs that are gold.

    No citations: 1.0 if gold is also empty (correctly cited nothing), else 0.0.
    """
    unique = distinct(cited)
    if not unique:
        return 0.0 if gold else 1.0
    return sum(1 for ref in unique if ref in gold) / len(unique)


def first_citation_correct(cited: Sequence[Ref], gold: Collection[Ref]) -> float:
    """1.0 if the first citation is a gold paragraph; 0.0 with no citations."""
    return 1.0 if cited and cited[0] in gold else 0.0


def uncited_sentence_share(answer_text: str) -> float:
    """Share of the answer's sentences with no `[n]` marker; 0.0 for an empty answer."""
    sentences = split_sentences(answer_text)
    if not sentences:
        return 0.0
    return sum(1 for s in sentences if not extract_markers(s)) / len(sentences)


@dataclass(frozen=True)
class SupportScores:
    """ALCE-style support of an answer's sentences by their citations, each in 0..1."""

    recall: float  # share of sentences supported by their cited evidence
    precision: float  # share of (sentence, citation) pairs that are supported and relevant
    sentences: int
    citation_pairs: int


def _evidence(citations: Sequence[Citation], numbers: Sequence[int]) -> str:
    """Concatenated paragraph text of the named citations, skipping unknown numbers and fake quotes."""
    chosen = [citations[n - 1] for n in numbers if 1 <= n <= len(citations)]
    return "\n".join(c.text for c in chosen if quote_is_verbatim(c))


def _pair_precise(
    claim: str, numbers: Sequence[int], n: int, citations: Sequence[Citation], judge: SupportJudge
) -> bool:
    """ALCE: citation `n` is imprecise only if it fails alone while the other citations suffice."""
    if judge.supports(claim, _evidence(citations, [n])):
        return True
    others = [m for m in numbers if m != n]
    return not (others and judge.supports(claim, _evidence(citations, others)))


def support_scores(answer: Answer, judge: SupportJudge | None = None) -> SupportScores:
    """Support recall and precision of an answer; 0.0 for both when it has no sentences or no pairs.

    Meant for answers that did not abstain; an abstention has nothing to support.
    """
    judge = judge or LexicalJudge()
    supported = precise = pairs = 0
    sentences = split_sentences(answer.answer)
    for sentence in sentences:
        claim, numbers = strip_markers(sentence), list(dict.fromkeys(extract_markers(sentence)))
        pairs += len(numbers)
        if not (numbers and judge.supports(claim, _evidence(answer.citations, numbers))):
            continue
        supported += 1
        precise += sum(1 for n in numbers if _pair_precise(claim, numbers, n, answer.citations, judge))
    recall = supported / len(sentences) if sentences else 0.0
    return SupportScores(recall, precise / pairs if pairs else 0.0, len(sentences), pairs)


def support_recall(answer: Answer, judge: SupportJudge | None = None) -> float:
    """Share of sentences supported by their cited evidence (see `support_scores`)."""
    return support_scores(answer, judge).recall


def support_precision(answer: Answer, judge: SupportJudge | None = None) -> float:
    """Share of (sentence, citation) pairs that are supported and not irrelevant (see `support_scores`)."""
    return support_scores(answer, judge).precision
