"""Retrieval and answer metrics, checked on hand-computed cases."""

from __future__ import annotations

import math

from eval.quality.harness import Record, calibrate, check, summarize
from eval.quality.metrics import first_hit_rank, hit_at, ndcg_at, percentile, reciprocal_rank


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


def test_calibration_picks_the_threshold_that_refuses_most_within_the_false_refusal_budget() -> None:
    records = [_record(True, True, s) for s in (0.90, 0.92, 0.95, 0.97)] * 5 + [
        _record(False, True, s) for s in (0.80, 0.85, 0.93)
    ]
    threshold, refusals, false_refusals = calibrate(records)
    assert threshold == 0.90 and math.isclose(refusals, 2 / 3) and false_refusals == 0.0


def test_gate_reports_each_metric_below_its_minimum() -> None:
    failures = check(
        {"hit@5": 0.8, "mrr": 0.9, "false_refusal_rate": 0.1},
        {"hit@5": 0.85, "mrr": 0.7, "false_refusal_rate": 0.05},
    )
    assert len(failures) == 2
    assert "hit@5" in failures[0] and "false_refusal_rate" in failures[1]
