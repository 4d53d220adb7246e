"""An answer counts as right only when a sentence that states it cites a passage holding the evidence."""

from __future__ import annotations

from eval.quality.harness import supported
from eval.quality.questions import Evidence, Question
from rag import Answer, Passage

SOURCE = "002_f5292338b78b7c44.txt"
FOREST = "2021年中国森林蓄积量超过175亿立方米，森林覆盖率达到24%。"
ELSEWHERE = "24%的受访企业表示将扩大投资。"
QUESTION = Question(
    "q",
    "2021年中国的森林覆盖率达到了多少？",
    "zh",
    "number",
    ["24%"],
    [Evidence(SOURCE, "森林覆盖率达到24%")],
)


def answer(text: str, *cited: str) -> Answer:
    passages = tuple(Passage(f"c{n}", t, SOURCE, 1.0) for n, t in enumerate(cited))
    return Answer(QUESTION.question, text, passages, True, passages)


def test_a_cited_sentence_from_the_evidence_counts() -> None:
    assert supported(answer(f"{FOREST}[1]", FOREST), QUESTION)


def test_the_accepted_string_in_an_unrelated_cited_passage_does_not_count() -> None:
    assert not supported(answer(f"{ELSEWHERE}[1]", ELSEWHERE), QUESTION)


def test_the_sentence_that_states_it_must_carry_the_citation() -> None:
    assert not supported(answer(f"{ELSEWHERE}另见下文[1]。森林覆盖率达到24%。", FOREST), QUESTION)
    assert supported(answer(f"{ELSEWHERE}[1] {FOREST}[2]", ELSEWHERE, FOREST), QUESTION)


def test_a_marker_beyond_the_citations_counts_for_nothing() -> None:
    assert not supported(answer(f"{FOREST}[3]", FOREST), QUESTION)
