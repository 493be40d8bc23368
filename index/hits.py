"""A retrieved chunk as our own value, and the one place a stored chunk row from Chroma becomes one.

Chroma answers a query with nested lists (one per query embedding) and a `get` with flat ones; both
come down to rows of (id, metadata, text, distance), converted by `chunk_hit` and nowhere else.
Chroma gives cosine *distance*; a `ChunkHit` carries `score`, cosine similarity, higher is better.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ChunkHit:
    """A retrieved chunk; `score` is cosine similarity (higher is better)."""

    chunk_id: str
    doc_id: str
    paragraph: int
    start: int
    end: int
    text: str
    paragraph_hash: str
    score: float
    whole: bool = False  # the chunk holds its entire paragraph


def chunk_hit(chunk_id: str, meta: Mapping[str, Any], text: str, distance: float) -> ChunkHit:
    """One stored chunk row (its metadata as `ChromaStore.upsert_chunks` wrote it) at a cosine distance."""
    return ChunkHit(
        chunk_id=chunk_id,
        doc_id=str(meta["doc_id"]),
        paragraph=int(meta["paragraph"]),
        start=int(meta["start"]),
        end=int(meta["end"]),
        text=text,
        paragraph_hash=str(meta["paragraph_hash"]),
        score=1.0 - float(distance),
        whole=bool(meta.get("whole", False)),
    )


def hits_from_query(result: Mapping[str, Any]) -> list[ChunkHit]:
    """The hits of a one-embedding `collection.query(..., include=["documents", "metadatas", "distances"])`."""
    ids, metas = result["ids"][0], result["metadatas"][0]
    texts, distances = result["documents"][0], result["distances"][0]
    return [chunk_hit(cid, m, text, d) for cid, m, text, d in zip(ids, metas, texts, distances, strict=True)]
