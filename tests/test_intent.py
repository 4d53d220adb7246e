"""What a question asks for, read from its wording: its language, and whether only a number answers it."""

from __future__ import annotations

import pytest

from rag.intent import asked_unit, asks_quantity, is_english


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
        ("日本的气候ODA达到多少亿美元？", "美"),
        ("中亚已投用几个鲁班工坊？", "个"),
        ("冰川减少了多少？", ""),
        ("作者提炼出了哪几个核心要素？", ""),
    ],
)
def test_the_unit_a_quantity_is_asked_in(question: str, unit: str) -> None:
    assert asked_unit(question) == unit
