"""Fitting the answer step's refusal rules, with cross-validation.

`rag eval --calibrate` retrieves every question of the main set and the calibration set of
unanswerable questions once, then tries each setting of the evidence check (how many of the
question's rarest terms the quoted sentence must name, and from what IDF on; what share of its
key terms; the evidence score thresholds per language) on the answer step alone. A setting is
chosen on four folds and scored on the fifth, so the refusal figures printed are for questions
the fit did not see. Record questions are answered from the record and take no part.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rag import Assistant
from rag.answer import ExtractiveAnswerer
from rag.schema import Answer, Retrieval

from .questions import Question

Judge = Callable[[Answer, Question], bool]
MAX_FALSE_REFUSALS = 0.03
FOLDS = 5
RARE_TERMS = (0, 1, 2)
RARE_IDF = (3.0, 4.0, 5.0, 6.0)
TERM_SHARE = (0.0, 0.2, 0.3, 0.4, 0.5, 0.6)
Rule = tuple[int, float, float]


@dataclass(frozen=True)
class Rules:
    rare_terms: int
    rare_idf: float
    term_share: float
    threshold_zh: float
    threshold_en: float


@dataclass(frozen=True)
class Outcome:
    """One question under one evidence rule, before any threshold: its best score, and whether
    the answer it would give is right."""

    question: Question
    score: float
    has_candidates: bool
    correct: bool

    def found(self, rules: Rules) -> bool:
        threshold = rules.threshold_en if self.question.lang == "en" else rules.threshold_zh
        return self.has_candidates and self.score >= threshold


def outcomes(
    assistant: Assistant, questions: Sequence[Question], is_right: Judge
) -> dict[Rule, list[Outcome]]:
    """Every question's outcome under each rare-term rule (thresholds are applied later)."""
    retrievals = [(q, assistant.retrieval(q.question)) for q in questions]
    kept = [(q, r) for q, r in retrievals if not r.reading.record_fields]
    found: dict[Rule, list[Outcome]] = {}
    for terms, idf, share in itertools.product(RARE_TERMS, RARE_IDF, TERM_SHARE):
        answerer = ExtractiveAnswerer(
            assistant.tokenizer, -1.0, -1.0, rare_terms=terms, rare_idf=idf, term_share=share
        )
        found[(terms, idf, share)] = [_outcome(answerer, q, r, is_right) for q, r in kept]
    return found


def _outcome(
    answerer: ExtractiveAnswerer,
    q: Question,
    retrieval: Retrieval,
    is_right: Callable[[Answer, Question], bool],
) -> Outcome:
    answer = answerer.answer(retrieval)
    return Outcome(
        q, answer.evidence_score, answer.found, q.answerable and answer.found and is_right(answer, q)
    )


def score(rules: Rules, items: Sequence[Outcome]) -> tuple[float, float, float]:
    """(refusal accuracy, false refusals, supported accuracy) of ``rules`` on ``items``."""
    answerable = [o for o in items if o.question.answerable]
    unanswerable = [o for o in items if not o.question.answerable]
    refused = sum(not o.found(rules) for o in unanswerable) / max(len(unanswerable), 1)
    false = sum(not o.found(rules) for o in answerable) / max(len(answerable), 1)
    right = sum(o.found(rules) and o.correct for o in answerable) / max(len(answerable), 1)
    return refused, false, right


def best_rules(table: dict[Rule, list[Outcome]], ids: set[str]) -> Rules:
    """The rules refusing most unanswerable questions among ``ids`` within the false-refusal
    budget; among equals, the more accurate, then the gentler."""
    best: tuple[tuple[float, float, int, float], Rules] | None = None
    for (terms, idf, share), items in table.items():
        fold = [o for o in items if o.question.id in ids]
        for zh, en in itertools.product(_thresholds(fold, "zh"), _thresholds(fold, "en")):
            rules = Rules(terms, idf, share, zh, en)
            refused, false, right = score(rules, fold)
            if false > MAX_FALSE_REFUSALS:
                continue
            key = (refused, right, -terms, -share)
            if best is None or key > best[0]:
                best = (key, rules)
    assert best is not None
    return best[1]


def _thresholds(items: Sequence[Outcome], lang: str) -> list[float]:
    scores = sorted({round(o.score, 4) for o in items if o.question.lang == lang})
    return [-1.0, *scores[:: max(1, len(scores) // 40)]]


def cross_validate(table: dict[Rule, list[Outcome]], seed: int = 0) -> tuple[Rules, list[str]]:
    """The rules fitted on every question, and one line per fold: fitted on the other folds,
    scored on it."""
    ids = sorted({o.question.id for o in next(iter(table.values()))})
    random.Random(seed).shuffle(ids)
    folds = [set(ids[n::FOLDS]) for n in range(FOLDS)]
    lines = []
    for n, held in enumerate(folds, 1):
        rules = best_rules(table, set(ids) - held)
        held_out = [
            o for o in table[(rules.rare_terms, rules.rare_idf, rules.term_share)] if o.question.id in held
        ]
        refused, false, right = score(rules, held_out)
        lines.append(
            f"fold {n}: {rules} -> refusal {refused:.3f}, false refusals {false:.3f}, accuracy {right:.3f}"
        )
    return best_rules(table, set(ids)), lines
