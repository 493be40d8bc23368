"""The optional reranking stage with a real sentence-transformers CrossEncoder on disk.

No trained cross-encoder is available offline, so the one here is the bundled MiniLM with a fresh
(seeded) scoring head: its scores mean nothing for quality, but they are a real model's scores, which
is what the plumbing must follow: the retriever re-orders by them and the answer cites accordingly.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from index.embed import CrossEncoderScorer, bundled_model_path
from index.errors import InputError
from rag.assistant import build_assistant
from rag.settings import Settings

QUESTION = "Which crimes have become harder to detect because of new technologies?"


@pytest.fixture(scope="module")
def cross_encoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from sentence_transformers import CrossEncoder

    torch.manual_seed(0)
    model = CrossEncoder(str(bundled_model_path()), num_labels=1, device="cpu")
    folder = tmp_path_factory.mktemp("cross-encoder")
    model.save(str(folder))
    return folder


def test_retrieval_follows_the_cross_encoders_order(speech_index: Path, cross_encoder: Path) -> None:
    plain = build_assistant(Settings(index_dir=speech_index))
    reranked = build_assistant(Settings(index_dir=speech_index, reranker=str(cross_encoder)))
    candidates = plain.retriever.retrieve(QUESTION, 20)
    hits = reranked.retriever.retrieve(QUESTION, 5)
    scores = CrossEncoderScorer(cross_encoder).scores(QUESTION, [h.text for h in candidates])
    expected = [h.paragraph for _, h in sorted(zip(scores, candidates, strict=True), key=lambda p: -p[0])][:5]
    assert [h.paragraph for h in hits] == expected
    assert [h.score for h in hits] == sorted(scores, reverse=True)[:5]


def test_an_answer_with_a_reranker_still_cites_retrieved_paragraphs(speech_index: Path, cross_encoder: Path) -> None:
    assistant = build_assistant(Settings(index_dir=speech_index, reranker=str(cross_encoder)))
    answer = assistant.ask(QUESTION)
    retrieved = {(d, p) for d, p, _ in answer.retrieved}
    assert all((c.doc_id, c.paragraph) in retrieved for c in answer.citations)
    assert [c.score for c in answer.citations] == sorted((c.score for c in answer.citations), reverse=True)


def test_a_reranker_path_that_is_not_a_model_is_a_clear_error(speech_index: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="SPEECHQA_RERANKER must be a local cross-encoder folder"):
        build_assistant(Settings(index_dir=speech_index, reranker=str(tmp_path / "nowhere")))
