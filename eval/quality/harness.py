"""`rag eval`: run the question set through the product and its baselines.

Prints a compact table, writes eval/report.md (+ a chart) and eval/results.json,
and with --check fails when a product metric falls below eval/thresholds.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from rag import Answer, Assistant, Settings
from rag.answer.verify import cited_numbers, split_sentences, strip_citations

from .baselines import PlainLangChain
from .calibration import cross_validate, outcomes
from .metrics import first_hit_rank, hit_at, mean, ndcg_at, percentile, reciprocal_rank
from .questions import Question, accepted_in, load_questions, validate
from .report import BREAKDOWN, table, write_report

EVAL_DIR = Path(__file__).resolve().parent.parent
RETRIEVAL_DEPTH = 10


@dataclass
class Record:
    id: str
    type: str
    lang: str
    answerable: bool
    rank: int | None
    ndcg: float
    found: bool | None = None
    # Found, with an accepted string in the text (loose), and stated by a sentence that cites a
    # passage holding the evidence (supported): the accuracy the gate uses.
    loose: bool | None = None
    correct: bool | None = None
    cited_evidence: bool | None = None
    evidence_score: float | None = None
    retrieve_ms: float = 0.0
    ask_ms: float | None = None
    context_chars: int | None = None


@dataclass
class System:
    name: str
    retrieve: Callable[[str, int], list[str]]
    ask: Callable[[str], Any] | None = None


def relevance(texts: list[str], q: Question) -> tuple[int | None, float]:
    unmatched = list(q.evidence)
    gains = []
    for text in texts:
        hit = next((ev for ev in unmatched if ev.found_in(text)), None)
        gains.append(1.0 if hit else 0.0)
        if hit:
            unmatched.remove(hit)
    relevant = [any(ev.found_in(t) for ev in q.evidence) for t in texts]
    return first_hit_rank(relevant), ndcg_at(gains, len(q.evidence), RETRIEVAL_DEPTH)


def supported(answer: Answer, q: Question) -> bool:
    """Whether a sentence of the answer states an accepted string and cites a passage that holds
    the question's evidence: a lucky quote that happens to contain "24" does not count."""
    for sentence in split_sentences(answer.text):
        if not accepted_in(strip_citations(sentence), q.answers):
            continue
        cited = [answer.citations[n - 1] for n in cited_numbers(sentence) if 0 < n <= len(answer.citations)]
        if any(ev.found_in(p.text) for p in cited for ev in q.evidence):
            return True
    return False


def evaluate(system: System, questions: list[Question]) -> list[Record]:
    records = []
    for q in questions:
        started = time.perf_counter()
        texts = system.retrieve(q.question, RETRIEVAL_DEPTH)
        retrieve_ms = (time.perf_counter() - started) * 1000
        rank, ndcg = relevance(texts, q) if q.answerable else (None, 0.0)
        record = Record(q.id, q.type, q.lang, q.answerable, rank, ndcg, retrieve_ms=retrieve_ms)
        if system.ask is not None:
            started = time.perf_counter()
            answer = system.ask(q.question)
            record.ask_ms = (time.perf_counter() - started) * 1000
            record.found = answer.found
            record.evidence_score = answer.evidence_score
            record.context_chars = sum(len(p.text) for p in answer.passages)
            if q.answerable:
                record.loose = answer.found and accepted_in(answer.text, q.answers)
                record.correct = answer.found and supported(answer, q)
                record.cited_evidence = any(
                    ev.found_in(p.text) for p in answer.citations for ev in q.evidence
                )
        records.append(record)
    return records


def summarize(records: list[Record]) -> dict[str, float]:
    answerable = [r for r in records if r.answerable]
    unanswerable = [r for r in records if not r.answerable]
    out = {f"hit@{k}": mean([hit_at(r.rank, k) for r in answerable]) for k in (1, 3, 5, 10)}
    out["mrr"] = mean([reciprocal_rank(r.rank) for r in answerable])
    out["ndcg@10"] = mean([r.ndcg for r in answerable])
    out["retrieve_p50_ms"] = percentile([r.retrieve_ms for r in records], 50)
    out["retrieve_p95_ms"] = percentile([r.retrieve_ms for r in records], 95)
    if records and records[0].ask_ms is not None:
        out["accuracy"] = mean([float(bool(r.correct)) for r in answerable])
        out["loose_accuracy"] = mean([float(bool(r.loose)) for r in answerable])
        out["citation_accuracy"] = mean([float(bool(r.cited_evidence)) for r in answerable])
        out["refusal_accuracy"] = mean([float(not r.found) for r in unanswerable])
        out["false_refusal_rate"] = mean([float(not r.found) for r in answerable])
        out["ask_p50_ms"] = percentile([r.ask_ms or 0.0 for r in records], 50)
        out["ask_p95_ms"] = percentile([r.ask_ms or 0.0 for r in records], 95)
        out["context_chars_mean"] = mean([float(r.context_chars or 0) for r in records])
    return out


def breakdown(records: list[Record], key: str) -> dict[str, dict[str, float]]:
    groups: dict[str, list[Record]] = {}
    for r in records:
        groups.setdefault(getattr(r, key), []).append(r)
    return {name: {**summarize(rs), "n": len(rs)} for name, rs in sorted(groups.items())}


# What `--calibrate` fits on besides the questions asked: never the held-out set.
FITTED_ON = ("questions_calibration.jsonl", "questions_heldout_v1.jsonl", "questions_heldout_v2.jsonl")


def print_calibration(settings: Settings, questions: list[Question]) -> None:
    """The evidence rules fitted on the main, calibration and retired held-out sets, with their
    cross-validated figures."""
    table = outcomes(Assistant.load(settings), questions, supported)
    rules, folds = cross_validate(table)
    print("\ncalibration, five-fold cross-validated (fitted on four folds, scored on the fifth):")
    print("  " + "\n  ".join(folds))
    print(
        f"fitted on all: RAG_ANSWER_RARE_TERMS={rules.rare_terms} RAG_ANSWER_RARE_IDF={rules.rare_idf} "
        f"RAG_ANSWER_TERM_SHARE={rules.term_share} "
        f"RAG_MIN_EVIDENCE_SCORE={rules.threshold_zh} RAG_MIN_EVIDENCE_SCORE_EN={rules.threshold_en}"
    )


def systems(settings: Settings, with_baselines: bool) -> list[System]:
    product = Assistant.load(settings)
    out = [System("product (hybrid)", lambda q, k: [p.text for p in product.retrieve(q, k)], product.ask)]
    if with_baselines:
        variants: tuple[tuple[str, dict[str, Any]], ...] = (
            ("dense only", {"keyword_weight": 0.0}),
            ("BM25 only", {"dense_weight": 0.0}),
        )
        for name, override in variants:
            variant = Assistant.load(replace(settings, **override))
            out.append(System(name, _retriever(variant), variant.ask))
        plain = PlainLangChain(settings)
        out.append(System(plain.name, plain.retrieve, plain.ask))
    return out


def _retriever(assistant: Assistant) -> Callable[[str, int], list[str]]:
    return lambda q, k: [p.text for p in assistant.retrieve(q, k)]


def check(metrics: dict[str, float], thresholds: dict[str, float]) -> list[str]:
    failures = []
    for key, minimum in thresholds.items():
        value = metrics.get(key)
        if key.endswith(("_rate", "_ms")):
            if value is None or value > minimum:
                failures.append(f"{key} = {value} is above the maximum {minimum}")
        elif value is None or value < minimum:
            failures.append(f"{key} = {value} is below the minimum {minimum}")
    return failures


def main(args: argparse.Namespace, settings: Settings) -> int:
    questions_path = Path(args.questions) if args.questions else EVAL_DIR / "questions.jsonl"
    out_dir = Path(args.out) if args.out else EVAL_DIR
    questions = load_questions(questions_path)
    problems = validate(questions, settings.corpus_dir)
    if problems:
        print("the question file has problems:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 2
    results: dict[str, Any] = {
        "questions": len(questions),
        "answerable": sum(q.answerable for q in questions),
        "min_evidence_score": settings.min_evidence_score,
        "systems": {},
    }
    for system in systems(settings, with_baselines=not args.no_baselines):
        records = evaluate(system, questions)
        results["systems"][system.name] = {
            "overall": summarize(records),
            "by_type": breakdown(records, "type"),
            "by_lang": breakdown(records, "lang"),
            "records": [asdict(r) for r in records],
        }
    overall = {name: r["overall"] for name, r in results["systems"].items()}
    print(table(overall))
    product = results["systems"]["product (hybrid)"]
    print("\nproduct by type:")
    print(table(product["by_type"], BREAKDOWN))
    print("\nproduct by language:")
    print(table(product["by_lang"], BREAKDOWN))
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    write_report(out_dir, results)
    if args.calibrate:
        fitted_on = [q for name in FITTED_ON for q in load_questions(EVAL_DIR / name)]
        print_calibration(settings, questions + fitted_on)
    if args.check:
        thresholds = json.loads((EVAL_DIR / "thresholds.json").read_text())
        failures = check(product["overall"], thresholds)
        if failures:
            print("\neval gate FAILED:\n  " + "\n  ".join(failures), file=sys.stderr)
            return 1
        print(f"\neval gate passed ({len(thresholds)} thresholds)")
    return 0
