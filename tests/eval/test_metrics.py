"""Retrieval and answer metrics, checked on hand-computed cases."""

from __future__ import annotations

import math

from eval.quality.calibration import Outcome, best_rules, score
from eval.quality.harness import Record, check, summarize
from eval.quality.metrics import first_hit_rank, hit_at, ndcg_at, percentile, reciprocal_rank
from eval.quality.questions import Evidence, Question


def test_rank_based_metrics() -> None:
    rank = first_hit_rank([False, False, True, True])
    assert rank == 3
    assert hit_at(rank, 1) == 0.0 and hit_at(rank, 3) == 1.0
    assert reciprocal_rank(rank) == 1 / 3
    assert reciprocal_rank(None) == 0.0


def test_ndcg_rewards_early_hits_and_is_one_when_ideal() -> None:
    assert ndcg_at([1.0, 0.0], ideal_relevant=1) == 1.0
    assert math.isclose(ndcg_at([0.0, 1.0], ideal_relevant=1), 1 / math.log2(3))
    assert ndcg_at([0.0, 0.0], ideal_relevant=1) == 0.0


def test_percentile_of_latencies() -> None:
    assert percentile([10.0, 20.0, 30.0], 50) == 20.0


def _record(answerable: bool, found: bool, score: float, correct: bool = True) -> Record:
    return Record(
        "q",
        "fact",
        "zh",
        answerable,
        1 if answerable else None,
        1.0,
        found=found,
        loose=correct,
        correct=correct,
        cited_evidence=correct,
        evidence_score=score,
        retrieve_ms=1.0,
        ask_ms=1.0,
        context_chars=10,
    )


def test_summary_counts_refusals_on_both_kinds_of_question() -> None:
    records = [_record(True, True, 0.9), _record(True, False, 0.5, False), _record(False, False, 0.4)]
    summary = summarize(records)
    assert summary["accuracy"] == 0.5
    assert summary["false_refusal_rate"] == 0.5
    assert summary["refusal_accuracy"] == 1.0


def _outcome(n: int, answerable: bool, score: float, lang: str = "zh") -> Outcome:
    evidence = [Evidence("paper", "quote")] if answerable else []
    question = Question(f"q{n}", "?", lang, "fact", ["a"] if answerable else [], evidence)
    return Outcome(question, score, has_candidates=True, correct=answerable)


def test_calibration_refuses_most_within_the_false_refusal_budget() -> None:
    answerable = [_outcome(n, True, s) for n, s in enumerate((0.90, 0.92, 0.95, 0.97) * 10)]
    unanswerable = [_outcome(100 + n, False, s) for n, s in enumerate((0.80, 0.85, 0.93))]
    items = answerable + unanswerable
    rules = best_rules({(0, 3.0, 0.0): items}, {o.question.id for o in items})
    assert rules.threshold_zh == 0.90
    refused, false, right = score(rules, items)
    assert math.isclose(refused, 2 / 3) and false == 0.0 and right == 1.0


def test_calibration_prefers_the_rare_term_rule_that_refuses_more() -> None:
    lenient = [_outcome(1, True, 0.9), _outcome(2, False, 0.95)]
    strict = [_outcome(1, True, 0.9), _outcome(2, False, -1.0)]
    rules = best_rules({(0, 3.0, 0.0): lenient, (1, 5.0, 0.0): strict}, {"q1", "q2"})
    assert (rules.rare_terms, rules.rare_idf) == (1, 5.0)
    assert score(rules, strict)[:2] == (1.0, 0.0)


def test_gate_reports_each_metric_below_its_minimum() -> None:
    failures = check(
        {"hit@5": 0.8, "mrr": 0.9, "false_refusal_rate": 0.1},
        {"hit@5": 0.85, "mrr": 0.7, "false_refusal_rate": 0.05},
    )
    assert len(failures) == 2
    assert "hit@5" in failures[0] and "false_refusal_rate" in failures[1]
