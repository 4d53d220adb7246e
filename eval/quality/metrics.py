"""Metric definitions (see eval/README.md). Pure functions over per-question records."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence


def first_hit_rank(relevant: Sequence[bool]) -> int | None:
    """1-based rank of the first relevant passage, None when none is."""
    return next((i + 1 for i, r in enumerate(relevant) if r), None)


def hit_at(rank: int | None, k: int) -> float:
    return 1.0 if rank is not None and rank <= k else 0.0


def reciprocal_rank(rank: int | None) -> float:
    return 1.0 / rank if rank else 0.0


def ndcg_at(gains: Sequence[float], ideal_relevant: int, k: int = 10) -> float:
    """Binary-gain nDCG; ``ideal_relevant`` is how many passages could be relevant at best."""
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains[:k]))
    idcg = sum(1.0 / math.log2(i + 2) for i in range(min(ideal_relevant, k)))
    return dcg / idcg if idcg else 0.0


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return float(values[0])
    return float(statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1])


def mean(values: Sequence[float]) -> float:
    return float(sum(values) / len(values)) if values else float("nan")
