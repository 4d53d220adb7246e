"""Hybrid retrieval: dense (Chroma) and keyword (BM25) candidates, fused.

Dense search finds paraphrases and crosses languages (an English question over
Chinese text); keyword search pins exact terms, names and numbers. Each kind of evidence
votes once per reading of the question. For a Chinese question the rankings are fused by
their scores, each rescaled to its own range: a passage that the keyword index finds by
a far better match than any other, on the reader's own words, must not lose to passages
that are middling in both (rank fusion would let them win). For an English question the
keywords are dictionary guesses, so their scores are not trusted that far: its rankings
are fused by rank (reciprocal rank fusion).

Each candidate's sentences are then scored against the question, so the answer step
can quote the right sentence and a passage whose one sentence answers is not buried
by a vaguer neighbour.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .cleaning import CJK
from .config import Settings
from .crosslingual import TermTranslator
from .embeddings import Embedder
from .index import PaperIndex
from .intent import is_english
from .schema import Passage
from .scope import PaperNamer

# A passage that repeats this share of a better-ranked one (overlapping neighbours,
# an abstract page beside the full paper) adds nothing for the reader.
DUPLICATE_CONTAINMENT = 0.6
# Reciprocal rank fusion's constant, as Cormack et al. (2009) set it.
RRF_K = 60
# How many top passages are checked for the question's key terms.
COVERAGE_DEPTH = 4


@dataclass(frozen=True)
class ScoredSentence:
    start: int
    end: int
    similarity: float


class HybridRetriever:
    def __init__(
        self, index: PaperIndex, embedder: Embedder, settings: Settings, translator: TermTranslator
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.settings = settings
        self.translator = translator
        self.namer = PaperNamer(translator)

    def retrieve(self, query: str, k: int | None = None) -> list[Passage]:
        """Each reading of the question gives one dense ranking and the text one keyword
        ranking. An English question is read twice: as asked, with its Chinese key terms
        appended, and as those terms alone, which the small model places nearer Chinese text.
        A question that names papers is searched in those papers only (rag.scope).
        How much of the question the top passages cover is counted, for an English question, on
        its Chinese terms: the papers' body is Chinese, so its English words occur only in abstracts."""
        k = k or self.settings.top_k
        pool = max(self.settings.candidates, k)
        sources = [
            source for paper in self.namer.named(query, self.index.papers()) for source in paper.sources
        ]
        english = is_english(query)
        terms = self.translator.chinese_terms(query, self.index.in_corpus) if english else []
        query = " ".join([query, *terms])
        vector = self.embedder.embed_query(query)
        dense = [self._dense(vector, pool, sources)]
        if terms:
            dense.append(self._dense(self.embedder.embed_query(" ".join(terms)), pool, sources))
        keyword = self.index.keyword_search(query, pool, sources)
        weights = [self.settings.dense_weight] * len(dense) + [self.settings.keyword_weight]
        fused = rrf([*dense, keyword], weights) if english else fuse_scores([*dense, keyword], weights)
        shortlist = [chunk_id for chunk_id, _ in fused[: max(3 * k, 12)]]
        passages = self._passages(shortlist, dict(fused), dict(dense[0]), dict(keyword), vector)
        passages = drop_near_duplicates(passages)
        coverage = self.index.term_coverage(
            " ".join(terms) or query, [f"{p.title} {p.text}" for p in passages[:COVERAGE_DEPTH]]
        )
        for passage in passages:
            passage.metadata["coverage"] = coverage
        return passages[:k]

    def _dense(self, vector: np.ndarray, k: int, sources: Sequence[str] = ()) -> list[tuple[str, float]]:
        """Chunks by their own similarity or their best sentence's, whichever is higher: a
        short fact inside a long chunk counts, but a chunk is not voted for twice."""
        best: dict[str, float] = {}
        for chunk_id, similarity in self.index.dense_search(vector, k, sources) + self.index.sentence_search(
            vector, 2 * k, sources
        ):
            best[chunk_id] = max(best.get(chunk_id, -1.0), similarity)
        return sorted(best.items(), key=lambda kv: -kv[1])

    def _passages(
        self,
        ids: list[str],
        fused: dict[str, float],
        dense: dict[str, float],
        keyword: dict[str, float],
        vector: np.ndarray,
    ) -> list[Passage]:
        chunks = self.index.get_chunks(ids)
        sentences: dict[str, list[ScoredSentence]] = {}
        for sv in self.index.sentence_vectors(ids):
            similarity = float(sv.vector @ vector)
            sentences.setdefault(sv.chunk_id, []).append(ScoredSentence(sv.start, sv.end, similarity))
        passages = []
        for chunk_id in ids:
            if chunk_id not in chunks:
                continue
            text, meta = chunks[chunk_id]
            scored = sorted(sentences.get(chunk_id, []), key=lambda s: s.start)
            meta.update(
                dense=dense.get(chunk_id),
                keyword=keyword.get(chunk_id),
                best_sentence=max((s.similarity for s in scored), default=0.0),
                sentences=[(s.start, s.end, s.similarity) for s in scored],
            )
            passages.append(
                Passage(
                    chunk_id=chunk_id,
                    text=text,
                    source=str(meta["source"]),
                    title=str(meta.get("title", "")),
                    score=fused.get(chunk_id, 0.0),
                    metadata=meta,
                )
            )
        return passages


def rrf(
    rankings: Sequence[list[tuple[str, float]]], weights: Sequence[float], k: int = RRF_K
) -> list[tuple[str, float]]:
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, (item, _) in enumerate(ranking):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank + 1)
    return sorted(scores.items(), key=lambda kv: -kv[1])


def fuse_scores(
    rankings: Sequence[list[tuple[str, float]]], weights: Sequence[float]
) -> list[tuple[str, float]]:
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


def drop_near_duplicates(passages: list[Passage]) -> list[Passage]:
    kept: list[Passage] = []
    kept_shingles: list[set[str]] = []
    for passage in passages:
        own = shingles(passage.text)
        if own and any(len(own & other) / len(own) >= DUPLICATE_CONTAINMENT for other in kept_shingles):
            continue
        kept.append(passage)
        kept_shingles.append(own)
    return kept


def shingles(text: str, size: int = 4) -> set[str]:
    compact = "".join(re.findall(f"[{CJK}A-Za-z0-9]", text))
    return {compact[i : i + size] for i in range(max(len(compact) - size + 1, 0))}
