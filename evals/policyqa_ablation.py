"""PolicyQA dev retrieval ablation: the evidence for how far the bundled MiniLM and BM25 alone can get.

Issue 3 targets first(span) >= 0.38 and hit@3(span) >= 0.60 on PolicyQA, a paragraph counting when it is
the gold one or holds an answer span (`span_refs`); first(gold) is the strict figure. Every paragraph,
sentence and question is embedded once (one pass gives pooled and token vectors), and the paragraphs of each
question's own policy are ranked by: the paragraph vector; the best sentence vector; BM25 (k1=1.2, b=0.75,
statistics over all policies); the product's RRF of those three (single sentences stand in for its sentence
windows); MaxSim (each IDF-weighted content word piece of the question matched to its most similar paragraph
token); and a*z(MaxSim) + (1-a)*z(best sentence) with `a` chosen on one half of the policies and scored on
the other (policies sorted by question count, dealt alternately to halves A and B), plus the full set at each
chosen `a`. Bracketing rows: the expected random order, and the ceiling of any ranker that ranks identical
question texts of a policy alike (PolicyQA repeats questions with different gold paragraphs).
Run `python -m evals.policyqa_ablation [--file dev.json] [--out results.json]`: a Markdown table, and JSON.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np

from evals.benchmark import policyqa_path
from evals.policyqa import load_policyqa, span_refs
from index.embed import SentenceTransformerEmbedder
from index.errors import InputError
from index.sentences import split_sentences
from index.text import STOPWORDS, tokenize
from rag.retrieve import RRF_K

GRID = tuple(round(0.1 * i, 1) for i in range(11))
TARGETS = "issue 3 targets: first(span) >= 0.38, hit@3(span) >= 0.60"
Scores = list[np.ndarray]  # per question, one score per paragraph of its policy


@dataclass(frozen=True)
class Question:
    text: str
    doc: str
    span: np.ndarray  # per paragraph of the policy: gold, or contains an answer span
    gold: np.ndarray  # per paragraph of the policy: the gold paragraph
    half: int


@dataclass(frozen=True)
class Corpus:
    paragraphs: list[str]
    sentences: list[str]
    first_sentence: np.ndarray  # paragraph i owns sentences first_sentence[i]:first_sentence[i + 1]
    policies: dict[str, slice]  # policy -> its rows in `paragraphs`
    questions: list[Question]

    def sizes(self) -> dict[str, int]:
        halves = Counter(q.half for q in self.questions)
        return {"questions": len(self.questions), "policies": len(self.policies), "paragraphs": len(self.paragraphs),
                "sentences": len(self.sentences), "half A": halves[0], "half B": halves[1]}


@dataclass(frozen=True)
class Row:
    name: str
    first_span: float
    hit3_span: float
    first_gold: float
    halves: tuple[tuple[float, ...], ...] = ()  # the same three figures on half A, then half B


def load(path: Path) -> Corpus:
    data = load_policyqa(path)
    docs = {d.doc_id: d for d in data.documents if d.paragraphs}  # a policy without text has no questions
    paragraphs = [p.text for d in docs.values() for p in d.paragraphs]
    split = [[t[s:e] for s, e in split_sentences(t)] or [t] for t in paragraphs]
    ends = np.cumsum([0] + [len(d.paragraphs) for d in docs.values()]).tolist()
    policies = {doc: slice(a, b) for doc, a, b in zip(docs, ends, ends[1:], strict=False)}
    asked = Counter(item.doc for item in data.items)
    order = sorted(policies, key=lambda d: -asked[d])  # stable: file order breaks ties
    half = {d: i % 2 for i, d in enumerate(order)}
    questions = []
    for item in data.items:
        doc = docs[item.doc or ""]
        refs = span_refs(item, doc)
        keys = [(doc.doc_id, p.number) for p in doc.paragraphs]
        questions.append(Question(item.question, doc.doc_id, np.array([k in refs for k in keys]),
                                  np.array([k in item.gold_keys for k in keys]), half[doc.doc_id]))
    if {q.half for q in questions} != {0, 1}:
        raise InputError(f"{path}: the ablation tunes on one half of the policies and scores on the other, "
                         "so it needs questions from at least two policies")
    sentences = [s for ss in split for s in ss]
    return Corpus(paragraphs, sentences, np.cumsum([0] + [len(ss) for ss in split]), policies, questions)


def idf(df: int, n: int) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def bm25(corpus: Corpus, k1: float = 1.2, b: float = 0.75) -> Scores:
    toks = [tokenize(t) for t in corpus.paragraphs]
    weight = {w: idf(c, len(toks)) for w, c in Counter(w for t in toks for w in set(t)).items()}
    tf = [Counter(t) for t in toks]
    avg = max(float(np.mean([len(t) for t in toks])), 1.0)
    norm = [k1 * (1 - b + b * len(t) / avg) for t in toks]
    out = []
    for q in corpus.questions:
        terms = sorted(set(tokenize(q.text)))  # a fixed order of summation: the same floats on every run
        out.append(np.array([sum(weight[w] * tf[r][w] * (k1 + 1) / (tf[r][w] + norm[r]) for w in terms if w in tf[r])
                             for r in range(len(toks))[corpus.policies[q.doc]]]))
    return out


def encode(model: Any, texts: list[str]) -> tuple[np.ndarray, list[np.ndarray], list[list[str]]]:
    """Pooled vectors, and per text its L2-normalised token vectors and word pieces, from one forward pass."""
    out = model.encode(texts, output_value=None, batch_size=32, convert_to_numpy=False, show_progress_bar=False)
    pooled = np.stack([o["sentence_embedding"].float().numpy() for o in out])
    vectors, pieces = [], []
    for o in out:
        mask = o["attention_mask"].bool()  # outputs are padded to the batch
        v = o["token_embeddings"][mask].float().numpy()
        vectors.append(v / np.linalg.norm(v, axis=1, keepdims=True))
        pieces.append(model.tokenizer.convert_ids_to_tokens(o["input_ids"][mask].tolist()))
    return pooled / np.linalg.norm(pooled, axis=1, keepdims=True), vectors, pieces


def keep(pieces: list[str], content_only: bool) -> np.ndarray:
    """Word pieces with a letter or digit (no [CLS]/[SEP]); `content_only` drops stop words unless none is left."""
    words = np.array([p not in ("[CLS]", "[SEP]") and re.search(r"\w", p) is not None for p in pieces])
    content = words & np.array([p not in STOPWORDS for p in pieces])
    for k in (content, words) if content_only else (words,):
        if k.any():
            return k
    return np.ones(len(pieces), bool)


def dense_signals(corpus: Corpus, model: Any) -> dict[str, Scores]:
    """Whole paragraph, best sentence and MaxSim scores, embedding every text once."""
    P, ptok, ppieces = encode(model, corpus.paragraphs)
    Q, qtok, qpieces = encode(model, [q.text for q in corpus.questions])
    S = encode(model, corpus.sentences)[0]
    df = Counter(p for pieces in ppieces for p in set(pieces))
    docs = {}
    for doc, rows in corpus.policies.items():  # a policy's paragraphs, sentences and tokens are contiguous
        first = corpus.first_sentence[rows.start:rows.stop + 1]
        kept = [ptok[r][keep(ppieces[r], False)] for r in range(rows.start, rows.stop)]
        docs[doc] = (P[rows], S[first[0]:first[-1]], first[:-1] - first[0], np.vstack(kept),
                     np.cumsum([0] + [len(k) for k in kept])[:-1])
    out: dict[str, Scores] = {"paragraph": [], "sentence": [], "maxsim": []}
    for i, q in enumerate(corpus.questions):
        p, s, s_off, tokens, t_off = docs[q.doc]
        k = keep(qpieces[i], True)
        w = np.array([idf(df[piece], len(ppieces)) for piece in np.array(qpieces[i])[k]])
        out["paragraph"].append(p @ Q[i])
        out["sentence"].append(np.maximum.reduceat(s @ Q[i], s_off))
        out["maxsim"].append(w @ np.maximum.reduceat(qtok[i][k] @ tokens.T, t_off, axis=1) / w.sum())
    return out


def rrf(*rankings: np.ndarray) -> np.ndarray:
    total = np.zeros(len(rankings[0]))
    for s in rankings:
        rank = np.empty(len(s))
        rank[np.argsort(-s, kind="stable")] = np.arange(len(s))
        total += 1.0 / (RRF_K + rank + 1)
    return total


def z(x: np.ndarray) -> np.ndarray:
    return (x - x.mean()) / (x.std() + 1e-9)


def outcomes(scores: Scores, questions: list[Question]) -> np.ndarray:
    """Per question: first(span), hit@3(span), first(gold) as booleans."""
    out = np.zeros((len(questions), 3), bool)
    for i, (s, q) in enumerate(zip(scores, questions, strict=True)):
        top = np.argsort(-s, kind="stable")[:3]
        out[i] = q.span[top[0]], q.span[top].any(), q.gold[top[0]]
    return out


def row(name: str, values: np.ndarray, half: np.ndarray | None = None) -> Row:
    """The means of per-question (first span, hit@3 span, first gold) values, also per half when `half` is given."""
    first_span, hit3_span, first_gold = (float(v) for v in values.mean(0))
    halves = () if half is None else tuple(tuple(float(v) for v in values[half == h].mean(0)) for h in (0, 1))
    return Row(name, first_span, hit3_span, first_gold, halves)


def fusion_rows(maxsim: Scores, sentence: Scores, questions: list[Question], half: np.ndarray) -> list[Row]:
    """a*z(MaxSim)+(1-a)*z(sentence): `a` picked on one half (first+hit@3), scored on the other; then full set."""
    runs = {a: outcomes([a * z(m) + (1 - a) * z(s) for m, s in zip(maxsim, sentence, strict=True)], questions)
            for a in GRID}
    chosen = {}
    heldout = np.zeros_like(runs[0.0])
    for test in (0, 1):
        train = half != test
        chosen[test] = max(GRID, key=lambda a: runs[a][train, 0].mean() + runs[a][train, 1].mean())
        heldout[half == test] = runs[chosen[test]][half == test]
    name = f"z-fusion, a from the other half (A: a={chosen[0]:g}, B: a={chosen[1]:g})"
    full = [row(f"z-fusion, full set at a={a:g}", runs[a], half) for a in sorted(set(chosen.values()))]
    return [row(name, heldout, half), *full]


def expected_random(q: Question) -> tuple[float, float, float]:
    n, m, k = len(q.span), int(q.span.sum()), min(3, len(q.span))
    return m / n, 1 - math.comb(n - m, k) / math.comb(n, k), float(q.gold.sum()) / n


def oracle(questions: list[Question]) -> np.ndarray:
    """Best totals of a ranker that must rank questions of identical text (in one policy) alike."""
    groups = defaultdict(list)
    for q in questions:
        groups[(q.doc, q.text.strip().lower())].append(q)
    best = np.zeros(3)
    for group in groups.values():
        span, gold = np.array([q.span for q in group]), np.array([q.gold for q in group])
        useful = np.flatnonzero(span.any(0))  # a top 3 drawn only from paragraphs some question accepts
        best[0] += span.sum(0).max()
        best[1] += max(span[:, list(c)].any(1).sum() for c in combinations(useful, min(3, len(useful))))
        best[2] += gold.sum(0).max()
    return best / len(questions)


def ablation(corpus: Corpus, model: Any) -> list[Row]:
    qs, half = corpus.questions, np.array([q.half for q in corpus.questions])
    dense, lexical = dense_signals(corpus, model), bm25(corpus)
    product = [rrf(*s) for s in zip(dense["paragraph"], dense["sentence"], lexical, strict=True)]
    signals = {"dense paragraph": dense["paragraph"], "dense best sentence": dense["sentence"], "BM25": lexical,
               "product RRF (paragraph, sentence, BM25)": product,
               "MaxSim, IDF-weighted question content tokens": dense["maxsim"]}
    return [row("random order (expected)", np.array([expected_random(q) for q in qs])),
            *(row(name, outcomes(scores, qs), half) for name, scores in signals.items()),
            *fusion_rows(dense["maxsim"], dense["sentence"], qs, half),
            row("oracle: identical question text ranked alike", oracle(qs)[np.newaxis])]


def table(rows: Sequence[Row]) -> str:
    lines = ["| method | first(span) | hit@3(span) | first(gold) |", "|---|---:|---:|---:|"]
    lines += [f"| {r.name} | {r.first_span:.3f} | {r.hit3_span:.3f} | {r.first_gold:.3f} |" for r in rows]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.policyqa_ablation",
                                     description="PolicyQA dev retrieval ablation with the bundled MiniLM and BM25")
    parser.add_argument("--file", type=Path, help="PolicyQA dev.json (default: the shared corpus)")
    parser.add_argument("--out", type=Path, help="also write the rows as JSON here")
    args = parser.parse_args(argv)
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        corpus = load(policyqa_path(args.file))
        # The Embedder protocol gives pooled vectors only; MaxSim needs the model's token vectors too.
        rows = ablation(corpus, SentenceTransformerEmbedder()._load())
    except InputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    seconds = {"wall": round(time.perf_counter() - wall, 1), "cpu": round(time.process_time() - cpu, 1)}
    counts = corpus.sizes()
    print(", ".join(f"{v} {k}" for k, v in counts.items()) + f"; each question scoped to its policy; {TARGETS}\n")
    print(f"{table(rows)}\n\n{seconds['wall']} s wall, {seconds['cpu']} s CPU")
    if args.out:
        result = {"file": str(policyqa_path(args.file)), "targets": TARGETS, **counts, "seconds": seconds,
                  "rows": [asdict(r) for r in rows]}
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
