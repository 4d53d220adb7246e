"""What kind of question this is, read from its wording alone (cheap, no model)."""

from __future__ import annotations

import re

_ASKS_QUANTITY = re.compile(
    r"多少|多大|多长|多高|多远|几[个名位项次年座家种]|百分之|比例|占比|"
    r"\bhow (?:many|much|large|big|long|far|high)\b|\bwhat (?:percentage|share|proportion|amount)\b",
    re.I,
)


def is_english(text: str) -> bool:
    letters = re.findall(r"[A-Za-z]", text)
    return len(letters) > 2 * len(re.findall(r"[\u3400-\u9fff]", text))


def asks_quantity(question: str) -> bool:
    """ "How many / how much": only a sentence with a number can answer it."""
    return bool(_ASKS_QUANTITY.search(question))
