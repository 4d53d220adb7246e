"""Hybrid retrieval: dense and keyword rankings fused, across languages, without repeated passages."""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

import pytest

from rag import Assistant, Passage
from rag.retrieval import read_question
from rag.retrieval.fusion import DUPLICATE_CONTAINMENT
from rag.retrieval.hybrid import HybridRetriever
from rag.text.shingles import shingles
from tests.index.recording import Recording


def variant(assistant: Assistant, **weights: Any) -> HybridRetriever:
    """The product's retriever with some rankings switched off."""
    retriever = copy.copy(assistant.retriever)
    retriever.settings = replace(assistant.settings, **weights)
    return retriever


def only(assistant: Assistant, ranking: str) -> HybridRetriever:
    """As eval/harness.py compares them: one ranking's weight kept, the others' set to 0."""
    names = ("dense_weight", "keyword_weight")
    return variant(assistant, **{name: 0.0 for name in names if name != ranking})


def dense_only(assistant: Assistant) -> HybridRetriever:
    return only(assistant, "dense_weight")


def keyword_only(assistant: Assistant) -> HybridRetriever:
    return only(assistant, "keyword_weight")


def search(retriever: HybridRetriever, assistant: Assistant, question: str, k: int) -> list[Passage]:
    reading = read_question(question, (), 0, assistant.tokenizer)
    return list(retriever.retrieve(reading, k).passages)


def rank_of(passages: list[Passage], needle: str) -> float:
    """1-based rank of the first passage that contains ``needle``; infinity when none does."""
    return next((n for n, p in enumerate(passages, 1) if needle in p.text), float("inf"))


# -- fusion ------------------------------------------------------------------------------------------


def test_hybrid_finds_the_answer_whenever_either_ranking_alone_does(assistant: Assistant) -> None:
    """Each question is easy for one ranking and hard for the other; hybrid must not lose either."""
    questions = [
        # An exact figure: both find it.
        ("天山冰川过去50年减少了多少？", "11.7%"),
        # A paraphrase in English of a Chinese passage: the keywords cannot match it.
        ("What should the China-Central Asia new energy partnership prioritise first?", "风电和光伏"),
        # Named entities in Chinese.
        ("哪些国际组织参与监督评估？", "联合国环境规划署"),
    ]
    for question, needle in questions:
        hybrid = rank_of(assistant.retrieve(question, k=5), needle)
        dense = rank_of(search(dense_only(assistant), assistant, question, 5), needle)
        keyword = rank_of(search(keyword_only(assistant), assistant, question, 5), needle)
        assert hybrid <= 5 or min(dense, keyword) > 5, (question, hybrid, dense, keyword)
        assert hybrid <= max(dense, keyword), (question, hybrid, dense, keyword)


def test_dense_evidence_votes_once_per_chunk_with_its_best_similarity(assistant: Assistant) -> None:
    """A chunk found by itself and by its sentences counts once, at the higher similarity, so two
    correlated dense rankings cannot outvote a passage that only the keyword index ranks first."""
    index, retriever = assistant.index, assistant.retriever
    readings = ["中亚地区的水资源短缺有多严重？"]
    vectors = retriever.embedder.embed_queries(readings)
    vector, [dense] = retriever._dense(vectors, readings, 30, [], None)
    by_chunk, by_sentence = dict(index.dense_search(vector, 30)), dict(index.sentence_search(vector, 60))
    assert len({chunk_id for chunk_id, _ in dense}) == len(dense) == len(by_chunk.keys() | by_sentence.keys())
    for chunk_id, similarity in dense:
        assert similarity == max(by_chunk.get(chunk_id, -1.0), by_sentence.get(chunk_id, -1.0))
    assert [s for _, s in dense] == sorted((s for _, s in dense), reverse=True)


# -- across languages -------------------------------------------------------------------------------


def test_an_english_question_is_embedded_in_one_model_call(assistant: Assistant) -> None:
    """Its readings (with its Chinese terms, the terms alone, as asked) go to the model together."""
    recording = Recording(assistant.retriever.embedder)
    translator = assistant.retriever.translator
    retriever = HybridRetriever(assistant.index, recording, assistant.settings, translator)
    question = "How much have the Tianshan glaciers shrunk in the past 50 years?"
    found = retriever.retrieve(read_question(question, [], 3, assistant.tokenizer))
    assert found.terms and len(recording.queries) == 1 and len(recording.queries[0]) == 3
    assert recording.queries[0][2] == question


def test_an_english_question_finds_the_chinese_passage(assistant: Assistant) -> None:
    passages = assistant.retrieve("How much have the Tianshan glaciers shrunk in the past 50 years?", k=3)
    assert "11.7%" in passages[0].text
    assert passages[0].source == "climate_cooperation.txt"


def test_an_english_question_finds_a_chinese_named_entity(assistant: Assistant) -> None:
    passages = assistant.retrieve(
        "Which UN body helps supervise the evaluation of cooperation projects?", k=3
    )
    assert any("联合国环境规划署" in p.text for p in passages)


# -- duplicates -------------------------------------------------------------------------------------


def test_the_catalogue_abstract_and_the_papers_abstract_are_not_both_returned(assistant: Assistant) -> None:
    sentence = "面向未来，双方应聚焦制度协同、项目适配、技术创新和保障体系升级四大维度"
    holders = {
        p.source
        for p in assistant.index.tables.table(ids=assistant.index.chunk_ids()).passages(
            assistant.index.chunk_ids()
        )
        if sentence in p.text
    }
    assert holders == {"climate_cooperation.txt", "climate_cooperation_catalogue.txt"}
    passages = assistant.retrieve("面向未来，双方应聚焦哪四大维度？", k=5)
    assert sum(sentence in p.text for p in passages) == 1


def test_no_returned_passage_repeats_a_better_ranked_one(assistant: Assistant) -> None:
    for question in ("中国与中亚国家气候合作的内生动力是什么？", "国际金融机构在合作中起什么作用？"):
        passages = assistant.retrieve(question, k=8)
        for n, later in enumerate(passages):
            own = shingles(later.text, 4)
            for earlier in passages[:n]:
                assert len(own & shingles(earlier.text, 4)) / len(own) < DUPLICATE_CONTAINMENT


# -- what a passage carries -------------------------------------------------------------------------


def test_passages_carry_citation_details_and_scored_sentences(assistant: Assistant) -> None:
    passages = assistant.retrieve("中亚土地荒漠化带来了什么影响？", k=4)
    assert 1 <= len(passages) <= 4
    scores = [p.score for p in passages]
    assert scores == sorted(scores, reverse=True)
    assert len({p.chunk_id for p in passages}) == len(passages)
    for passage in passages:
        assert passage.source in {
            "climate_cooperation.txt",
            "climate_cooperation_catalogue.txt",
            "new_energy.md",
        }
        assert passage.title and passage.paper_id
        sentences = passage.sentences
        assert sentences and all(0 <= s.start < s.end <= len(passage.text) for s in sentences)
        assert passage.best_sentence == max(s.similarity for s in sentences)
    top = passages[0]
    assert "荒漠化" in top.text and top.section == "一、引言"


def test_k_limits_the_passages(assistant: Assistant) -> None:
    assert len(assistant.retrieve("气候合作", k=1)) == 1
    assert len(assistant.retrieve("气候合作", k=7)) == 7


def test_a_question_for_a_record_field_finds_the_line_that_prints_it(assistant: Assistant) -> None:
    """The catalogue prints its journal under "出处"; a reader asks for the "期刊"."""
    passages = assistant.retrieve("气候合作的基础、价值与路径这篇论文发表在哪本期刊上？", k=5)
    assert any("新疆大学学报" in p.text for p in passages)
    funded = assistant.retrieve("这篇气候合作论文由哪个基金资助？", k=5)
    assert any("24YJCGJW008" in p.text for p in funded)


# -- a named paper ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "naming",
    ["卫玲、梁炜的论文中，", "In Wei Ling and Liang Wei's paper, "],
)
def test_a_question_that_names_a_paper_is_searched_in_that_paper_only(
    assistant: Assistant, naming: str
) -> None:
    """Both papers discuss cooperation with Central Asia; naming the authors picks one."""
    question = "中国与中亚国家的合作有哪些路径？"
    unnamed = {p.source for p in assistant.retrieve(question, k=8)}
    assert "climate_cooperation.txt" in unnamed
    assert {p.source for p in assistant.retrieve(naming + question, k=8)} == {"new_energy.md"}
