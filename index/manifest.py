"""The index manifest: which embedding model, dimension and chunker built an index.

It is stored inside the vector store itself (so a Chroma server carries it too). Opening an index
with a different model or chunker is an `IndexMismatchError` that prints the rebuild command,
because mixing vectors from two models silently returns nonsense.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from index.errors import IndexMismatchError

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Manifest:
    embedding_model: str
    dimension: int
    chunker: str
    schema: int = SCHEMA_VERSION

    def to_metadata(self) -> dict[str, Any]:
        return {f"speechqa_{k}": v for k, v in asdict(self).items()}

    @classmethod
    def from_metadata(cls, metadata: dict[str, Any] | None) -> Manifest | None:
        meta = metadata or {}
        if "speechqa_embedding_model" not in meta:
            return None
        return cls(
            embedding_model=str(meta["speechqa_embedding_model"]),
            dimension=int(meta["speechqa_dimension"]),
            chunker=str(meta["speechqa_chunker"]),
            schema=int(meta.get("speechqa_schema", 0)),
        )

    def check_compatible(self, wanted: Manifest, where: str) -> None:
        """Raise when an index built as `self` is opened with settings that want `wanted`."""
        for field in ("embedding_model", "dimension", "chunker", "schema"):
            have, want = getattr(self, field), getattr(wanted, field)
            if have != want and field == "embedding_model":
                raise IndexMismatchError(
                    f"The index at {where} was built with embedding model '{have}' but SPEECHQA_EMBEDDING_MODEL is "
                    f"'{want}'. Rebuild it with: speechqa ingest --rebuild [PATH ...], or set "
                    "SPEECHQA_EMBEDDING_MODEL back")
            if have != want:
                raise IndexMismatchError(
                    f"The index at {where} was built with {field} '{have}' but the settings ask for '{want}'. "
                    f"Rebuild it with: speechqa ingest --rebuild [PATH ...] (or point SPEECHQA_INDEX_DIR elsewhere)"
                )
