"""What kind of question this is, read from its wording alone (cheap, no model)."""

from __future__ import annotations

import re

_ASKS_QUANTITY = re.compile(
    r"多少|多大|多长|多高|多远|(?<!哪)几[个名位项次年座家种]|百分之|比例|占比|"
    r"\bhow (?:many|much|large|big|long|far|high)\b|\bwhat (?:percentage|share|proportion|amount)\b",
    re.I,
)


def is_english(text: str) -> bool:
    letters = re.findall(r"[A-Za-z]", text)
    return len(letters) > 2 * len(re.findall(r"[\u3400-\u9fff]", text))


def asks_quantity(question: str) -> bool:
    """ "How many / how much": only a sentence with a number can answer it. "哪几个" asks
    which ones, not how many."""
    return bool(_ASKS_QUANTITY.search(question))


_ASKED_UNIT = re.compile(r"(?:多少|(?<!哪)几)[万亿千百]*([\u3400-\u9fff])")


def asked_unit(question: str) -> str:
    """What the quantity is counted in: 人 for "多少人", 美 for "多少亿美元" (the first
    character after the multipliers); empty when the question does not say."""
    match = _ASKED_UNIT.search(question)
    return match.group(1) if match else ""
