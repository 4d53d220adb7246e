"""Each question to the answerer for its kind: a question about a paper's record to the
record answerer, every other question to the default one (extractive, or the LLM)."""

from __future__ import annotations

from collections.abc import Iterator

from ..schema import Answer, Retrieval
from .base import Answerer


class RoutedAnswerer:
    def __init__(self, default: Answerer, record: Answerer) -> None:
        self.default = default
        self.record = record

    def pick(self, retrieval: Retrieval) -> Answerer:
        return self.record if retrieval.reading.record_fields else self.default

    def answer(self, retrieval: Retrieval) -> Answer:
        return self.pick(retrieval).answer(retrieval)

    def stream(self, retrieval: Retrieval) -> Iterator[str | Answer]:
        yield from self.pick(retrieval).stream(retrieval)
