"""The vector store: chunks with their embeddings, and the documents they came from, in Chroma.

One class, `ChromaStore`, serves both the embedded `PersistentClient` and a `chroma run` server
(`HttpClient`); only the client differs. Two collections: chunks (cosine HNSW, our own embeddings,
never Chroma's default embedding function) and documents (one record per document holding its
parsed paragraphs as JSON). A document record is written last, after its chunks, and is the commit
marker: retrieval ignores chunks whose paragraph hash is not in a committed document, so a crash
mid-ingest never yields citations of missing paragraphs. Chroma's chunk rows become our own values
in `index.hits.chunk_hit` and nowhere else. A query confined to some documents goes through
`index.scoped_search` first, which avoids Chroma's slow metadata filter when it can.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol

from index.chunk import ChunkerConfig, chunk_document
from index.errors import IndexMissingError, InputError, StoreError
from index.hits import ChunkHit, hits_from_query
from index.manifest import Manifest
from index.metadata import record_metadata
from index.model import Chunk, Document, MetaValue, Paragraph
from index.scoped_search import Committed, ScopedSearch

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

CHUNKS = "speechqa_chunks"
DOCUMENTS = "speechqa_documents"
META_PREFIX = "m:"  # a document record's filterable metadata keys, apart from its own fields (title, hash, ...)


@dataclass(frozen=True)
class DocumentInfo:
    """A document's catalogue entry, read without its text (records written before speaker and date
    were kept give "" for them)."""

    doc_id: str
    title: str
    hash: str
    paragraphs: int
    source: str
    speaker: str = ""
    date: str = ""
    metadata: tuple[tuple[str, MetaValue], ...] = ()  # heading and catalogue metadata (`index.metadata`)

    @property
    def meta(self) -> dict[str, MetaValue]:
        return dict(self.metadata)


class VectorStore(Protocol):
    """What ingestion and retrieval need from a store."""

    where: str

    def manifest(self) -> Manifest | None: ...
    def set_manifest(self, manifest: Manifest) -> None: ...
    def existing_ids(self, ids: Sequence[str]) -> set[str]: ...
    def upsert_chunks(self, chunks: Sequence[Chunk], embeddings: np.ndarray) -> None: ...
    def delete_stale_chunks(self, doc_id: str, keep: set[str]) -> int: ...
    def put_document(self, document: Document) -> None: ...
    def delete_document(self, doc_id: str) -> bool: ...
    def documents(self) -> list[DocumentInfo]: ...
    def get_document(self, doc_id: str) -> Document: ...
    def get_documents(self, doc_ids: Sequence[str]) -> dict[str, Document]: ...
    def query(self, embedding: np.ndarray, n: int, doc_ids: Sequence[str] | None = None) -> list[ChunkHit]: ...
    def warm(self, doc_ids: Sequence[str]) -> int: ...
    def hand_over(self, successor: VectorStore, versions: Mapping[str, str]) -> set[str]: ...
    def reset(self) -> None: ...


def document_to_json(document: Document) -> str:
    data: dict[str, object] = {
        "doc_id": document.doc_id,
        "title": document.title,
        "speaker": document.speaker,
        "date": document.date,
        "venue": document.venue,
        "country": document.country,
        "source": document.source,
        "heading": document.heading,
        "paragraphs": [p.text for p in document.paragraphs],
    }
    if document.metadata:
        data["metadata"] = dict(document.metadata)
    return json.dumps(data, ensure_ascii=False)


def document_from_json(raw: str) -> Document:
    data = json.loads(raw)
    paragraphs = tuple(Paragraph(i, t) for i, t in enumerate(data["paragraphs"], start=1))
    return Document(
        doc_id=data["doc_id"],
        title=data["title"],
        paragraphs=paragraphs,
        speaker=data.get("speaker"),
        date=data.get("date"),
        venue=data.get("venue"),
        country=data.get("country"),  # None in records written before it was read: their hash did not cover it
        source=data.get("source", ""),
        heading=data.get("heading", ""),
        metadata=tuple(sorted(data.get("metadata", {}).items())),
    )


MAX_TITLE_CHARS = 300


def set_title(store: VectorStore, doc_id: str, title: str) -> Document:
    """Give a stored document another title; it holds until the document's file is ingested again.

    The title is part of the document's hash, so every reader of the index sees the change.
    """
    title = " ".join(title.split())
    if not title or len(title) > MAX_TITLE_CHARS:
        raise InputError(f"A title must be 1 to {MAX_TITLE_CHARS} characters, got {len(title)}: type another")
    document = replace(store.get_document(doc_id), title=title)
    store.put_document(document)
    return document


def _record_meta(stored: Any) -> tuple[tuple[str, MetaValue], ...]:
    """A record's filterable metadata; a record written before it was kept falls back to speaker and date."""
    found = {k[len(META_PREFIX):]: v for k, v in stored.items() if k.startswith(META_PREFIX)
             and isinstance(v, str | int) and not isinstance(v, bool)}
    if not found:
        found = {k: stored[k] for k in ("speaker", "date") if stored.get(k)}
    return tuple(sorted(found.items()))


class ChromaStore:
    """A SpeechQA index in Chroma, embedded on disk or on a `chroma run` server."""

    def __init__(self, client: Any, where: str, reconnect: Callable[[], Any] | None = None) -> None:
        self.where = where
        self._client, self._reconnect = client, reconnect
        try:
            self._chunks = client.get_or_create_collection(
                CHUNKS, configuration={"hnsw": {"space": "cosine"}}, embedding_function=None
            )
            self._docs = client.get_or_create_collection(DOCUMENTS, embedding_function=None)
            self._scoped = ScopedSearch(self._chunks, self._docs.count, expected=self._expected_chunks)
        except Exception as e:  # chromadb raises many unrelated types for a bad directory or server
            raise StoreError(f"Cannot open the index at {where}: {e}. Check the path or server, or rebuild with "
                             "speechqa ingest --rebuild") from e

    def manifest(self) -> Manifest | None:
        return Manifest.from_metadata(self._chunks.metadata)

    def set_manifest(self, manifest: Manifest) -> None:
        self._chunks.modify(metadata=manifest.to_metadata())

    def existing_ids(self, ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(ids), 500):
            found.update(self._chunks.get(ids=list(ids[start : start + 500]), include=[])["ids"])
        return found

    def upsert_chunks(self, chunks: Sequence[Chunk], embeddings: np.ndarray) -> None:
        if not chunks:
            return
        self._scoped.forget({c.doc_id for c in chunks})
        self._chunks.upsert(
            ids=[c.chunk_id for c in chunks],
            embeddings=embeddings,
            documents=[c.text for c in chunks],
            metadatas=[
                {"doc_id": c.doc_id, "paragraph": c.paragraph, "index": c.index, "start": c.start, "end": c.end,
                 "paragraph_hash": c.paragraph_hash, "whole": c.whole}
                for c in chunks
            ],
        )

    def delete_stale_chunks(self, doc_id: str, keep: set[str]) -> int:
        ids = self._chunks.get(where={"doc_id": doc_id}, include=[])["ids"]
        stale = [i for i in ids if i not in keep]
        self._scoped.forget([doc_id])
        if stale:
            self._chunks.delete(ids=stale)
        return len(stale)

    def put_document(self, document: Document) -> None:
        meta: dict[str, MetaValue] = {"title": document.title, "hash": document.hash,
                                      "paragraphs": len(document.paragraphs), "source": document.source,
                                      "speaker": document.speaker or "", "date": document.date or ""}
        meta.update({META_PREFIX + key: value for key, value in record_metadata(document).items()})
        self._scoped.forget([document.doc_id])  # the number of documents may change
        self._docs.upsert(ids=[document.doc_id], embeddings=[[1.0]], documents=[document_to_json(document)],
                          metadatas=[meta])

    def delete_document(self, doc_id: str) -> bool:
        """Remove a document: its record first (so its chunks stop being citable at once), then its chunks.

        Returns whether anything was stored under `doc_id`; a removal interrupted between the two steps
        is finished by running it again.
        """
        had_record = bool(self._docs.get(ids=[doc_id], include=[])["ids"])
        self._scoped.forget([doc_id])
        if had_record:
            self._docs.delete(ids=[doc_id])
        chunk_ids = self._chunks.get(where={"doc_id": doc_id}, include=[])["ids"]
        for start in range(0, len(chunk_ids), 500):
            self._chunks.delete(ids=chunk_ids[start : start + 500])
        return had_record or bool(chunk_ids)

    def documents(self) -> list[DocumentInfo]:
        got = self._docs.get(include=["metadatas"])
        infos = [
            DocumentInfo(doc_id, str(m["title"]), str(m["hash"]), int(m["paragraphs"]), str(m.get("source", "")),
                         str(m.get("speaker", "")), str(m.get("date", "")), _record_meta(m))
            for doc_id, m in zip(got["ids"], got["metadatas"], strict=True)
        ]
        return sorted(infos, key=lambda d: d.doc_id)

    def get_document(self, doc_id: str) -> Document:
        got = self._docs.get(ids=[doc_id], include=["documents"])
        if not got["ids"]:
            raise IndexMissingError(f"No document '{doc_id}' in the index; list them with: speechqa docs")
        return document_from_json(got["documents"][0])

    def _expected_chunks(self, doc_ids: list[str]) -> dict[str, Committed]:
        """The version and chunks of the committed documents among `doc_ids`, when the index's chunker is the
        default one (the ingestor stores exactly `chunk_document`'s chunks before it commits a document)."""
        manifest = self.manifest()
        if manifest is None or manifest.chunker != ChunkerConfig().version:
            return {}
        return {doc_id: Committed(d.hash, chunk_document(d)) for doc_id, d in self.get_documents(doc_ids).items()}

    def get_documents(self, doc_ids: Sequence[str]) -> dict[str, Document]:
        """Several documents in one round trip; ids not in the index are left out."""
        if not doc_ids:
            return {}
        got = self._docs.get(ids=list(doc_ids), include=["documents"])
        return {doc_id: document_from_json(raw) for doc_id, raw in zip(got["ids"], got["documents"], strict=True)}

    def query(self, embedding: np.ndarray, n: int, doc_ids: Sequence[str] | None = None) -> list[ChunkHit]:
        """The `n` nearest chunks, inside `doc_ids` when given (`index.scoped_search`, else Chroma's filter)."""
        def run() -> list[ChunkHit]:
            if doc_ids:
                hits = self._scoped.query(embedding, n, doc_ids)
                if hits is not None:
                    return hits
            return self._query(embedding, n, doc_ids)

        if self._reconnect is None:
            return run()
        try:
            return run()
        except Exception as e:  # chromadb: "Error finding id" (InternalError) or a TypeError, see `reconnect`
            log.info("The index changed under this reader (%s: %s); reopening it", type(e).__name__, e)
            self._reopen()
            return run()

    def warm(self, doc_ids: Sequence[str]) -> int:
        """Read ahead what a scoped query of these documents needs (their chunk vectors); the number read."""
        return self._scoped.warm(doc_ids)

    def hand_over(self, successor: VectorStore, versions: Mapping[str, str]) -> set[str]:
        """Give `successor`, this index opened again for a newer view of it, the chunk vectors read here of the
        documents it holds at the same version (`versions`: doc_id -> hash); the doc ids handed over."""
        if not isinstance(successor, ChromaStore):
            return set()
        return self._scoped.hand_over(successor._scoped, versions)

    def _query(self, embedding: np.ndarray, n: int, doc_ids: Sequence[str] | None) -> list[ChunkHit]:
        """Chroma's own query, filtered on `doc_id` when `doc_ids` is given."""
        where: dict[str, Any] | None = None
        if doc_ids:
            where = {"doc_id": doc_ids[0]} if len(doc_ids) == 1 else {"doc_id": {"$in": list(doc_ids)}}
        return hits_from_query(self._chunks.query(query_embeddings=[embedding], n_results=max(1, n), where=where,
                                                  include=["documents", "metadatas", "distances"]))

    def _reopen(self) -> None:
        """An embedded client's vector index never learns of another process's writes, so its queries
        fail on what it missed; a new client reads the index as it is on disk now."""
        assert self._reconnect is not None  # only called when set (internal invariant)
        self.__init__(self._reconnect(), self.where, self._reconnect)  # type: ignore[misc]  # re-run setup on the new client

    def reset(self) -> None:
        """Drop everything (for `ingest --rebuild`); the caller has confirmed the intent."""
        for name in (CHUNKS, DOCUMENTS):
            try:
                self._client.delete_collection(name)
            except Exception as e:  # missing collection: nothing to drop
                log.debug("delete_collection(%s): %s", name, e)
        type(self).__init__(self, self._client, self.where, self._reconnect)  # recreate both collections
