"""What every answerer shares: its protocol, the "not found" answer, and writing quoted
sentences with their [n] markers.

An answerer takes a ``Retrieval`` and returns an ``Answer`` (or streams text pieces and then
the ``Answer``), so the extractive answerer and the LLM one plug into the same place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Protocol

from ..schema import Answer, Passage, Retrieval
from ..text.script import is_english

NOT_FOUND_ZH = "论文中没有找到能回答这个问题的内容。"
NOT_FOUND_EN = "The papers do not say."


class Answerer(Protocol):
    def answer(self, retrieval: Retrieval) -> Answer: ...

    def stream(self, retrieval: Retrieval) -> Iterator[str | Answer]: ...


def not_found_text(question: str) -> str:
    return NOT_FOUND_EN if is_english(question) else NOT_FOUND_ZH


def final_answer(items: Iterable[str | Answer]) -> Answer:
    """The ``Answer`` a stream ends with, its text pieces drained."""
    answer: Answer | None = None
    for item in items:
        if isinstance(item, Answer):
            answer = item
    if answer is None:
        raise RuntimeError("the answerer's stream ended without an answer")
    return answer


def compose(
    question: str,
    passages: Sequence[Passage],
    spans: Sequence[tuple[int, int, int]],
    lead: Callable[[Passage, str], str] | None = None,
) -> Answer:
    """The quoted sentences (passage rank, start, end) with [n] markers numbered in order of
    first citation; the cited passages come back with those sentences highlighted. ``lead``
    introduces the first sentence quoted from each passage (English questions, Chinese text)."""
    numbers: dict[int, int] = {}
    quoted: dict[int, list[tuple[int, int]]] = {}
    parts = []
    for rank, start, end in spans:
        first = rank not in numbers
        number = numbers.setdefault(rank, len(numbers) + 1)
        quoted.setdefault(rank, []).append((start, end))
        sentence = passages[rank].text[start:end].strip()
        opening = lead(passages[rank], sentence) if lead is not None and first else ""
        opening = f"{opening} " if opening else ""
        parts.append(f"{opening}{sentence}[{number}]")
    shown = tuple(p.highlighted(quoted[rank]) if rank in quoted else p for rank, p in enumerate(passages))
    citations = tuple(shown[rank] for rank in sorted(numbers, key=numbers.__getitem__))
    joiner = " " if lead is not None or is_english("".join(parts)) else ""
    return Answer(question, joiner.join(parts), citations, True, passages=shown)
