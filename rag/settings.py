"""One typed settings object, read from the environment (and CLI flags) at entry points only.

Everything below the entry points receives plain arguments. Errors name the variable to change,
e.g. "SPEECHQA_TOP_K must be a positive integer, got '0'".
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, TypeVar, cast, get_args

from index.embed import DEFAULT_MODEL, DEFAULT_PASSAGE_ENCODER, PassageEncoder
from index.errors import InputError

GeneratorName = Literal["extractive", "llm"]
RetrievalMode = Literal["hybrid", "dense", "lexical"]
MAX_QUESTION_CHARS = 2000


def default_index_dir() -> Path:
    """Per-user data directory (XDG_DATA_HOME or ~/.local/share)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "speechqa" / "index"


@dataclass(frozen=True)
class Settings:
    index_dir: Path = field(default_factory=default_index_dir)
    chroma_url: str | None = None
    embedding_model: str = DEFAULT_MODEL
    passage_encoder: PassageEncoder = DEFAULT_PASSAGE_ENCODER  # ingestion's encoder; queries: float
    top_k: int = 5
    retrieval: RetrievalMode = "hybrid"
    generator: GeneratorName = "extractive"
    abstain_threshold: float = 0.2
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = field(default=None, repr=False)  # never printed
    llm_timeout_s: float = 60.0  # one request to the LLM server (connect, each read)
    llm_deadline_s: float = 60.0  # one whole LLM answer: condensing, generation and verification
    llm_max_tokens: int = 256  # generation stops after this many tokens
    chroma_timeout_s: float = 5.0
    reranker: str | None = None  # a local cross-encoder folder; None: no reranking stage
    scope_fields: tuple[str, ...] = ("country", "speaker", "year")  # metadata a question may name in words

    def with_overrides(self, **changes: Any) -> Settings:
        """A copy with the non-None CLI flags applied."""
        given: dict[str, Any] = {k: v for k, v in changes.items() if v is not None}  # checked by replace()
        return replace(self, **given)

    @property
    def llm_configured(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise InputError(f"{name} must be a positive integer, got '{raw}'")
    return value


def _fraction(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise InputError(f"{name} must be a number between 0 and 1, got '{raw}'")
    return value


def _positive_number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not 0.0 < value < float("inf"):
        raise InputError(f"{name} must be a positive number of seconds, got '{raw}'")
    return value


_Choice = TypeVar("_Choice", bound=str)


def _choice(env: Mapping[str, str], name: str, default: _Choice, kind: Any) -> _Choice:
    """The variable's value, which must be one of the values of the Literal type `kind`."""
    allowed: tuple[str, ...] = get_args(kind)
    raw = env.get(name) or default
    if raw not in allowed:
        raise InputError(f"{name} must be one of {', '.join(allowed)}, got '{raw}'")
    return cast(_Choice, raw)


def _fields(env: Mapping[str, str], name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    raw = env.get(name)
    if raw is None:
        return default
    fields = tuple(f.strip() for f in raw.split(",") if f.strip())
    if any(not f.replace("_", "").replace("-", "").isalnum() for f in fields):
        raise InputError(f"{name} must be metadata field names separated by commas (e.g. country,year), got '{raw}'")
    return fields


def _index_dir(env: Mapping[str, str]) -> Path:
    raw = env.get("SPEECHQA_INDEX_DIR")
    return Path(raw).expanduser() if raw else default_index_dir()


def settings_from_env(env: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from SPEECHQA_* variables; unset variables keep their defaults."""
    env = os.environ if env is None else env
    return Settings(
        index_dir=_index_dir(env),
        chroma_url=env.get("SPEECHQA_CHROMA_URL") or None,
        embedding_model=env.get("SPEECHQA_EMBEDDING_MODEL") or DEFAULT_MODEL,
        passage_encoder=_choice(env, "SPEECHQA_PASSAGE_ENCODER", Settings.passage_encoder, PassageEncoder),
        top_k=_positive_int(env, "SPEECHQA_TOP_K", 5),
        retrieval=_choice(env, "SPEECHQA_RETRIEVAL", "hybrid", RetrievalMode),
        generator=_choice(env, "SPEECHQA_GENERATOR", "extractive", GeneratorName),
        abstain_threshold=_fraction(env, "SPEECHQA_ABSTAIN_THRESHOLD", 0.2),
        llm_base_url=env.get("SPEECHQA_LLM_BASE_URL") or None,
        llm_model=env.get("SPEECHQA_LLM_MODEL") or None,
        llm_api_key=env.get("SPEECHQA_LLM_API_KEY") or None,
        llm_deadline_s=_positive_number(env, "SPEECHQA_LLM_DEADLINE_S", 60.0),
        llm_max_tokens=_positive_int(env, "SPEECHQA_LLM_MAX_TOKENS", 256),
        reranker=env.get("SPEECHQA_RERANKER") or None,
        scope_fields=_fields(env, "SPEECHQA_SCOPE_FIELDS", Settings.scope_fields),
    )


def validate_question(question: str) -> str:
    """Strip and check a question; the error says what to do."""
    cleaned = question.replace("\x00", "").strip()
    if not cleaned:
        raise InputError("The question is empty: type a question about the statement")
    if len(cleaned) > MAX_QUESTION_CHARS:
        raise InputError(
            f"The question is {len(cleaned):,} characters long; the limit is {MAX_QUESTION_CHARS:,}. "
            "Ask a shorter question"
        )
    return cleaned
