"""Fixtures of the index tests: a chunker of small chunks, indexes built for a test and
closed at its end."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from rag import Settings
from rag.chunking import SentenceChunker
from rag.chunking.tokens import TokenCounter
from rag.index import CachedEmbedder, PaperIndex
from rag.ingest import load_corpus
from rag.text.words import Tokenizer


@pytest.fixture(scope="module")
def chunker() -> SentenceChunker:
    return SentenceChunker(TokenCounter().count, 160, 1)


@pytest.fixture
def opened() -> Iterator[list[PaperIndex]]:
    """Indexes a test opens, closed at its end."""
    indexes: list[PaperIndex] = []
    yield indexes
    for index in indexes:
        index.close()


@pytest.fixture
def build(
    cached_embedder: CachedEmbedder, tokenizer: Tokenizer, chunker: SentenceChunker, opened: list[PaperIndex]
) -> Callable[[Settings], PaperIndex]:
    """Builds the corpus of the settings into an index, closed at the test's end."""

    def built(settings: Settings) -> PaperIndex:
        corpus = load_corpus(settings.corpus_dir)
        index, _ = PaperIndex.build(settings, cached_embedder, tokenizer, corpus, chunker)
        opened.append(index)
        return index

    return built


@pytest.fixture
def index(build: Callable[[Settings], PaperIndex], settings: Settings) -> PaperIndex:
    """The fixture corpus, indexed for the test."""
    return build(settings)
