"""Every chunk of the index as a passage, with its sentences' vectors, held in memory.

A question reads a few dozen chunks and all their sentences' vectors, from a ChunkReader
(the row file, rag.index.row_file); held here it is a dict lookup and one small matrix
product per chunk, and the vectors can be searched exactly. The table is a value:
catching up with the store returns a new one, so a question keeps the table it started with.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from functools import cached_property

import numpy as np

from ..schema import Passage, ScoredSentence
from .chunk_rows import NO_VECTORS, ChunkReader, HeldChunk
from .vector_matrix import VectorMatrix, by_best_sentence


class PassageTable:
    def __init__(self, chunks: Mapping[str, HeldChunk]) -> None:
        self._chunks = dict(chunks)
        by_source: dict[str, list[Passage]] = {}
        for held in self._chunks.values():
            by_source.setdefault(held.passage.source, []).append(held.passage)
        # Each file's chunks in file order, for its sections and the chunk at a span.
        self._files = {
            source: tuple(sorted(passages, key=lambda p: p.start)) for source, passages in by_source.items()
        }

    @classmethod
    def of(cls, reader: ChunkReader, ids: Iterable[str] = (), rest: Iterable[str] = ()) -> PassageTable:
        """A table of the chunks ``ids`` and ``rest`` (a list's files, say), read for one question.
        The ``rest`` come without their vectors: a question scores the sentences of its
        shortlist only, and reading a list's three files whole took 20 to 50 ms at 50,000 chunks."""
        return _EMPTY.extended(reader, ids, rest)

    def extended(
        self, reader: ChunkReader, ids: Iterable[str] = (), rest: Iterable[str] = ()
    ) -> PassageTable:
        """This table and the chunks ``ids`` (with their vectors) and ``rest`` (without), of
        which only those it lacks are read: a question's later needs, on top of what was read
        while its embedding ran (rag.retrieval.hybrid)."""
        wanted = [i for i in dict.fromkeys(ids) if not self._has_vectors(i)]
        taken = set(wanted)
        others = [i for i in dict.fromkeys(rest) if i not in self._chunks and i not in taken]
        if not wanted and not others:
            return self
        return PassageTable({**self._chunks, **reader.read(wanted), **reader.read(others, vectors=False)})

    def has_vectors(self, ids: Iterable[str]) -> bool:
        """Whether every chunk of ``ids`` is held with its vectors (so it can be searched here)."""
        return all(self._has_vectors(i) for i in ids)

    def _has_vectors(self, chunk_id: str) -> bool:
        held = self._chunks.get(chunk_id)
        return held is not None and held.vector.size > 0

    def __len__(self) -> int:
        return len(self._chunks)

    def caught_up(
        self, reader: ChunkReader, ids: Sequence[str], rewritten: Iterable[str] = ()
    ) -> PassageTable:
        """The table of the chunks ``ids``: those it lacks, and those ``rewritten`` under the
        same id (a file's new citation details or offsets), are read from the store."""
        wanted, redo = set(ids), set(rewritten)
        kept = {i: held for i, held in self._chunks.items() if i in wanted and i not in redo}
        fresh = [i for i in ids if i not in kept]
        if not fresh and len(kept) == len(self._chunks):
            return self
        return PassageTable({**kept, **(reader.read(fresh) if fresh else {})})

    def passages(self, ids: Iterable[str]) -> list[Passage]:
        """The passages of ``ids`` the table holds, in that order."""
        return [self._chunks[i].passage for i in ids if i in self._chunks]

    def scored_sentences(self, chunk_id: str, vector: np.ndarray) -> tuple[ScoredSentence, ...]:
        """The chunk's sentences in text order, each with its similarity to ``vector``."""
        held = self._chunks.get(chunk_id)
        if held is None or not held.spans:
            return ()
        similarities = held.vectors @ vector
        return tuple(
            ScoredSentence(start, end, float(s))
            for (start, end), s in zip(held.spans, similarities, strict=True)
        )

    def search_chunks(
        self, vectors: np.ndarray, k: int, sources: Collection[str] = ()
    ) -> list[list[tuple[str, float]]]:
        """As ChromaStore.search_chunks, over the vectors held here."""
        return self._chunk_vectors.nearest(vectors, k, sources)

    def search_sentences(
        self, vectors: np.ndarray, k: int, sources: Collection[str] = ()
    ) -> list[list[tuple[str, float]]]:
        """As ChromaStore.search_sentences: chunks ranked by the best of the ``k`` nearest sentences."""
        return [by_best_sentence(hits) for hits in self._sentence_vectors.nearest(vectors, k, sources)]

    @cached_property
    def _chunk_vectors(self) -> VectorMatrix:
        held = [h for h in self._chunks.values() if h.vector.size]
        return VectorMatrix(
            [h.passage.chunk_id for h in held],
            [h.passage.source for h in held],
            np.stack([h.vector for h in held]) if held else NO_VECTORS,
        )

    @cached_property
    def _sentence_vectors(self) -> VectorMatrix:
        """One row per sentence, named by its chunk."""
        held = [h for h in self._chunks.values() if h.spans]
        return VectorMatrix(
            [h.passage.chunk_id for h in held for _ in h.spans],
            [h.passage.source for h in held for _ in h.spans],
            np.concatenate([h.vectors for h in held]) if held else NO_VECTORS,
        )

    def file_passages(self, sources: Collection[str]) -> tuple[Passage, ...]:
        """Every chunk of the files, in file order."""
        return tuple(p for source in sorted(sources) for p in self._files.get(source, ()))

    def ids_in(self, sources: Collection[str]) -> set[str]:
        return {p.chunk_id for p in self.file_passages(sources)}

    def chunk_at(self, source: str, start: int, end: int) -> Passage | None:
        """The chunk of ``source`` that holds most of the span ``start``..``end`` (chunks overlap,
        so a span cut by one boundary is often whole in the neighbour)."""
        overlapping = [p for p in self._files.get(source, ()) if p.start < end and p.end > start]
        return max(overlapping, key=lambda p: (min(end, p.end) - max(start, p.start), -p.start), default=None)


_EMPTY = PassageTable({})
