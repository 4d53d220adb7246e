"""An embedder wrapper for tests that must know which texts reached the model."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rag.index.embeddings import Embedder


class Recording:
    """The real model, noting which texts reach it, and in which query calls."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.seen: list[str] = []
        self.queries: list[list[str]] = []  # the texts of each query call

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.seen.extend(texts)
        return self.inner.embed_passages(texts)

    def embed_query(self, text: str) -> np.ndarray:
        self.queries.append([text])
        return self.inner.embed_query(text)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        self.queries.append(list(texts))
        return self.inner.embed_queries(texts)
