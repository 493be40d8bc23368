"""Settings from the environment and the command line: defaults, overrides, and errors that name the variable."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from index.embed import DEFAULT_MODEL
from index.errors import InputError, SpeechQAError
from rag.settings import MAX_QUESTION_CHARS, Settings, default_index_dir, settings_from_env, validate_question
from ui.cli import build_parser, settings_from


def test_defaults_when_nothing_is_set(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    settings = settings_from_env({})
    assert settings.index_dir == tmp_path / "speechqa" / "index"
    assert (settings.top_k, settings.generator, settings.retrieval) == (5, "extractive", "hybrid")
    assert settings.embedding_model == DEFAULT_MODEL
    assert settings.chroma_url is None and not settings.llm_configured


def test_default_index_dir_falls_back_to_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_index_dir() == tmp_path / ".local" / "share" / "speechqa" / "index"


def test_environment_overrides_every_field() -> None:
    env = {
        "SPEECHQA_INDEX_DIR": "/data/idx",
        "SPEECHQA_CHROMA_URL": "http://127.0.0.1:8000",
        "SPEECHQA_EMBEDDING_MODEL": "/models/minilm",
        "SPEECHQA_TOP_K": "8",
        "SPEECHQA_RETRIEVAL": "dense",
        "SPEECHQA_GENERATOR": "llm",
        "SPEECHQA_ABSTAIN_THRESHOLD": "0.4",
        "SPEECHQA_LLM_BASE_URL": "http://127.0.0.1:9000/v1",
        "SPEECHQA_LLM_MODEL": "tiny",
        "SPEECHQA_LLM_API_KEY": "sk-secret",
        "SPEECHQA_LLM_DEADLINE_S": "12.5",
        "SPEECHQA_LLM_MAX_TOKENS": "64",
    }
    s = settings_from_env(env)
    assert (s.llm_deadline_s, s.llm_max_tokens) == (12.5, 64)
    assert s.index_dir == Path("/data/idx") and s.chroma_url == "http://127.0.0.1:8000"
    assert (s.embedding_model, s.top_k, s.retrieval, s.generator) == ("/models/minilm", 8, "dense", "llm")
    assert s.abstain_threshold == pytest.approx(0.4)
    assert s.llm_configured and s.llm_api_key == "sk-secret"
    assert "sk-secret" not in repr(s)


def test_index_dir_expands_the_home_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert settings_from_env({"SPEECHQA_INDEX_DIR": "~/idx"}).index_dir == tmp_path / "idx"


def test_empty_variables_keep_the_defaults() -> None:
    s = settings_from_env({"SPEECHQA_TOP_K": "", "SPEECHQA_GENERATOR": "", "SPEECHQA_ABSTAIN_THRESHOLD": "",
                           "SPEECHQA_LLM_DEADLINE_S": ""})
    assert (s.top_k, s.generator, s.abstain_threshold) == (5, "extractive", Settings().abstain_threshold)
    assert (s.llm_deadline_s, s.llm_max_tokens) == (60.0, 256)


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("SPEECHQA_TOP_K", "0"),
        ("SPEECHQA_TOP_K", "-3"),
        ("SPEECHQA_TOP_K", "five"),
        ("SPEECHQA_TOP_K", "2.5"),
        ("SPEECHQA_ABSTAIN_THRESHOLD", "1.5"),
        ("SPEECHQA_ABSTAIN_THRESHOLD", "-0.1"),
        ("SPEECHQA_ABSTAIN_THRESHOLD", "high"),
        ("SPEECHQA_RETRIEVAL", "fuzzy"),
        ("SPEECHQA_GENERATOR", "gpt"),
        ("SPEECHQA_LLM_DEADLINE_S", "0"),
        ("SPEECHQA_LLM_DEADLINE_S", "-5"),
        ("SPEECHQA_LLM_DEADLINE_S", "soon"),
        ("SPEECHQA_LLM_DEADLINE_S", "inf"),
        ("SPEECHQA_LLM_DEADLINE_S", "nan"),
        ("SPEECHQA_LLM_MAX_TOKENS", "0"),
    ],
)
def test_bad_values_name_the_variable_and_the_value(name: str, raw: str) -> None:
    with pytest.raises(InputError) as caught:
        settings_from_env({name: raw})
    message = str(caught.value)
    assert name in message and f"'{raw}'" in message
    assert "\n" not in message
    assert caught.value.exit_code == 2


def test_with_overrides_applies_only_given_values() -> None:
    base = Settings(top_k=5, index_dir=Path("/a"))
    changed = base.with_overrides(top_k=2, index_dir=None, generator=None)
    assert (changed.top_k, changed.index_dir, changed.generator) == (2, Path("/a"), "extractive")
    assert base.top_k == 5  # frozen: the original is untouched
    with pytest.raises(AttributeError):
        base.top_k = 3  # type: ignore[misc]  # the test proves it is frozen


def _cli_settings(argv: list[str]) -> Settings:
    args: argparse.Namespace = build_parser().parse_args(argv)
    return settings_from(args)


def test_cli_flags_beat_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SPEECHQA_TOP_K", "7")
    monkeypatch.setenv("SPEECHQA_INDEX_DIR", str(tmp_path / "env"))
    monkeypatch.setenv("SPEECHQA_GENERATOR", "extractive")
    s = _cli_settings(["ask", "q", "--k", "3", "--index-dir", str(tmp_path / "flag")])
    assert (s.top_k, s.index_dir) == (3, tmp_path / "flag")
    assert _cli_settings(["ask", "q"]).top_k == 7
    assert _cli_settings(["docs"]).index_dir == tmp_path / "env"


def test_cli_rejects_a_non_positive_k(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        build_parser().parse_args(["ask", "q", "--k", "0"])
    assert caught.value.code == 2
    assert "must be a positive integer, got '0'" in capsys.readouterr().err


def test_question_is_stripped_and_limited() -> None:
    assert validate_question("  What about Haiti?\n") == "What about Haiti?"
    assert validate_question("a\x00b") == "ab"
    assert validate_question("x" * MAX_QUESTION_CHARS) == "x" * MAX_QUESTION_CHARS
    with pytest.raises(InputError, match="limit is 2,000"):
        validate_question("x" * (MAX_QUESTION_CHARS + 1))
    for blank in ("", "   ", "\n\t", "\x00"):
        with pytest.raises(SpeechQAError, match="empty"):
            validate_question(blank)
