"""Stand-ins for the real model and corpus at sizes the model could not embed in hours."""

from __future__ import annotations

import hashlib
import random
import shutil
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from rag.chunking import SentenceChunker, make_sentence_chunker
from rag.config import Settings
from rag.index import CachedEmbedder, Embedder, make_embedder
from rag.ingest import corpus_files, load_corpus, load_document, read_text
from rag.text.sentences import sentence_spans

from .plan import CHUNKS_PER_PAPER, NOISE, SEED, BenchError

# -- stand-ins for the model -----------------------------------------------------------------


class MeteredModel:
    """The model, timed; with ``stored_only`` it refuses to embed passages.

    Timing the model inside the real indexing path gives the pipeline's embedding rate;
    refusing makes a missing stored vector fail at once rather than cost hours.
    """

    def __init__(self, inner: Embedder, stored_only: bool) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.stored_only = stored_only
        self.seconds = 0.0
        self.texts = 0

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if self.stored_only and texts:
            raise BenchError(f"{len(texts)} texts have no stored vector, e.g. {texts[0][:60]!r}")
        started = time.perf_counter()
        vectors = self.inner.embed_passages(texts)
        self.seconds += time.perf_counter() - started
        self.texts += len(texts)
        return vectors

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.embed_queries(texts)


class StoredVectors:
    """Vectors for generated text without the model (see the module docstring).

    The same text always gets the same vector, as it would from the model, so the
    vector cache's content-hash keys behave as in real use.
    """

    def __init__(self, name: str, paragraphs: list[str], vectors: np.ndarray) -> None:
        self.name = name
        self.dim = int(vectors.shape[1])
        self._vectors = vectors
        self._paragraph_of = {
            p[s.start : s.end]: i for i, p in enumerate(paragraphs) for s in sentence_spans(p)
        }

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return (
            np.stack([self._vector(text) for text in texts]) if texts else np.zeros((0, self.dim), np.float32)
        )

    def embed_query(self, text: str) -> np.ndarray:
        raise BenchError("stored vectors are for passages; queries use the model")

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        raise BenchError("stored vectors are for passages; queries use the model")

    def _vector(self, text: str) -> np.ndarray:
        rng = np.random.default_rng(int(hashlib.sha1(text.encode()).hexdigest()[:15], 16))
        sources = [self._paragraph_of.get(text[s.start : s.end]) for s in sentence_spans(text)]
        rows = sorted({i for i in sources if i is not None}) or [int(rng.integers(len(self._vectors)))]
        vector = self._vectors[rows].mean(axis=0) + rng.normal(0.0, NOISE, self.dim)
        return (vector / np.linalg.norm(vector)).astype(np.float32)


# -- corpora ----------------------------------------------------------------------------------


def paragraphs_of(text: str) -> list[tuple[int, int]]:
    """(start, end) of each non-blank line: the cleaned text keeps one paragraph a line."""
    spans, offset = [], 0
    for line in text.split("\n"):
        if line.strip():
            spans.append((offset, offset + len(line)))
        offset += len(line) + 1
    return spans


def index_texts(files: Sequence[Path], chunker: SentenceChunker) -> tuple[list[str], int]:
    """Every text an index build embeds (chunks and their sentences, as PaperIndex writes them).

    Reads files one by one without linking parts of papers: that only changes citation
    details, never the text. ``chunker`` is the plain one, without the product's cache of
    chunk boundaries, so that making stored vectors does not warm what a measured build finds.
    """
    texts: list[str] = []
    chunks = 0
    for path in files:
        for chunk in chunker.split(load_document(path)):
            chunks += 1
            texts.append(chunk.text)
            texts.extend(chunk.text[s.start : s.end] for s in sentence_spans(chunk.text))
    return texts, chunks


def baseline_texts(files: Sequence[Path]) -> list[str]:
    """The chunk texts of the plain pipeline (eval/quality/baselines.py): raw files, 1000/200 characters."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    return [text for path in files for text in splitter.split_text(read_text(path))]


def real_paragraphs(settings: Settings, cache: Path) -> tuple[list[str], np.ndarray]:
    """The real papers' paragraphs, each with the mean vector of the real chunks that overlap it.

    Reads the vectors the real corpus's cold build stored in ``cache``: no model call.
    """
    chunker = make_sentence_chunker(settings)
    stored = CachedEmbedder(MeteredModel(make_embedder(settings.embedding_model), stored_only=True), cache)
    paragraphs: list[str] = []
    vectors: list[np.ndarray] = []
    for doc in load_corpus(settings.corpus_dir).documents:
        chunks = chunker.split(doc)
        chunk_vectors = stored.embed_passages([c.text for c in chunks])
        for start, end in paragraphs_of(doc.text):
            rows = [i for i, c in enumerate(chunks) if c.start < end and c.end > start]
            if rows:
                paragraphs.append(doc.text[start:end])
                mean = chunk_vectors[rows].mean(axis=0)
                vectors.append(mean / np.linalg.norm(mean))
    stored.close()
    return paragraphs, np.stack(vectors)


def generate_corpus(real: Settings, target_chunks: int, folder: Path) -> int:
    """Write papers of about CHUNKS_PER_PAPER chunks each; returns the number of papers."""
    docs = load_corpus(real.corpus_dir).documents
    chunker = make_sentence_chunker(real)
    chars_per_chunk = sum(len(doc.text) for doc in docs) / sum(len(chunker.split(doc)) for doc in docs)
    titles = [doc.record.title[:36] for doc in docs if doc.record.title] or ["合成论文"]
    pool = [doc.text[s:e] for doc in docs for s, e in paragraphs_of(doc.text) if e - s >= 8]
    papers = max(1, round(target_chunks / CHUNKS_PER_PAPER))
    budget = CHUNKS_PER_PAPER * chars_per_chunk
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for n in range(papers):
        rng = random.Random(f"{SEED}:{n}")
        parts = [f"# 基准合成论文{n:05d}：{rng.choice(titles)}"]
        size = 0
        while size < budget:
            parts.append(rng.choice(pool))
            size += len(parts[-1])
        (folder / f"gen_{n:05d}.txt").write_text("\n\n".join(parts) + "\n", encoding="utf-8")
    return papers


def store_vectors(texts: list[str], cache: Path, model: StoredVectors) -> int:
    """Put stored vectors for ``texts`` into the index's vector cache; returns how many were new."""
    cached = CachedEmbedder(model, cache, batch_size=4096)
    cached.embed_passages(texts)
    cached.close()
    return cached.embedded_count


def change_one_file(folder: Path, stamp: str) -> Path:
    """Append a new paragraph to the middle file: what a corrected or extended paper looks like."""
    files = corpus_files(folder)
    target = files[len(files) // 2]
    text = target.read_text(encoding="utf-8")
    target.write_text(
        f"{text.rstrip()}\n\n基准测试追加的段落（{stamp}）：本段用于测量只改动一个文件时的增量索引。\n",
        "utf-8",
    )
    return target
