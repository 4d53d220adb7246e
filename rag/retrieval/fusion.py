"""Combining rankings, and dropping passages that repeat a better one."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from ..schema import Passage
from ..text.shingles import shingles

# A passage that repeats this share of a better-ranked one (overlapping neighbours,
# an abstract page beside the full paper) adds nothing for the reader.
DUPLICATE_CONTAINMENT = 0.6
# Reciprocal rank fusion's constant, as Cormack et al. (2009) set it.
RRF_K = 60
_SHINGLE = 4

Ranking = list[tuple[str, float]]


def rrf(rankings: Sequence[Ranking], weights: Sequence[float], k: int = RRF_K) -> Ranking:
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, (item, _) in enumerate(ranking):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank + 1)
    return sorted(scores.items(), key=lambda kv: -kv[1])


def fuse_scores(rankings: Sequence[Ranking], weights: Sequence[float]) -> Ranking:
    """Weighted sum of each ranking's scores rescaled to 0..1 over that ranking (its best is 1,
    its worst 0; an item it does not hold gets 0), best first."""
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        values = [score for _, score in ranking]
        low, high = min(values, default=0.0), max(values, default=0.0)
        for item, score in ranking:
            scaled = (score - low) / (high - low) if high > low else 1.0
            scores[item] = scores.get(item, 0.0) + weight * scaled
    return sorted(scores.items(), key=lambda kv: -kv[1])


def drop_near_duplicates(passages: Sequence[Passage]) -> list[Passage]:
    kept: list[Passage] = []
    kept_shingles: list[frozenset[str]] = []
    for passage in passages:
        own = _shingles(passage.text)
        if own and any(len(own & other) / len(own) >= DUPLICATE_CONTAINMENT for other in kept_shingles):
            continue
        kept.append(passage)
        kept_shingles.append(own)
    return kept


@lru_cache(maxsize=1024)
def _shingles(text: str) -> frozenset[str]:
    """Kept per text: the same few hundred passages come back question after question, and
    shingling fifteen of them cost 1.4 ms of each retrieve."""
    return frozenset(shingles(text, _SHINGLE))
