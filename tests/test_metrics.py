"""Metrics, statistics and text helpers against hand-computed numbers and their defined edge cases."""

from __future__ import annotations

import math

import pytest

from evals.citations import (
    LexicalJudge,
    citation_precision,
    citation_problems,
    citation_recall,
    citation_validity,
    cited_refs,
    first_citation_correct,
    support_scores,
    token_coverage,
    uncited_sentence_share,
)
from evals.metrics import (
    abstention_correct,
    context_efficiency,
    false_abstention,
    hit_at_k,
    key_fact_recall,
    lcs_length,
    mrr_at_k,
    ndcg_at_k,
    recall_at_k,
    rouge_l,
    token_f1,
)
from evals.stats import bootstrap_ci, paired_comparison, percentile, sign_test
from evals.text import extract_markers, normalize_answer, split_sentences, strip_markers
from rag.answer import Answer, Citation

D = "doc"
A, B, C, G = (D, 1), (D, 2), (D, 3), (D, 4)


# --- retrieval -------------------------------------------------------------------------------------


def test_ndcg_of_one_gold_at_rank_two_is_one_over_log2_3() -> None:
    assert ndcg_at_k([A, G], {G}) == pytest.approx(1 / math.log2(3))  # 0.6309
    assert ndcg_at_k([A, G], {G}) == pytest.approx(0.6309, abs=1e-4)


def test_ndcg_with_two_gold_at_ranks_one_and_three() -> None:
    # DCG = 1/log2(2) + 1/log2(4) = 1.5; ideal = 1 + 1/log2(3) = 1.6309; 1.5 / 1.6309 = 0.9197
    assert ndcg_at_k([A, B, G], {A, G}) == pytest.approx(0.9197, abs=1e-4)


def test_ndcg_ideal_is_capped_at_k() -> None:
    # three gold but k=1: ideal DCG is 1, and the first item is gold, so nDCG is perfect
    assert ndcg_at_k([A, B, C], {A, B, C}, k=1) == 1.0


def test_mrr_is_reciprocal_rank_of_first_gold_within_k() -> None:
    assert mrr_at_k([A, B, G], {G}) == pytest.approx(1 / 3)
    assert mrr_at_k([A, B, G], {G}, k=2) == 0.0


def test_recall_and_hit_count_distinct_paragraphs() -> None:
    # chunk rankings repeat paragraphs: [A, A, B] is [A, B] at paragraph level
    assert recall_at_k([A, A, B], {A, B}, k=2) == 1.0
    assert recall_at_k([A, C, A], {A, B}, k=2) == 0.5
    assert hit_at_k([C, C, C, A], {A}, k=2) == 1.0
    assert hit_at_k([C, B, A], {A}, k=2) == 0.0


def test_retrieval_edge_cases_are_defined_numbers() -> None:
    assert recall_at_k([A], set()) == 1.0  # nothing to find, nothing missed
    assert (hit_at_k([A], set()), mrr_at_k([A], set()), ndcg_at_k([A], set())) == (0.0, 0.0, 0.0)
    assert (hit_at_k([], {A}), recall_at_k([], {A}), mrr_at_k([], {A}), ndcg_at_k([], {A})) == (0.0,) * 4
    with pytest.raises(ValueError, match="k must be a positive integer"):
        hit_at_k([A], {A}, k=0)


def test_context_efficiency_counts_gold_characters() -> None:
    usage = context_efficiency([(G, "abcd"), (A, "ef"), (G, "abcd")], {G})
    assert usage.efficiency == pytest.approx(8 / 10)
    assert (usage.retrieved_chars, usage.gold_chars) == (10, 8)
    assert context_efficiency([], {G}).efficiency == 0.0


# --- answers ---------------------------------------------------------------------------------------


def test_key_fact_recall_accepts_any_alternative_case_insensitively() -> None:
    facts = [["UNODC"], ["Interpol", "INTERPOL"], ["UNOCT"]]
    assert key_fact_recall("unodc and interpol", facts) == pytest.approx(2 / 3)
    assert key_fact_recall("anything", []) == 1.0
    assert key_fact_recall("recovering illicit\u2002assets", [["illicit  assets"]]) == 1.0


def test_token_f1_uses_squad_normalisation() -> None:
    # pred -> [cat, sat], ref -> [cat, sat, down]: overlap 2, P = 1, R = 2/3, F1 = 0.8
    assert token_f1("The cat sat!", "a cat sat down") == pytest.approx(0.8)
    assert token_f1("", "") == 1.0
    assert token_f1("cat", "") == 0.0
    assert token_f1("dog", "cat") == 0.0


def test_rouge_l_from_longest_common_subsequence() -> None:
    # "the cat sat on the mat" vs "the cat lay on the mat": LCS = the cat on the mat = 5
    # P = 5/6, R = 5/6, F = 5/6
    assert rouge_l("the cat sat on the mat", "the cat lay on the mat") == pytest.approx(5 / 6)
    # "a b c d" vs "b d e": LCS = b d = 2; P = 2/4, R = 2/3; F = 2 * (1/2) * (2/3) / (7/6) = 4/7
    assert rouge_l("a b c d", "b d e") == pytest.approx(4 / 7)
    assert lcs_length(["a", "b", "c", "d"], ["b", "d", "e"]) == 2
    assert rouge_l("", "") == 1.0
    assert rouge_l("x", "") == 0.0


def test_abstention_scores() -> None:
    assert abstention_correct(abstained=True, answerable=False) == 1.0
    assert abstention_correct(abstained=False, answerable=False) == 0.0
    assert abstention_correct(abstained=False, answerable=True) == 1.0
    assert false_abstention(abstained=True, answerable=True) == 1.0
    assert false_abstention(abstained=True, answerable=False) == 0.0
    assert false_abstention(abstained=False, answerable=True) == 0.0


# --- text helpers ----------------------------------------------------------------------------------


def test_split_sentences_keeps_markers_and_abbreviations() -> None:
    text = "Mr. President spoke. He thanked Ecuador [1]. It grew. [2] Then e.g. this [2][3]"
    assert split_sentences(text) == (
        "Mr. President spoke.",
        "He thanked Ecuador [1].",
        "It grew. [2]",
        "Then e.g. this [2][3]",
    )
    assert split_sentences("  ") == ()


def test_markers_are_extracted_in_order_and_stripped() -> None:
    assert extract_markers("a [1] b [2][1] c [x]") == (1, 2, 1)
    assert strip_markers("a [1] b [2][1].") == "a b ."
    assert normalize_answer("The  U.N.'s Office!") == "uns office"


# --- citations -------------------------------------------------------------------------------------

FRAUD = "Telecom fraud and online gambling are growing. Countries should share evidence."
HAITI = "The rampant violence in Haiti is closely linked to weapons influx."


def cite(paragraph: int, text: str, quote: str | None = None) -> Citation:
    return Citation(D, "Doc", paragraph, text, text.split(". ")[0] if quote is None else quote, 0.5)


def answer(text: str, *citations: Citation, retrieved: tuple[int, ...] = (1, 2, 3)) -> Answer:
    return Answer("q", text, False, citations, retrieved=tuple((D, p, 0.5) for p in retrieved))


def test_valid_answer_has_no_citation_problems() -> None:
    text = "Telecom fraud is growing [1]. Haiti violence is linked to weapons [2]."
    good = answer(text, cite(1, FRAUD), cite(2, HAITI))
    assert citation_problems(good) == ()
    assert citation_validity(good) == 1.0
    assert citation_validity(Answer("q", "I cannot find this in the speech.", True)) == 1.0


def test_citation_problems_are_named() -> None:
    assert citation_problems(answer("x [1] [2].", cite(1, FRAUD))) == ("marker [2] names no citation",)
    assert citation_problems(answer("x [1].", cite(1, FRAUD), cite(2, HAITI))) == ("citation 2 is never marked",)
    assert citation_problems(answer("x [1].", cite(9, FRAUD))) == ("citation 1 was not retrieved",)
    out_of_order = answer("x [2]. y [1].", cite(1, FRAUD), cite(2, HAITI))
    assert citation_problems(out_of_order) == ("markers first appear out of order: [2, 1]",)
    assert citation_validity(out_of_order) == 0.0


def test_citation_recall_precision_and_first() -> None:
    cited = [(D, 4), (D, 5), (D, 4)]
    gold = {(D, 5), (D, 6)}
    assert citation_recall(cited, gold) == 0.5
    assert citation_precision(cited, gold) == 0.5  # distinct cited: (4), (5)
    assert first_citation_correct(cited, gold) == 0.0
    assert first_citation_correct([(D, 6)], gold) == 1.0
    assert cited_refs(answer("x [1] [2]", cite(1, FRAUD), cite(1, FRAUD))) == [(D, 1)]


def test_citation_edge_cases() -> None:
    assert (citation_recall([], set()), citation_precision([], set())) == (1.0, 1.0)
    assert (citation_recall([], {A}), citation_precision([], {A}), first_citation_correct([], {A})) == (0.0,) * 3
    assert citation_precision([A], set()) == 0.0


def test_lexical_judge_uses_content_token_coverage() -> None:
    assert token_coverage("cats dogs birds fish", "the cats and the dogs") == 0.5
    assert not LexicalJudge(0.6).supports("cats dogs birds fish", "the cats and the dogs")
    assert LexicalJudge(0.5).supports("cats dogs birds fish", "the cats and the dogs")
    assert not LexicalJudge().supports("It is so.", "it is so")  # only stopwords: cannot be checked


def test_support_scores_follow_alce() -> None:
    # one sentence citing [1] (supports alone) and [2] (irrelevant: fails alone, [1] suffices)
    text = "Telecom fraud and online gambling are growing [1][2]."
    scores = support_scores(answer(text, cite(1, FRAUD), cite(2, HAITI)))
    assert (scores.recall, scores.precision, scores.sentences, scores.citation_pairs) == (1.0, 0.5, 1, 2)


def test_uncited_and_fabricated_citations_are_unsupported() -> None:
    two = answer("Telecom fraud is growing [1]. Haiti violence comes from weapons influx.", cite(1, FRAUD))
    assert support_scores(two).recall == 0.5
    assert uncited_sentence_share(two.answer) == 0.5
    fake = cite(1, FRAUD, quote="China will cut all funding.")
    assert support_scores(answer("Telecom fraud is growing [1].", fake)).recall == 0.0
    assert support_scores(Answer("q", "", True)) == support_scores(Answer("q", "  ", True))
    assert support_scores(Answer("q", "", True)).recall == 0.0
    assert uncited_sentence_share("") == 0.0


def test_support_judge_is_pluggable() -> None:
    class AlwaysYes:
        def supports(self, claim: str, evidence: str) -> bool:
            return bool(evidence)

    scores = support_scores(answer("Anything at all [1]. Uncited.", cite(1, HAITI)), AlwaysYes())
    assert (scores.recall, scores.precision) == (0.5, 1.0)


# --- statistics ------------------------------------------------------------------------------------


def test_percentile_interpolates_linearly() -> None:
    assert percentile([4, 1, 3, 2], 50) == 2.5
    assert percentile([1, 2, 3, 4], 95) == pytest.approx(3.85)  # position 3 * 0.95 = 2.85
    assert percentile([], 95) == 0.0
    assert percentile([7.0], 50) == 7.0
    with pytest.raises(ValueError, match="between 0 and 100"):
        percentile([1.0], 101)


def test_bootstrap_is_deterministic_and_bounded() -> None:
    values = [0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0]
    first = bootstrap_ci(values, n=500, seed=3)
    assert first == bootstrap_ci(values, n=500, seed=3)
    assert first.low <= first.mean == 0.625 <= first.high
    assert bootstrap_ci([0.5] * 5) == (0.5, 0.5, 0.5)
    assert bootstrap_ci([]) == (0.0, 0.0, 0.0)


def test_paired_comparison_counts_wins_losses_ties() -> None:
    result = paired_comparison([1.0, 1.0, 0.0, 0.5], [0.0, 1.0, 1.0, 0.5])
    assert (result.wins, result.losses, result.ties, result.diff.mean) == (1, 1, 2, 0.0)
    assert result.sign_p == 1.0
    assert sign_test(5, 0) == pytest.approx(0.0625)  # 2 * (1/2)^5
    assert paired_comparison([], []).diff == (0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="equal lengths"):
        paired_comparison([1.0], [])
