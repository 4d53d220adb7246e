"""What kind of question this is, read from its wording alone (cheap, no model)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..text.lists import NUMERALS, number_of
from ..text.numbers import ENGLISH_UNITS, MULTIPLIERS, PERCENT, UNITS, measured_unit

_ASKS_QUANTITY = re.compile(
    r"多少|多大|多长|多高|多远|(?<!哪)几[个名位项次年座家种]|百分之|比例|占比|"
    r"\bhow (?:many|much|large|big|long|far|high)\b|\bwhat (?:percentage|share|proportion|amount)\b",
    re.I,
)


def asks_quantity(question: str) -> bool:
    """ "How many / how much": only a sentence with a number can answer it. "哪几个" asks
    which ones, not how many."""
    return bool(_ASKS_QUANTITY.search(question))


# "When did…", not "…when it comes to…".
_ASKS_TIME = re.compile(
    r"什么时候|何时|哪一年|哪年|哪个月|^\s*when\b|\bwhen (?:did|does|do|was|were|is|are|will|has|have)\b"
    r"|\b(?:what|which|in what|in which) (?:year|month|date)\b",
    re.I,
)


def asks_time(question: str) -> bool:
    """ "When / which year": only a sentence with a date can answer it."""
    return bool(_ASKS_TIME.search(question))


_ASKS_SHARE = re.compile(
    r"[率]|比例|占比|比重|百分比|百分之|份额|\b(?:percentage|share|proportion|rate|ratio|percent)\b", re.I
)
_ENGLISH_UNIT = re.compile(r"\b(?:in|of|many|much)\s+(" + "|".join(ENGLISH_UNITS) + r")\b", re.I)


def asked_unit(words: Sequence[str]) -> str:
    """The unit a how-many question counts in, from its words (jieba's): 人 for 多少/人,
    美元 for 多少/亿美元, 个 for 几个, % for a rate or share (占比是多少, what percentage);
    else the family of what it asks about (元 for 总投资是多少: rag.text.numbers.MEASURES);
    empty when it names neither."""
    text = "".join(words)
    if english := _ENGLISH_UNIT.search(text):
        return ENGLISH_UNITS[english.group(1).lower()]
    if _ASKS_SHARE.search(text):
        return PERCENT
    for n, word in enumerate(words):
        if word == "多少" and n + 1 < len(words):
            unit = words[n + 1].lstrip(MULTIPLIERS)
        elif word.startswith("几") and not (n and words[n - 1] == "哪"):
            unit = word[1:]
        else:
            continue
        if unit in UNITS:
            return unit
        break
    return measured_unit(text)


_ASKS_LIST = re.compile(
    rf"哪些|哪几|哪[{NUMERALS}两]\s*[个种项类方面点条大维层]|包括什么|有什么|几个方面|哪方面"
    r"|\bwhat (?:are|were)\b|\bwhich\b.{0,60}\b(?:are|were)\b|\blist\b|\bname the\b"
    r"|\bwhat (?:\w+ ){0,3}(?:dilemmas|measures|paths|pathways|ways|steps|areas|fields|dimensions|aspects"
    r"|factors"
    r"|problems|challenges|principles|countries|projects|mechanisms|elements|components|types|kinds"
    r"|channels"
    r"|sectors|priorities|directions|recommendations|suggestions|strategies|policies)\b",
    re.I,
)
_COUNT = re.compile(
    rf"([{NUMERALS}两]|\d)\s*(?:个|种|项|类|方面|点|条|大|维|层)|\b(two|three|four|five|six|seven)\b", re.I
)
_ENGLISH_COUNTS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}


def asks_list(question: str) -> bool:
    """ "哪三个维度", "有哪些", "what dilemmas": the answer is several items."""
    return bool(_ASKS_LIST.search(question)) and not asks_quantity(question)


_SEVERAL_PAPERS = re.compile(
    r"两篇|两文|两者|二者|(?:论文|文章|文中|文).{0,12}分别|都(?:提到|认为|提及|指出|给出)|共同"
    r"|\bboth\b|\beach of the\b|\btwo (?:\w+ )?(?:papers|articles)\b",
    re.I,
)


def asks_several_papers(question: str) -> bool:
    """ "两篇论文都提到了哪一项目", "both papers": the answer should quote each paper."""
    return bool(_SEVERAL_PAPERS.search(question))


def asked_count(question: str) -> int:
    """How many items a list question expects ("哪五个方面" -> 5); 0 when it does not say."""
    match = _COUNT.search(question)
    if not match:
        return 0
    if match.group(2):
        return _ENGLISH_COUNTS[match.group(2).lower()]
    word = match.group(1)
    return 2 if word == "两" else number_of(word)


# Who, which organisation, where: only a sentence that names one can answer.
_ASKS_KIND = {
    "person": re.compile(r"谁|哪位|何人|\bwho\b(?! (?:funded|financed))", re.I),
    "organisation": re.compile(
        r"哪家|哪个(?:公司|机构|组织|企业|银行|单位|部门)|什么(?:公司|机构|组织|企业)"
        r"|\bwhich (?:\w+ )?(?:company|companies|organi[sz]ation|institution|bank|firm|agency"
        r"|enterprise)\b",
        re.I,
    ),
    "place": re.compile(
        r"(?:位于|在)哪(?:里|儿)|哪个(?:国家|城市|地方|省|地区)|哪国|何地|何处"
        r"|\bwhere (?:is|are|was|were)\b.{0,40}\b(?:located|based|built|held)\b|\bwhich (?:country|city"
        r"|region|province)\b",
        re.I,
    ),
}


def asked_kind(question: str) -> str:
    """ "person", "organisation" or "place" when only a name of one answers; "" otherwise."""
    return next((kind for kind, pattern in _ASKS_KIND.items() if pattern.search(question)), "")
