"""A question about a paper's record is recognised by what it asks, in Chinese and English."""

from __future__ import annotations

import pytest

from rag.text.fields import asked_fields
from rag.text.script import is_english


@pytest.mark.parametrize(
    ("question", "fields"),
    [
        ("这篇论文的作者是谁？", ("authors",)),
        ("Who wrote the Pacific Journal paper?", ("authors",)),
        ("两篇论文分别发表在哪本期刊？", ("journal",)),
        ("它刊登在哪本期刊的哪一卷期？", ("journal", "volume", "issue")),
        ("In which journal, issue and page range was it published?", ("journal", "issue", "pages")),
        ("What is the DOI of the 2026 paper?", ("doi",)),
        ("这篇论文由哪个项目资助？", ("funding",)),
        ("Which grant funded the study?", ("funding",)),
        ("论文的收稿日期是哪天？", ("received",)),
        ("When was the Xinjiang University journal paper received?", ("received",)),
        ("When did the journal receive the manuscript?", ("received",)),
        ("Which journals published the two papers?", ("journal",)),
        ("张立辉是哪一年出生的？", ("biographies",)),
        ("What are Huang Jianping's research interests?", ("biographies",)),
        ("Which university are the authors from?", ("affiliations",)),
        ("这篇论文的关键词有哪些？", ("keywords",)),
        ("这几篇论文里，哪些有张立辉署名？", ("title",)),
        ("Which papers did Zhang Lihui co-author?", ("title",)),
    ],
)
def test_record_questions_name_the_fields_they_ask_for(question: str, fields: tuple[str, ...]) -> None:
    assert asked_fields(question, is_english(question)) == fields


@pytest.mark.parametrize(
    "question",
    [
        "作者认为中亚面临哪些挑战？",
        "According to the authors, what should China do first?",
        "中国—中亚绿色发展基金由谁出资？",
        "What issues does the paper discuss?",
        "中国与中亚新能源合作的项目有哪些？",
        "What does the paper say about the Green Climate Fund?",
        "天山冰川过去50年减少了多少？",
    ],
)
def test_content_questions_that_use_record_words_are_not_record_questions(question: str) -> None:
    assert asked_fields(question, is_english(question)) == ()
