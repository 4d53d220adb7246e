"""Exact nearest-neighbour search over vectors held in memory, for the passage table.

Below ``Settings.table_max_chunks`` every vector is in memory anyway (rag.index.passage_table),
and one matrix product over them takes a fraction of a millisecond where a Chroma query
costs 1.5 ms of its own, however small the collection. Exact, too: HNSW can miss a row.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

import numpy as np


class VectorMatrix:
    """Rows of unit vectors, each with an id and the file it belongs to."""

    def __init__(self, ids: Sequence[str], sources: Sequence[str], vectors: np.ndarray) -> None:
        self.ids = np.asarray(ids, dtype=object)
        self.sources = np.asarray(sources, dtype=object)
        self.vectors = vectors

    def nearest(
        self, queries: np.ndarray, k: int, sources: Collection[str] = ()
    ) -> list[list[tuple[str, float]]]:
        """For each query row, the ``k`` most similar rows (cosine, best first), only those of the
        files ``sources`` when given, as Chroma's query with a filter on the file would."""
        if not len(self.ids):
            return [[] for _ in np.atleast_2d(queries)]
        similarities = np.atleast_2d(queries).astype(np.float32) @ self.vectors.T
        if sources:
            similarities[:, ~np.isin(self.sources, list(sources))] = -np.inf
        out: list[list[tuple[str, float]]] = []
        for row in similarities:
            allowed = int(np.isfinite(row).sum())
            top = min(k, allowed)
            if top == 0:
                out.append([])
                continue
            best = np.argpartition(-row, top - 1)[:top]
            # Overlapping chunks share sentences: equal similarities are ordered by id, not by chance.
            best = best[np.lexsort((self.ids[best], -row[best]))]
            out.append([(str(self.ids[i]), float(row[i])) for i in best])
        return out


def by_best_sentence(hits: Iterable[tuple[str, float]]) -> list[tuple[str, float]]:
    """Sentence hits (best first, each named by its chunk) as chunks, each at its best sentence."""
    best: dict[str, float] = {}
    for chunk_id, similarity in hits:
        best.setdefault(chunk_id, similarity)
    return list(best.items())
