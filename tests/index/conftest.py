"""Fixtures of the index tests: a chunker of small chunks, and indexes closed at a test's end."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rag.chunking import SentenceChunker
from rag.chunking.tokens import TokenCounter
from rag.index import PaperIndex


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
