"""The LangChain face of retrieval: a `BaseRetriever` and the LCEL chain that answers.

LangChain `Document`s exist only here: `hits_to_documents` and `documents_to_hits` are the one
boundary where our `ParagraphHit` values cross into LangChain and back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableLambda

from rag.retrieve import HybridRetriever, ParagraphHit


def hits_to_documents(hits: Sequence[ParagraphHit]) -> list[LCDocument]:
    return [
        LCDocument(page_content=h.text, metadata={"doc_id": h.doc_id, "paragraph": h.paragraph, "score": h.score,
                                                   "hit": h})
        for h in hits
    ]


def documents_to_hits(documents: Sequence[LCDocument]) -> list[ParagraphHit]:
    return [d.metadata["hit"] for d in documents]


class ParagraphRetriever(BaseRetriever):
    """Retrieves paragraphs (not raw chunks) with hybrid search; scoping and k per call."""

    hybrid: Any  # HybridRetriever (pydantic cannot validate our plain class)
    k: int = 5
    doc_ids: list[str] | None = None
    boost: dict[tuple[str, int], float] | None = None

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[LCDocument]:
        retriever: HybridRetriever = self.hybrid
        return hits_to_documents(retriever.retrieve(query, self.k, self.doc_ids, self.boost))


def retrieval_chain(retriever: ParagraphRetriever) -> Runnable[dict[str, Any], dict[str, Any]]:
    """{"query": Query} -> {"query": Query, "hits": [ParagraphHit]} as an LCEL pipeline.

    One step around the retriever rather than `RunnablePassthrough.assign` (a thread per question) or
    a sequence of lambdas: each LCEL layer costs a callback set-up and a signature inspection, about
    half a millisecond per question here, against a warm answer budget of about ten.
    """

    def fetch(state: dict[str, Any]) -> dict[str, Any]:
        return {**state, "hits": documents_to_hits(retriever.invoke(state["query"].standalone))}

    return RunnableLambda(fetch)
