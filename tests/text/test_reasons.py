"""How a question asks why, and how a paper's sentence gives a cause or draws a consequence."""

from __future__ import annotations

import pytest

from rag.text.reasons import asks_reason, draws_consequence, gives_reason


@pytest.mark.parametrize(
    "question",
    [
        "为什么说新能源合作是关键途径？",
        "中亚电网为何难以支撑并网？",
        "Why do grids in Central Asia struggle?",
        "What are the reasons for the funding gap?",
        "造成融资难的原因是什么？",
    ],
)
def test_these_questions_ask_for_a_reason(question: str) -> None:
    assert asks_reason(question)


@pytest.mark.parametrize(
    "question", ["中亚电网面临哪些问题？", "What does the paper say about grids?", "原因分析一节讲了什么？"]
)
def test_these_do_not(question: str) -> None:
    assert not asks_reason(question)


def test_a_cause_is_stated_by_an_opening_phrase_or_by_what_something_is_due_to() -> None:
    assert gives_reason("这是由于技术联合攻关能够延伸知识外溢半径。")
    assert gives_reason("电网老化的主要原因在于长期缺乏投资。")
    assert gives_reason("This is because the grids date from the Soviet era.")
    assert not gives_reason("许多电网为苏联时期遗留，普遍老化。")


def test_a_consequence_is_drawn_at_the_opening_of_a_sentence() -> None:
    assert draws_consequence("因此，有必要设立专项基金。")
    assert draws_consequence("Therefore, a fund is needed.")
    assert not draws_consequence("设立专项基金因此很有必要。")
