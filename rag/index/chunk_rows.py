"""A chunk as a question reads it, and the readers that give it: Chroma's rows here, or the
index's own file (rag.index.row_file).

A reader returns the chunks it is asked for that the index still holds, each with its own
vector and its sentences' spans and vectors, or, when a question only needs their text (a
list's files), without vectors.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from ..schema import PaperRecord, Passage
from ..text.sentences import sentence_spans
from .store import ChromaStore

NO_VECTORS = np.zeros((0, 0), dtype=np.float32)


@dataclass(frozen=True)
class StoredChunk:
    """A chunk as the index stores it: its row, and its sentences' rows in text order."""

    chunk_id: str
    text: str
    meta: Mapping[str, Any]
    vector: np.ndarray
    # The sentences' (start, end) offsets in the text, and their vectors, one row each; a
    # chunk read without vectors has none of either, and an empty ``vector``.
    spans: tuple[tuple[int, int], ...]
    vectors: np.ndarray


@dataclass(frozen=True)
class HeldChunk:
    passage: Passage
    vector: np.ndarray
    spans: tuple[tuple[int, int], ...]
    vectors: np.ndarray


class ChunkReader(Protocol):
    def read(self, ids: Sequence[str], vectors: bool = True) -> dict[str, HeldChunk]:
        """The chunks of ``ids`` the index holds, with their vectors unless not ``vectors``."""
        ...


def held(chunks: Iterable[StoredChunk]) -> dict[str, HeldChunk]:
    """As passages: a file's chunks share one record, parsed once (the head chunk stores it
    whole, as JSON)."""
    records: dict[tuple[str, str], PaperRecord] = {}
    out = {}
    for chunk in chunks:
        key = (str(chunk.meta["source"]), str(chunk.meta.get("record_hash", "")))
        if key not in records:
            records[key] = PaperRecord.from_metadata(chunk.meta)
        passage = Passage.stored(chunk.chunk_id, chunk.text, chunk.meta, record=records[key])
        out[chunk.chunk_id] = HeldChunk(passage, chunk.vector, chunk.spans, chunk.vectors)
    return out


class ChromaRows:
    """Two gets: the chunks, then their sentences by id (rag.index.sync numbers a chunk's
    sentences in its text's order, by the same rule as here)."""

    def __init__(self, store: ChromaStore) -> None:
        self.store = store

    def read(self, ids: Sequence[str], vectors: bool = True) -> dict[str, HeldChunk]:
        return held(self.rows(ids, vectors))

    def rows(self, ids: Sequence[str], vectors: bool = True) -> list[StoredChunk]:
        if not ids:
            return []
        include = ["documents", "metadatas", *(["embeddings"] if vectors else [])]
        chunks = self.store.read_ids(ids, include)
        spans: dict[str, list[tuple[int, int]]] = {}
        sentence_vectors: dict[str, list[Any]] = {}
        if vectors:
            numbered = [
                f"{chunk_id}:{n}"
                for chunk_id, text in zip(chunks["ids"], chunks["documents"], strict=True)
                for n in range(len(sentence_spans(text)))
            ]
            sentences = self.store.read_sentences(numbered)
            for meta, vector in zip(sentences["metadatas"], sentences["embeddings"], strict=True):
                chunk_id = str(meta["chunk_id"])
                spans.setdefault(chunk_id, []).append((int(meta["start"]), int(meta["end"])))
                sentence_vectors.setdefault(chunk_id, []).append(vector)
        own_vectors = chunks["embeddings"] if vectors else [NO_VECTORS] * len(chunks["ids"])
        out = []
        rows = zip(chunks["ids"], chunks["documents"], chunks["metadatas"], own_vectors, strict=True)
        for chunk_id, text, meta, vector in rows:
            own = spans.get(chunk_id, [])
            order = np.argsort([start for start, _ in own], kind="stable")
            out.append(
                StoredChunk(
                    chunk_id,
                    text,
                    meta,
                    np.asarray(vector, dtype=np.float32),
                    tuple(own[n] for n in order),
                    np.asarray(sentence_vectors[chunk_id], dtype=np.float32)[order] if own else NO_VECTORS,
                )
            )
        return out
