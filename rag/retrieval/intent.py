"""What kind of question this is, read from its wording alone (cheap, no model)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..text.numbers import MULTIPLIERS, UNITS

_ASKS_QUANTITY = re.compile(
    r"多少|多大|多长|多高|多远|(?<!哪)几[个名位项次年座家种]|百分之|比例|占比|"
    r"\bhow (?:many|much|large|big|long|far|high)\b|\bwhat (?:percentage|share|proportion|amount)\b",
    re.I,
)


def asks_quantity(question: str) -> bool:
    """ "How many / how much": only a sentence with a number can answer it. "哪几个" asks
    which ones, not how many."""
    return bool(_ASKS_QUANTITY.search(question))


_ASKS_TIME = re.compile(r"什么时候|何时|哪一年|哪年|哪个月|\b(?:when|what year|which year)\b", re.I)


def asks_time(question: str) -> bool:
    """ "When / which year": only a sentence with a date can answer it."""
    return bool(_ASKS_TIME.search(question))


def asked_unit(words: Sequence[str]) -> str:
    """The unit a how-many question counts in, from its words (jieba's): 人 for 多少/人,
    美元 for 多少/亿美元, 个 for 几个; empty for 多少/项目 (a noun, not a unit) or no unit."""
    for n, word in enumerate(words):
        if word == "多少" and n + 1 < len(words):
            unit = words[n + 1].lstrip(MULTIPLIERS)
        elif word.startswith("几") and not (n and words[n - 1] == "哪"):
            unit = word[1:]
        else:
            continue
        return unit if unit in UNITS else ""
    return ""
