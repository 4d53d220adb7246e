"""The public API: Assistant.load / retrieve / ask, on the real model and a real Chroma."""

from __future__ import annotations

import copy
import os
import time
from dataclasses import replace

import pytest

from eval.bench.neighbours import busy_neighbours
from rag import Answer, Assistant, QuestionError, Turn


def test_retrieve_returns_passages_with_citation_details(assistant: Assistant) -> None:
    passages = assistant.retrieve("天山冰川过去50年减少了多少？", k=3)
    assert 1 <= len(passages) <= 3
    top = passages[0]
    assert "11.7%" in top.text
    assert top.source == "climate_cooperation.txt"
    assert top.title.startswith("高质量共建")
    assert top.record.authors == ("张立辉", "黄忠伟", "黄建平")


def test_a_retrieval_says_how_the_question_was_read(assistant: Assistant) -> None:
    history = [Turn("天山冰川过去50年减少了多少？", "减少11.7%[1]")]
    retrieval = assistant.retrieval("它的主要原因是什么？", k=3, history=history)
    assert retrieval.reading.query == "天山冰川过去50年减少了多少？ 它的主要原因是什么？"
    assert retrieval.reading.history == tuple(history) and not retrieval.reading.english
    assert 0.0 < retrieval.coverage <= 1.0 and len(retrieval.passages) == 3


def test_answering_leaves_the_retrieved_passages_as_they_were(assistant: Assistant) -> None:
    retrieval = assistant.retrieval("天山冰川过去50年减少了多少？")
    answer = assistant.answerer.answer(retrieval)
    assert answer.found and answer.citations[0].highlights
    assert all(p.highlights == () for p in retrieval.passages)


def test_no_history_turns_means_no_history(assistant: Assistant) -> None:
    history = [Turn("天山冰川过去50年减少了多少？", "减少11.7%[1]")]
    alone = copy.copy(assistant)
    alone.settings = replace(assistant.settings, history_turns=0)
    retrieval = alone.retrieval("它的主要原因是什么？", history=history)
    assert retrieval.reading.query == "它的主要原因是什么？" and retrieval.reading.history == ()


def test_ask_quotes_the_answering_sentence_with_a_marker(assistant: Assistant) -> None:
    answer = assistant.ask("天山冰川过去50年减少了多少？")
    assert isinstance(answer, Answer)
    assert answer.found
    assert "11.7%" in answer.text and "[1]" in answer.text
    cited = answer.citations[0]
    assert any("11.7%" in cited.text[s:e] for s, e in cited.highlights)


@pytest.mark.parametrize("question", ["", "   ", "\x00\x01\n\t"])
def test_empty_questions_are_refused_clearly(assistant: Assistant, question: str) -> None:
    with pytest.raises(QuestionError, match="empty"):
        assistant.ask(question)


def test_huge_question_is_refused_with_its_length(assistant: Assistant) -> None:
    with pytest.raises(QuestionError, match="100,000 characters"):
        assistant.ask("气" * 100_000)


def test_an_english_question_finds_the_chinese_passage_after_warm_up(assistant: Assistant) -> None:
    assistant.warm_up()
    passages = assistant.retrieve("How much have the Tianshan glaciers shrunk?", k=5)
    assert any("11.7%" in p.text for p in passages)


def test_the_pipeline_is_a_langchain_runnable(assistant: Assistant) -> None:
    answer = assistant.chain().invoke("天山冰川过去50年减少了多少？")
    assert isinstance(answer, Answer) and "11.7%" in answer.text


def test_an_answer_comes_within_seconds_with_every_core_busy(assistant: Assistant) -> None:
    """A CPU-burning neighbour on each core must not stall a question (OpenMP teams wait for
    their slowest thread at every step); a generous bound, the point is no stall of minutes."""
    assistant.ask("天山冰川过去50年减少了多少？")
    with busy_neighbours(os.cpu_count() or 1):
        started = time.perf_counter()
        answer = assistant.ask("How much have the Tianshan glaciers shrunk in the past 50 years?")
        seconds = time.perf_counter() - started
    assert answer.found and "11.7%" in answer.text
    assert seconds < 20


def test_cited_papers_carry_the_whole_record_for_a_reference(assistant: Assistant) -> None:
    answer = assistant.ask("天山冰川过去50年减少了多少？")
    assert answer.citations[0].record.pages == "", "a passage carries only the citation fields"
    (paper,) = assistant.cited_papers(answer.citations[:1] * 2)
    assert paper.record.pages == "80-91" and paper.record.authors_en[0] == "ZHANG Li-hui"
    assert paper.reference().endswith("2026(1): 80-91. DOI:10.13568/j.cnki.issn1000-2820.2026.01.009")
