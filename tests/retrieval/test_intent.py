"""What a question asks for, read from its wording: its language, and whether only a number answers it."""

from __future__ import annotations

import pytest

from rag.retrieval.intent import asked_kind, asked_unit, asks_quantity, asks_time
from rag.text.script import is_english
from rag.text.words import Tokenizer


@pytest.mark.parametrize(
    "question",
    [
        "天山冰川减少了多少？",
        "中亚已投用几个鲁班工坊？",
        "可再生能源占比是多少？",
        "How many workshops are in use?",
        "What share of the world's PV modules does China supply?",
    ],
)
def test_how_many_and_how_much_want_a_number(question: str) -> None:
    assert asks_quantity(question)


@pytest.mark.parametrize(
    "question",
    [
        "作者提出要搭建由哪几个层级组成的联动架构？",
        "作者提炼出了哪几个核心要素？",
        "为什么要优先发展风电？",
        "Which levels make up the framework?",
    ],
)
def test_which_ones_and_why_do_not(question: str) -> None:
    assert not asks_quantity(question)


def test_a_question_is_english_when_latin_letters_outweigh_chinese() -> None:
    assert is_english("What did 卫玲 find about Central Asia?")
    assert not is_english("卫玲对中亚新能源合作有哪些发现？")


@pytest.mark.parametrize(
    ("question", "unit"),
    [
        ("洪灾中共有多少人被疏散？", "人"),
        ("日本的气候ODA达到多少亿美元？", "美元"),
        ("中亚已投用几个鲁班工坊？", "个"),
        ("风电项目的装机容量是多少兆瓦？", "兆瓦"),
        ("中国提供并动员了多少项目资金？", "元"),
        ("罗贡水电站的总投资额是多少？", "元"),
        ("冰川减少了多少？", ""),
        ("作者提炼出了哪几个核心要素？", ""),
        ("可再生能源发电占比是多少？", "%"),
        ("How many people were evacuated?", "人"),
        ("What percentage of the glaciers was lost?", "%"),
    ],
)
def test_the_unit_a_quantity_is_asked_in(tokenizer: Tokenizer, question: str, unit: str) -> None:
    """项目 after 多少 is what is counted, not a unit: asked about 资金 or 投资, any currency
    answers (亿元, 美元)."""
    assert asked_unit(tokenizer.words(question)) == unit


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("中亚天然气管道D线预计什么时候建成？", True),
        ("In which year does Kazakhstan aim to reach carbon neutrality?", True),
        ("为什么要优先发展风电？", False),
        ("Why are countries prone to free-riding when it comes to mitigation?", False),
    ],
)
def test_when_and_which_year_want_a_date(question: str, expected: bool) -> None:
    assert asks_time(question) is expected


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("这一倡议是谁提出的？", "person"),
        ("Who proposed the initiative?", "person"),
        ("哪家公司承建了该风电项目？", "organisation"),
        ("Which company built the wind farm?", "organisation"),
        ("该光伏电站位于哪里？", "place"),
        ("Where is the solar plant located?", "place"),
        ("中亚国家面临哪些气候风险？", ""),
    ],
)
def test_who_which_organisation_and_where_want_a_name(question: str, kind: str) -> None:
    assert asked_kind(question) == kind
