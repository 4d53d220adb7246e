"""Reading a question: clean it, make a follow-up stand on its own, and note what it asks for.

"它提出的第二条路径具体指什么？" retrieves nothing useful by itself; prefixed with the
recent questions of the conversation it finds the paper they were about.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from ..schema import Reading, Turn
from ..text.fields import asked_fields
from ..text.script import is_english
from ..text.words import Tokenizer
from .intent import asked_count, asked_kind, asked_unit, asks_list, asks_quantity, asks_time

_REFERS_BACK = re.compile(
    r"(它|其|该|这|那|此|上述|前者|后者|他们|她们|它们|这些|那些|第[一二三四五六七八九十\d]+[条个点项]|"
    r"\b(it|its|they|them|their|this|that|these|those|the paper|the authors|he|she)\b)",
    re.I,
)


class QuestionError(ValueError):
    """A question the assistant cannot take; the message is meant for the reader."""


def clean_question(question: str, max_chars: int) -> str:
    if not isinstance(question, str):
        raise QuestionError("the question must be text")
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in question)
    text = " ".join(text.split())
    if not text:
        raise QuestionError("the question is empty: type a question about the papers")
    if len(text) > max_chars:
        raise QuestionError(f"the question is {len(text):,} characters long; the limit is {max_chars:,}")
    return text


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
        history=window,
    )
