"""What a bench run measures, and how often: sizes, repetitions, targets."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from rag.config import PROJECT_ROOT, Settings

BENCH_DIR = PROJECT_ROOT / "artifacts" / "bench"
# Vectors of the real corpus from the last full run, so `--quick` need not embed it again.
STORED_REAL = BENCH_DIR / "stored"
# The eval questions (eval/questions.jsonl): the same questions the quality report asks.
QUESTIONS = Path(__file__).resolve().parent.parent / "questions.jsonl"
SEED = 20251125
CHUNKS_PER_PAPER = 50
# Per-dimension noise on a generated text's vector: cosine ~0.93 to its source paragraphs' mean.
NOISE = 0.02
PHASE_TIMEOUT_S = 3 * 3600
TARGETS = {
    "retrieve_p50_real_ms": 50.0,
    "retrieve_p50_50k_ms": 150.0,
    "ask_p50_real_ms": 300.0,
    "cold_start_s": 5.0,
    "reindex_unchanged_50k_s": 3.0,
    "reindex_changed_50k_s": 5.0,
    "serve_rss_50k_mb": 900.0,
    # retrieve p50 over the model's own query-embedding p50, measured interleaved.
    "retrieve_over_embed": 1.2,
    # With a CPU-burning neighbour on every core, over the quiet figure.
    "loaded_p50_ratio": 2.0,
    "loaded_p95_ratio": 3.0,
}


class BenchError(RuntimeError):
    """A measured phase failed; the message carries the end of its error output."""


@dataclass(frozen=True)
class Plan:
    """How much to repeat: `--quick` trades precision for minutes."""

    quick: bool
    questions: int
    rounds: int
    cold_runs: int
    model_sample: int
    # Questions asked again with a CPU-burning neighbour on every core (real corpus only).
    loaded_questions: int
    # Generated sizes are divided by this: a 50,000-chunk build alone takes minutes.
    shrink: int

    @classmethod
    def of(cls, quick: bool) -> Plan:
        if quick:
            return cls(
                quick=True,
                questions=20,
                rounds=1,
                cold_runs=2,
                model_sample=32,
                loaded_questions=20,
                shrink=5,
            )
        return cls(
            quick=False, questions=110, rounds=1, cold_runs=3, model_sample=96, loaded_questions=40, shrink=1
        )


@dataclass
class Size:
    """One corpus to measure, and where its index, caches and figures go."""

    label: str
    target: int  # chunks asked for; 0 for the real corpus
    root: Path
    stored_vectors: bool
    notes: list[str] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def corpus(self) -> Path:
        return self.root / "corpus"

    def settings(self, base: Settings, baseline: bool = False) -> Settings:
        """The product's settings pointed at this corpus; the baseline keeps its own vector cache."""
        return replace(
            base,
            corpus_dir=self.corpus,
            index_dir=self.root / ("lc-index" if baseline else "index"),
            cache_dir=self.root / ("lc-cache" if baseline else "cache"),
            chroma_url="",
        )
