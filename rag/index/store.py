"""Chunks and their sentences in two Chroma collections, embedded or on a server.

Only Chroma's public client API is used. Vectors always come from our own embedder, so
Chroma's default embedding function (which would download a model) is never asked for.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings

from ..config import Settings
from .vector_matrix import by_best_sentence

_BATCH = 256
# Rows per read of a whole collection: Chroma's SQLite refuses one query with more than 32,766
# variables, which a get of every chunk's metadata passes at about 30,000 chunks.
_PAGE = 10_000
# How wide the self-check looks for a row that HNSW missed at first (see lost_vectors).
_WIDE = 1_000

Row = tuple[str, str, dict[str, Any]]


def chroma_dir(settings: Settings) -> Path:
    return settings.index_dir / "chroma"


def connect(settings: Settings, path: Path) -> Any:
    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        return chromadb.HttpClient(
            host=url.hostname or "127.0.0.1",
            port=url.port or 8000,
            ssl=url.scheme == "https",
            settings=chroma_settings,
        )
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


def _nearest(collection: Any, vectors: Sequence[Any], k: int) -> list[float]:
    """For each vector, the distance of the nearest row among the ``k`` the index returns."""
    queries = np.asarray(vectors).tolist()
    found = collection.query(query_embeddings=queries, n_results=k, include=["distances"])
    return [min(row, default=1.0) for row in found["distances"]]


def _in_files(sources: Collection[str]) -> Any:
    return {"source": {"$in": list(sources)}} if sources else None


class MissingCollections(RuntimeError):
    """An existing database without the index's collections (it was emptied or replaced)."""


class ChromaStore:
    """The chunk collection and its sentence collection (``<name>-sentences``)."""

    def __init__(self, settings: Settings, path: Path, model: dict[str, Any], create: bool = True) -> None:
        """``create``: make the collections when they are missing; else that is ``MissingCollections``."""
        self.client = connect(settings, path)
        meta = {**model, "hnsw:space": "cosine"}
        names = (settings.collection, f"{settings.collection}-sentences")
        try:
            if not create and not set(names) <= {c.name for c in self.client.list_collections()}:
                raise MissingCollections(
                    f"its collections {' and '.join(names)} are missing: chroma.sqlite3 was emptied or "
                    "replaced, so every question would find nothing"
                )
            self.chunks, self.sentences = (
                self.client.get_or_create_collection(name, embedding_function=None, metadata=meta)
                for name in names
            )
        except Exception:
            # Chroma keeps one client per path in the process: a damaged one left open would
            # serve the repaired index's path from the deleted files.
            self.close()
            raise

    @property
    def recorded(self) -> dict[str, Any]:
        """What the chunk collection was created with (the embedding model)."""
        return dict(self.chunks.metadata or {})

    def close(self) -> None:
        close = getattr(self.client, "close", None)
        if close is not None:
            close()

    # -- reading -----------------------------------------------------------------------

    def count(self) -> int:
        return int(self.chunks.count())

    def chunk_ids(self, where: Any = None) -> list[str]:
        return list(self.chunks.get(where=where, include=[])["ids"])

    def sentence_count(self) -> int:
        return int(self.sentences.count())

    def read_all(
        self, include: list[str], where: Any = None, sentences: bool = False
    ) -> dict[str, list[Any]]:
        """Every chunk row (sentence row with ``sentences``) ``where`` it matches, with the
        ``include`` fields, a page at a time."""
        collection = self.sentences if sentences else self.chunks
        rows: dict[str, list[Any]] = {key: [] for key in ["ids", *include]}
        while True:
            page = collection.get(where=where, include=include, limit=_PAGE, offset=len(rows["ids"]))
            for key, values in rows.items():
                values.extend(page[key])
            if len(page["ids"]) < _PAGE:
                return rows

    def read_ids(
        self, ids: Sequence[str], include: list[str], sentences: bool = False
    ) -> dict[str, list[Any]]:
        """The chunk rows (sentence rows with ``sentences``) of ``ids``, those still there, a
        page at a time, in the store's order."""
        collection = self.sentences if sentences else self.chunks
        rows: dict[str, list[Any]] = {key: [] for key in ["ids", *include]}
        for start in range(0, len(ids), _PAGE):
            page = collection.get(ids=list(ids[start : start + _PAGE]), include=include)
            for key, values in rows.items():
                values.extend(page[key])
        return rows

    def read_sentences(self, ids: Sequence[str] | None = None) -> dict[str, list[Any]]:
        """The vectors and metadata of the sentences ``ids``, or of every sentence; by id, since
        a filter on the chunk id scans the metadata (34 ms against 8 at 116,000 sentences)."""
        include = ["embeddings", "metadatas"]
        return self.read_all(include, sentences=True) if ids is None else self.read_ids(ids, include, True)

    def search_chunks(
        self, vectors: np.ndarray, k: int, sources: Collection[str] = ()
    ) -> list[list[tuple[str, float]]]:
        """One ranking per row of ``vectors``, only in the files ``sources`` when given. An empty
        collection answers with no hits, so no count is asked first (3 ms a query)."""
        return [
            [(chunk_id, 1.0 - distance) for chunk_id, distance in hits]
            for hits in self._query(self.chunks, vectors, k, sources)
        ]

    def search_sentences(
        self, vectors: np.ndarray, k: int, sources: Collection[str] = ()
    ) -> list[list[tuple[str, float]]]:
        """Chunks ranked by their best-matching sentence (a short fact inside a long chunk); a
        sentence's id is its chunk's and its number (rag.index.sync)."""
        return [
            by_best_sentence(
                (sentence_id.rpartition(":")[0], 1.0 - distance) for sentence_id, distance in hits
            )
            for hits in self._query(self.sentences, vectors, k, sources)
        ]

    def _query(
        self, collection: Any, vectors: np.ndarray, k: int, sources: Collection[str]
    ) -> list[list[tuple[str, float]]]:
        """All the question's vectors in one call: each call costs milliseconds of its own, and
        asking for the hits' metadata too more than doubled them (1.5 ms to 4 ms)."""
        found = collection.query(
            query_embeddings=np.atleast_2d(vectors).tolist(),
            n_results=k,
            where=_in_files(sources),
            include=["distances"],
        )
        return [
            [(str(i), float(distance)) for i, distance in zip(*row, strict=True)]
            for row in zip(found["ids"], found["distances"], strict=True)
        ]

    def lost_vectors(self) -> list[str]:
        """The collections whose vector index does not find some of their own stored vectors.

        The first and the middle row are looked up by their own vector: damaged or missing
        HNSW files either fail the query or leave the oldest rows unfindable, while counts and
        ``get`` still read the intact SQLite side. HNSW is approximate: among many
        near-identical vectors (50,000 generated chunks) a row it holds can be missed at the
        first look, and is found when the search goes wider; a lost one is not. The newest row
        is not looked up: Chroma replays it from its log whatever the files hold, and there a
        row just added can be out of the graph's reach even at the widest search (5 sentences
        of a file changed in that index), a miss of the search that rebuilding would not mend."""
        lost = []
        for collection in (self.chunks, self.sentences):
            total = int(collection.count())
            if not total:
                continue
            offsets = sorted({0, total // 2})
            try:
                vectors = [
                    vector
                    for offset in offsets
                    for vector in collection.get(limit=1, offset=offset, include=["embeddings"])["embeddings"]
                ]
                missed = [v for v in vectors if _nearest(collection, [v], 1)[0] > 1e-3]
                found = not missed or max(_nearest(collection, missed, min(total, _WIDE))) <= 1e-3
            except Exception:  # chromadb raises many types for a damaged segment
                found = False
            if not found:
                lost.append(str(collection.name))
        return lost

    # -- writing -----------------------------------------------------------------------

    def delete_source(self, source: str) -> None:
        for collection in (self.sentences, self.chunks):
            ids = collection.get(where={"source": source}, include=[])["ids"]
            for start in range(0, len(ids), _BATCH):
                collection.delete(ids=ids[start : start + _BATCH])

    def add(self, sentence_rows: Sequence[Row], chunk_rows: Sequence[Row], vectors: np.ndarray) -> None:
        """Sentences first: a file whose chunks are all present is complete (rag.index.sync).
        ``vectors`` are the rows' vectors in that order, sentences then chunks."""
        offset = 0
        for collection, rows in ((self.sentences, sentence_rows), (self.chunks, chunk_rows)):
            for start in range(0, len(rows), _BATCH):
                batch = rows[start : start + _BATCH]
                collection.upsert(
                    ids=[row_id for row_id, _, _ in batch],
                    documents=[text for _, text, _ in batch],
                    metadatas=[meta for _, _, meta in batch],
                    embeddings=vectors[offset + start : offset + start + len(batch)].tolist(),
                )
            offset += len(rows)
