"""Follow-up questions: make the retrieval query stand on its own.

"它提出的第二条路径具体指什么？" retrieves nothing useful by itself; prefixed with the
recent questions of the conversation it finds the paper they were about.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_REFERS_BACK = re.compile(
    r"(它|其|该|这|那|此|上述|前者|后者|他们|她们|它们|这些|那些|第[一二三四五六七八九十\d]+[条个点项]|"
    r"\b(it|its|they|them|their|this|that|these|those|the paper|the authors|he|she)\b)",
    re.I,
)


@dataclass(frozen=True)
class Turn:
    question: str
    answer: str = ""


def is_follow_up(question: str) -> bool:
    return bool(_REFERS_BACK.search(question)) or len(question.strip()) <= 6


def retrieval_query(question: str, history: Sequence[Turn], turns: int = 3) -> str:
    """The question, preceded by the recent questions when it refers back to them."""
    if not history or not is_follow_up(question):
        return question
    previous = [turn.question for turn in history[-turns:]]
    return " ".join([*previous, question])
