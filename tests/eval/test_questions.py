"""The eval question set is sound: every quote is really in its paper."""

from __future__ import annotations

from collections import Counter

import pytest

from eval.quality.questions import (
    Evidence,
    Question,
    accepted_in,
    contains_evidence,
    load_questions,
    unspecific_answers,
    validate,
)
from tests.paths import ROOT


@pytest.fixture(scope="module")
def questions() -> list[Question]:
    return load_questions(ROOT / "eval" / "questions.jsonl")


def test_every_evidence_quote_is_verbatim_in_its_source_and_ids_are_unique(questions: list[Question]) -> None:
    assert validate(questions, ROOT / "corpus") == []


@pytest.mark.parametrize(
    "name",
    [
        "questions_heldout.jsonl",
        "questions_heldout_v3.jsonl",
        "questions_heldout_v2.jsonl",
        "questions_heldout_v1.jsonl",
        "questions_calibration.jsonl",
    ],
)
def test_the_other_sets_are_sound_and_share_no_id_with_the_main_set(
    questions: list[Question], name: str
) -> None:
    other = load_questions(ROOT / "eval" / name)
    assert validate(other, ROOT / "corpus") == []
    assert len(other) >= 30 and not {q.id for q in other} & {q.id for q in questions}
    assert {q.lang for q in other} == {"zh", "en"} and any(not q.answerable for q in other)


def test_the_held_out_set_has_the_mix_the_answer_step_is_judged_on() -> None:
    held_out = load_questions(ROOT / "eval" / "questions_heldout.jsonl")
    types = Counter(q.type for q in held_out)
    assert len(held_out) >= 60 and types["metadata"] >= 10 and types["list"] >= 10
    assert sum(q.kind == "near-miss" for q in held_out) >= 12 and sum(q.lang == "en" for q in held_out) >= 15


def test_the_calibration_set_is_unanswerable_questions_of_every_kind() -> None:
    calibration = load_questions(ROOT / "eval" / "questions_calibration.jsonl")
    assert len(calibration) >= 30 and not any(q.answerable for q in calibration)
    assert {"near-miss", "off-topic", "wrong-paper", "future"} <= {q.kind for q in calibration}


def test_the_set_is_large_and_mixed(questions: list[Question]) -> None:
    assert len(questions) >= 100
    langs = Counter(q.lang for q in questions)
    assert langs["en"] / len(questions) >= 0.2
    types = Counter(q.type for q in questions)
    assert types["unanswerable"] >= 10
    assert {"metadata", "number", "list", "why", "multi", "fact"} <= set(types)
    sources = Counter(ev.source for q in questions for ev in q.evidence)
    assert all(sources[f.name] >= 3 for f in (ROOT / "corpus").glob("00[1-4]_*.txt"))


def test_validation_catches_a_quote_that_is_not_in_the_paper(questions: list[Question]) -> None:
    broken = Question(
        "x1",
        "问题？",
        "zh",
        "fact",
        ["答案"],
        [questions[0].evidence[0].__class__(questions[0].evidence[0].source, "这句话不在论文里面出现过")],
    )
    assert validate([broken], ROOT / "corpus") == [
        "x1: evidence not found verbatim in " + broken.evidence[0].source
    ]


def test_a_fact_stated_again_in_the_english_abstract_is_found_in_either_wording() -> None:
    source = "000_4af636635f89b5c1.txt"
    evidence = Evidence(
        source,
        "国际金融机构提供的资金与机制支持成为重要的外部保障",
        ((source, "a vital external safeguard"),),
    )
    assert evidence.found_in(
        "…the support offered by international financial institutions serves as a vital external safeguard."
    )
    assert evidence.found_in("国际金融机构提供的资金与机制支持成为重要的外部保障。")
    assert not evidence.found_in("双方共同面临的气候挑战构成合作的内生动力。")
    wrong = Evidence(
        source, "国际金融机构提供的资金与机制支持成为重要的外部保障", ((source, "not in the paper at all"),)
    )
    question = Question("x2", "What safeguards the cooperation?", "en", "fact", ["financial"], [wrong])
    assert validate([question], ROOT / "corpus") == [f"x2: evidence not found verbatim in {source}"]


def test_relevance_ignores_punctuation_and_white_space_from_cleaning() -> None:
    assert contains_evidence("天山冰川过去50年减少11.7%，局部区域", "天山冰川过去50年减少11.7%,局部")
    assert not contains_evidence("天山冰川过去50年", "中亚五国的能源结构")


def test_relevance_allows_a_quote_cut_by_a_chunk_boundary() -> None:
    quote = "中国与中亚国家依托一带一路合作框架积极构建新型区域气候合作模式"
    assert contains_evidence("……在此背景下，中国与中亚国家依托一带一路合作框架积极构建", quote)
    assert not contains_evidence("依托", quote)


def test_answers_match_variants_regardless_of_spacing() -> None:
    assert accepted_in("总额为3 000万美元[1]", ["3000万"])
    assert not accepted_in("总额未知", ["3000万"])


def test_matching_keeps_fractions_decimals_and_percentages_apart() -> None:
    assert accepted_in("约占全球的1/3。", ["1/3"])
    assert not accepted_in("共有13个项目。", ["1/3"])
    assert not accepted_in("增长了117个百分点", ["11.7%"])
    assert accepted_in("减少１１.７％", ["11.7%"])


@pytest.mark.parametrize(
    "name",
    [
        "questions.jsonl",
        "questions_heldout.jsonl",
        "questions_heldout_v3.jsonl",
        "questions_heldout_v2.jsonl",
        "questions_heldout_v1.jsonl",
    ],
)
def test_every_accepted_answer_is_specific_to_its_evidence(name: str) -> None:
    """An accepted string found more than three times elsewhere in the corpus would let an
    unrelated quote pass: it must carry its unit or context ("24%", not "24")."""
    assert unspecific_answers(load_questions(ROOT / "eval" / name), ROOT / "corpus") == []


def test_an_answer_found_all_over_the_corpus_is_not_specific() -> None:
    evidence = Evidence("001_3d3e6178e64faf55.txt", "天山冰川过去50年减少11.7%")
    question = Question("x3", "天山冰川减少了多少？", "zh", "number", ["11.7%", "气候合作"], [evidence])
    [problem] = unspecific_answers([question], ROOT / "corpus")
    assert problem.startswith("x3: '气候合作' occurs ") and problem.endswith(" times outside its evidence")
