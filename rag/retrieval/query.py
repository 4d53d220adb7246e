"""Reading a question: clean it, make a follow-up stand on its own, and note what it asks for.

"它提出的第二条路径具体指什么？" retrieves nothing useful by itself; prefixed with the
recent questions of the conversation it finds the paper they were about.
"""

from __future__ import annotations

import numbers
import re
import unicodedata
from collections.abc import Sequence

from ..schema import Reading, Turn
from ..text.fields import asked_fields
from ..text.reasons import asks_reason
from ..text.script import is_english
from ..text.words import Tokenizer
from .intent import (
    asked_count,
    asked_kind,
    asked_unit,
    asks_list,
    asks_quantity,
    asks_several_papers,
    asks_time,
)

_REFERS_BACK = re.compile(
    r"(它|其|该|这|那|此|上述|前者|后者|他们|她们|它们|这些|那些|第[一二三四五六七八九十\d]+[条个点项]|"
    r"\b(it|its|they|them|their|this|that|these|those|the paper|the authors|he|she)\b)",
    re.I,
)


class QuestionError(ValueError):
    """A question the assistant cannot take; the message is meant for the reader."""


def printable(text: str) -> str:
    """Text without control characters or lone surrogates (which no encoder takes), on one line."""
    return " ".join("".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text).split())


def clean_question(question: str, max_chars: int) -> str:
    if not isinstance(question, str):
        raise QuestionError("the question must be text")
    text = printable(question)
    if not text:
        raise QuestionError("the question is empty: type a question about the papers")
    if len(text) > max_chars:
        raise QuestionError(f"the question is {len(text):,} characters long; the limit is {max_chars:,}")
    return text


def clean_history(history: Sequence[Turn], max_chars: int) -> tuple[Turn, ...]:
    """Earlier turns, cleaned as questions are: a browser or a script may send anything."""
    if isinstance(history, str | bytes | Turn) or not isinstance(history, Sequence):
        raise TypeError(f"history must be a list of rag.Turn, not {type(history).__name__}")
    turns = []
    for n, turn in enumerate(history, 1):
        if (
            not isinstance(turn, Turn)
            or not isinstance(turn.question, str)
            or not isinstance(turn.answer, str)
        ):
            raise TypeError(
                f"history item {n} is a {type(turn).__name__}; give rag.Turn(question, answer), both text"
            )
        question = printable(turn.question)
        if len(question) > max_chars:
            raise QuestionError(
                f"history item {n} is {len(question):,} characters long; the limit is {max_chars:,}"
            )
        turns.append(Turn(question, printable(turn.answer)))
    return tuple(turns)


def check_k(k: object, max_k: int) -> int | None:
    """How many passages to return: None for the default, else a whole number from 1 to max_k."""
    if k is None:
        return None
    if isinstance(k, bool) or not isinstance(k, numbers.Integral):
        raise TypeError(f"k must be a whole number from 1 to {max_k}, not {k!r}")
    if not 1 <= int(k) <= max_k:
        raise QuestionError(f"k={k} is out of range: ask for 1 to {max_k} passages (RAG_MAX_K)")
    return int(k)


def is_follow_up(question: str) -> bool:
    return bool(_REFERS_BACK.search(question)) or len(question.strip()) <= 6


def recent(history: Sequence[Turn], turns: int) -> tuple[Turn, ...]:
    """The last ``turns`` turns; none when ``turns`` is 0."""
    return tuple(history[-turns:]) if turns > 0 else ()


def standalone(question: str, history: Sequence[Turn]) -> str:
    """The question, preceded by the questions of ``history`` when it refers back to them."""
    if not history or not is_follow_up(question):
        return question
    return " ".join([*(turn.question for turn in history), question])


def read_question(question: str, history: Sequence[Turn], turns: int, tokenizer: Tokenizer) -> Reading:
    """``question`` is already cleaned; ``turns`` is how much of the conversation counts."""
    window = recent(history, turns)
    query = standalone(question, window)
    quantity = asks_quantity(query)
    english = is_english(query)
    return Reading(
        question=question,
        query=query,
        english=english,
        asks_quantity=quantity,
        unit=asked_unit(tokenizer.words(query)) if quantity else "",
        asks_time=asks_time(query),
        asks_kind=asked_kind(question),
        record_fields=asked_fields(question, is_english(question)),
        asks_list=asks_list(question),
        list_size=asked_count(question),
        asks_papers=asks_several_papers(question),
        asks_reason=asks_reason(question),
        history=window,
    )
