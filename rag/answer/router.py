"""Each question to the answerer for its kind: a question about a paper's record to the
record answerer, a list question to the enumeration answerer, every other question to the
default one (extractive, or the LLM)."""

from __future__ import annotations

from collections.abc import Iterator

from ..schema import Answer, Retrieval
from .base import Answerer


class RoutedAnswerer:
    def __init__(self, default: Answerer, record: Answerer, listing: Answerer | None = None) -> None:
        self.default = default
        self.record = record
        self.listing = listing or default

    def pick(self, retrieval: Retrieval) -> Answerer:
        if retrieval.reading.record_fields:
            return self.record
        return self.listing if retrieval.reading.asks_list else self.default

    def answer(self, retrieval: Retrieval) -> Answer:
        return self.pick(retrieval).answer(retrieval)

    def stream(self, retrieval: Retrieval) -> Iterator[str | Answer]:
        yield from self.pick(retrieval).stream(retrieval)
