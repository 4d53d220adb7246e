"""Indexes of the fixture corpus, built once per session, that the damage, kill and upload
tests work on copies of."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from rag import Assistant, Settings
from rag.index.store import ChromaStore
from tests.paths import FIXTURE_CORPUS


def settings_at(root: Path, cache_dir: Path) -> Settings:
    return Settings(corpus_dir=root / "corpus", index_dir=root / "index", cache_dir=cache_dir)


def build_at(root: Path, cache_dir: Path) -> Path:
    shutil.copytree(FIXTURE_CORPUS, root / "corpus")
    Assistant.load(settings_at(root, cache_dir)).index.close()
    return root


@pytest.fixture(scope="session")
def plain_index(tmp_path_factory: pytest.TempPathFactory, embedding_cache: Path) -> Path:
    return build_at(tmp_path_factory.mktemp("plain"), embedding_cache.parent)


@pytest.fixture(scope="session")
def flushed_index(tmp_path_factory: pytest.TempPathFactory, embedding_cache: Path) -> Path:
    """Chroma told to write its HNSW files after 20 rows, as a real corpus's index does (this
    small one would keep its vectors in Chroma's log), so the damage tests can cut into them."""
    real = ChromaStore.__init__

    def flushing(
        self: ChromaStore, settings: Settings, path: Path, model: dict[str, Any], create: bool = True
    ) -> None:
        real(self, settings, path, {**model, "hnsw:sync_threshold": 20, "hnsw:batch_size": 10}, create)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ChromaStore, "__init__", flushing)
        root = build_at(tmp_path_factory.mktemp("flushed"), embedding_cache.parent)
    assert list((root / "index" / "chroma").glob("*/data_level0.bin")), "the HNSW files were written"
    return root


def copied(source: Path, tmp_path: Path, cache_dir: Path) -> Settings:
    shutil.copytree(source, tmp_path / "copy")
    return settings_at(tmp_path / "copy", cache_dir)


@pytest.fixture
def plain_copy(plain_index: Path, tmp_path: Path, embedding_cache: Path) -> Settings:
    """A private copy of the plain index, on the session's vector cache."""
    return copied(plain_index, tmp_path, embedding_cache.parent)


@pytest.fixture
def flushed_copy(flushed_index: Path, tmp_path: Path, embedding_cache: Path) -> Settings:
    return copied(flushed_index, tmp_path, embedding_cache.parent)


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Points `rag` (apps.cli.main, in this process) at the given settings' folders."""

    def point(settings: Settings) -> None:
        monkeypatch.setenv("RAG_CORPUS_DIR", str(settings.corpus_dir))
        monkeypatch.setenv("RAG_INDEX_DIR", str(settings.index_dir))
        monkeypatch.setenv("RAG_CACHE_DIR", str(settings.cache_dir))

    return point
