"""`rag bench`: speed, scale and memory figures, side by side with the plain LangChain pipeline.

A command that prints figures, not a timed test: timings on a shared 2-core machine are
noisy, so latencies are medians and percentiles over many calls and the comparisons are
ratios measured in the same run.

How it measures, and why:

- Every measured phase (build, re-index, serving, cold start) runs in a fresh Python
  process, so a peak RSS belongs to that phase alone and a cold start is a real process
  start (``python -m rag.cli ask``), timed to the first line of the answer.
- Three corpus sizes: the real corpus, and generated corpora of about 10,000 and 50,000
  chunks. A generated paper is a title line and then paragraphs of the real papers drawn
  one at a time with ``random.Random(f"{SEED}:{n}")`` until it has about
  ``CHUNKS_PER_PAPER`` chunks; paper n is the same in every size, so the sizes are nested.
- The bundled e5 model embeds about 10 texts/s on 2 cores, so 50,000 chunks (and their
  sentences) would take hours. Embedding is measured on the real corpus (the model alone,
  and inside a cold index build); the generated corpora get stored vectors: each generated
  text's vector is the mean vector of the real paragraphs its sentences come from, plus
  noise seeded by the text's hash, normalised. They are written through ``CachedEmbedder``
  into the index's vector cache before indexing, so the real indexing path runs, and the
  indexing processes get a model that refuses to embed: a text without a stored vector
  fails at once instead of running for hours. Queries are always embedded by the model.
- Generated corpora, indexes and caches live under ``artifacts/bench/``, never in corpus/.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from rag.chunking import SentenceChunker, make_chunker, sentence_chunker, sentence_spans
from rag.config import PROJECT_ROOT, Settings
from rag.embeddings import CachedEmbedder, Embedder, make_embedder
from rag.ingest import DocumentCache, corpus_files, load_corpus, load_document, read_text

from .metrics import percentile
from .questions import load_questions

BENCH_DIR = PROJECT_ROOT / "artifacts" / "bench"
# Vectors of the real corpus from the last full run, so `--quick` need not embed it again.
STORED_REAL = BENCH_DIR / "stored"
QUESTIONS = Path(__file__).resolve().parent / "questions.jsonl"
SEED = 20251125
CHUNKS_PER_PAPER = 50
# Per-dimension noise on a generated text's vector: cosine ~0.93 to its source paragraphs' mean.
NOISE = 0.02
PHASE_TIMEOUT_S = 3 * 3600
TARGETS = {
    "retrieve_p50_real_ms": 50.0,
    "retrieve_p50_50k_ms": 150.0,
    "ask_p50_real_ms": 300.0,
    "cold_start_s": 5.0,
    "reindex_unchanged_50k_s": 10.0,
}


class BenchError(RuntimeError):
    """A measured phase failed; the message carries the end of its error output."""


@dataclass(frozen=True)
class Plan:
    """How much to repeat: `--quick` trades precision for minutes."""

    quick: bool
    questions: int
    rounds: int
    cold_runs: int
    model_sample: int
    # Generated sizes are divided by this: a 50,000-chunk build alone takes minutes.
    shrink: int

    @classmethod
    def of(cls, quick: bool) -> Plan:
        if quick:
            return cls(quick=True, questions=20, rounds=1, cold_runs=2, model_sample=32, shrink=5)
        return cls(quick=False, questions=110, rounds=1, cold_runs=3, model_sample=96, shrink=1)


@dataclass
class Size:
    """One corpus to measure, and where its index, caches and figures go."""

    label: str
    target: int  # chunks asked for; 0 for the real corpus
    root: Path
    stored_vectors: bool
    notes: list[str] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def corpus(self) -> Path:
        return self.root / "corpus"

    def settings(self, base: Settings, baseline: bool = False) -> Settings:
        """The product's settings pointed at this corpus; the baseline keeps its own vector cache."""
        return replace(
            base,
            corpus_dir=self.corpus,
            index_dir=self.root / ("lc-index" if baseline else "index"),
            cache_dir=self.root / ("lc-cache" if baseline else "cache"),
            chroma_url="",
        )


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
    """The chunk texts of the plain pipeline (eval/baselines.py): raw files, 1000/200 characters."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    return [text for path in files for text in splitter.split_text(read_text(path))]


def real_paragraphs(settings: Settings, cache: Path) -> tuple[list[str], np.ndarray]:
    """The real papers' paragraphs, each with the mean vector of the real chunks that overlap it.

    Reads the vectors the real corpus's cold build stored in ``cache``: no model call.
    """
    chunker = sentence_chunker(settings)
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
    chunker = sentence_chunker(real)
    chars_per_chunk = sum(len(doc.text) for doc in docs) / sum(len(chunker.split(doc)) for doc in docs)
    titles = [doc.title[:36] for doc in docs if doc.title] or ["合成论文"]
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


# -- phases (each in its own process) ---------------------------------------------------------


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase_settings(spec: dict[str, Any]) -> Settings:
    return Settings.from_env(
        corpus_dir=Path(spec["corpus_dir"]),
        index_dir=Path(spec["index_dir"]),
        cache_dir=Path(spec["cache_dir"]),
        chroma_url="",
    )


def phase_model(spec: dict[str, Any]) -> dict[str, Any]:
    """The model alone on a sample of the texts an index build embeds: what it allows."""
    settings = phase_settings(spec)
    return model_alone(settings, make_embedder(settings.embedding_model), spec["sample"])


def model_alone(settings: Settings, model: Embedder, size: int) -> dict[str, Any]:
    """Texts/s of the bare model, in one call and in the pipeline's batch size.

    Run next to the build it is compared with: on a shared machine the speed of the
    same model drifts by a factor of two within minutes.
    """
    texts, _ = index_texts(corpus_files(settings.corpus_dir), sentence_chunker(settings))
    distinct = list(dict.fromkeys(texts))
    sample = distinct[:: max(1, len(distinct) // size)][:size]
    model.embed_passages(sample[:2])
    started = time.perf_counter()
    model.embed_passages(sample)
    one_call = time.perf_counter() - started
    started = time.perf_counter()
    for start in range(0, len(sample), settings.embedding_batch_size):
        model.embed_passages(sample[start : start + settings.embedding_batch_size])
    batched = time.perf_counter() - started
    return {
        "texts": len(sample),
        "one_call_per_s": len(sample) / one_call,
        "batched_per_s": len(sample) / batched,
        "batch_size": settings.embedding_batch_size,
        "index_texts": len(texts),
        "distinct_texts": len(distinct),
    }


def stored_model(spec: dict[str, Any]) -> StoredVectors:
    real = Settings.from_env(corpus_dir=Path(spec["real_corpus"]))
    paragraphs, vectors = real_paragraphs(real, Path(spec["real_cache"]))
    return StoredVectors(make_embedder(real.embedding_model).name, paragraphs, vectors)


def phase_generate(spec: dict[str, Any]) -> dict[str, Any]:
    """Write a generated corpus and store vectors for every text it will embed, ours and the baseline's."""
    settings = phase_settings(spec)
    papers = generate_corpus(
        Settings.from_env(corpus_dir=Path(spec["real_corpus"])), spec["target"], settings.corpus_dir
    )
    files = corpus_files(settings.corpus_dir)
    texts, chunks = index_texts(files, sentence_chunker(settings))
    model = stored_model(spec)
    return {
        "papers": papers,
        "chunks": chunks,
        "stored": store_vectors(texts, settings.embedding_cache, model),
        "lc_stored": store_vectors(baseline_texts(files), Path(spec["lc_cache"]), model),
    }


def phase_change(spec: dict[str, Any]) -> dict[str, Any]:
    """Change one file; for a generated corpus, store vectors for its new texts."""
    settings = phase_settings(spec)
    changed = change_one_file(settings.corpus_dir, time.strftime("%Y-%m-%d %H:%M:%S"))
    if spec["stored"]:
        model = stored_model(spec)
        store_vectors(index_texts([changed], sentence_chunker(settings))[0], settings.embedding_cache, model)
        store_vectors(baseline_texts([changed]), Path(spec["lc_cache"]), model)
    return {"file": changed.name}


def phase_build(spec: dict[str, Any]) -> dict[str, Any]:
    """A first build through PaperIndex.build, the path `rag index` and Assistant.load take."""
    from rag.index import PaperIndex
    from rag.keyword import Tokenizer

    settings = phase_settings(spec)
    model = MeteredModel(make_embedder(settings.embedding_model), spec["stored_only"])
    embedder = CachedEmbedder(model, settings.embedding_cache, settings.embedding_batch_size)
    started = time.perf_counter()
    corpus = load_corpus(settings.corpus_dir, DocumentCache.open(settings))
    loaded = time.perf_counter()
    index, report = PaperIndex.build(settings, embedder, Tokenizer(), corpus, make_chunker(settings))
    seconds = time.perf_counter() - started
    after = model_alone(settings, model.inner, spec["model_sample"]) if spec.get("model_sample") else None
    figures = {
        "model_after": after,
        "seconds": seconds,
        "load_corpus_s": loaded - started,
        "embed_s": model.seconds,
        "texts_embedded": report.texts_embedded,
        "chunks": report.chunks_total,
        "sentences": int(index.sentences._collection.count()),
        "files": len(corpus.documents),
        "papers": len({doc.paper_id for doc in corpus.documents}),
        "text_mb": sum(len(doc.text.encode()) for doc in corpus.documents) / 1e6,
        "rss_mb": peak_rss_mb(),
    }
    index.close()
    return figures


def phase_sync(spec: dict[str, Any]) -> dict[str, Any]:
    """A re-index as `rag index` does it on an existing index: read the corpus, sync."""
    from rag.index import PaperIndex
    from rag.keyword import Tokenizer

    settings = phase_settings(spec)
    model = MeteredModel(make_embedder(settings.embedding_model), spec["stored_only"])
    embedder = CachedEmbedder(model, settings.embedding_cache, settings.embedding_batch_size)
    started = time.perf_counter()
    index = PaperIndex.open(settings, embedder, Tokenizer())
    corpus = load_corpus(settings.corpus_dir, DocumentCache.open(settings))
    loaded = time.perf_counter()
    report = index.sync(corpus, make_chunker(settings))
    finished = time.perf_counter()
    make_chunker(settings).split_many(corpus.documents)  # again, apart: the sync's share of chunking
    figures = {
        "seconds": finished - started,
        "load_corpus_s": loaded - started,
        "sync_s": report.seconds,
        "chunking_s": time.perf_counter() - finished,
        "texts_embedded": report.texts_embedded,
        "changed_files": len(report.added) + len(report.updated) + len(report.removed),
        "rss_mb": peak_rss_mb(),
    }
    index.close()
    return figures


def timed_ms(call: Callable[[Any], object], inputs: Sequence[Any]) -> list[float]:
    """Milliseconds of ``call(x)`` for each input, one after another (warm, one caller)."""
    out = []
    for item in inputs:
        started = time.perf_counter()
        call(item)
        out.append((time.perf_counter() - started) * 1000)
    return out


def latency(prefix: str, values: list[float]) -> dict[str, float]:
    return {f"{prefix}_p50_ms": percentile(values, 50), f"{prefix}_p95_ms": percentile(values, 95)}


def phase_serve(spec: dict[str, Any]) -> dict[str, Any]:
    """Warm latencies of Assistant.retrieve / ask, and of the three retrieval steps apart."""
    from rag import Assistant

    settings = phase_settings(spec)
    assistant = Assistant.load(settings)
    questions: list[str] = spec["questions"] * spec["rounds"]
    assistant.ask(questions[0])
    vectors = [assistant.embedder.embed_query(q) for q in questions]
    pool = max(settings.candidates, settings.top_k)
    figures: dict[str, Any] = {}
    figures |= latency("retrieve", timed_ms(assistant.retrieve, questions))
    figures |= latency("ask", timed_ms(assistant.ask, questions))
    figures |= latency("query_embed", timed_ms(assistant.embedder.embed_query, questions))
    figures |= latency("dense", timed_ms(lambda v: assistant.index.dense_search(v, pool), vectors))
    figures |= latency("keyword", timed_ms(lambda q: assistant.index.keyword_search(q, pool), questions))
    figures["calls"] = len(questions)
    figures["rss_mb"] = peak_rss_mb()
    return figures


def phase_lc_build(spec: dict[str, Any]) -> dict[str, Any]:
    """The plain pipeline's build (eval/baselines.py builds when its store is empty)."""
    from .baselines import PlainLangChain

    settings = phase_settings(spec)
    started = time.perf_counter()
    plain = PlainLangChain(settings)
    return {
        "seconds": time.perf_counter() - started,
        "chunks": int(plain.store._collection.count()),
        "texts_embedded": plain.embedder.embedded_count,
        "rss_mb": peak_rss_mb(),
    }


def phase_lc_serve(spec: dict[str, Any]) -> dict[str, Any]:
    from .baselines import PlainLangChain

    settings = phase_settings(spec)
    plain = PlainLangChain(settings)
    questions: list[str] = spec["questions"] * spec["rounds"]
    plain.retrieve(questions[0], settings.top_k)
    figures = latency("retrieve", timed_ms(lambda q: plain.retrieve(q, settings.top_k), questions))
    return figures | {"calls": len(questions), "rss_mb": peak_rss_mb()}


PHASES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "model": phase_model,
    "generate": phase_generate,
    "change": phase_change,
    "build": phase_build,
    "sync": phase_sync,
    "serve": phase_serve,
    "lc_build": phase_lc_build,
    "lc_serve": phase_lc_serve,
}

# Process start to the first line of an answer, as a user meets it; the baseline's
# equivalent opens its store and prints its top passage.
LC_COLD = (
    "import sys\n"
    "from eval.baselines import PlainLangChain\n"
    "from rag import Settings\n"
    "settings = Settings.from_env()\n"
    "print(PlainLangChain(settings).retrieve(sys.argv[1], settings.top_k)[0][:60], flush=True)\n"
)


def child_env(settings: Settings | None = None) -> dict[str, str]:
    """Offline, unbuffered, embedded Chroma (the bench measures one machine), pointed at ``settings``."""
    env = {k: v for k, v in os.environ.items() if k != "RAG_CHROMA_URL"}
    env |= {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}
    if settings is not None:
        env |= {
            "RAG_CORPUS_DIR": str(settings.corpus_dir),
            "RAG_INDEX_DIR": str(settings.index_dir),
            "RAG_CACHE_DIR": str(settings.cache_dir),
        }
    return env


def run_phase(
    phase: str, settings: Settings, env: dict[str, str] | None = None, **spec: Any
) -> dict[str, Any]:
    """Run one phase in a fresh process (the code as it is now, its own peak RSS); returns its figures."""
    spec |= {
        "corpus_dir": str(settings.corpus_dir),
        "index_dir": str(settings.index_dir),
        "cache_dir": str(settings.cache_dir),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "eval.bench", phase, json.dumps(spec, ensure_ascii=False)],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env=child_env() | (env or {}),
        timeout=PHASE_TIMEOUT_S,
        check=False,
    )
    if proc.returncode != 0:
        raise BenchError(f"phase {phase} failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def cold_start_s(command: list[str], settings: Settings, runs: int) -> float:
    """Median seconds from process start to the first line it prints (its stderr goes to a file)."""
    times = []
    log_path = settings.index_dir.parent / "cold-start.stderr"
    for _ in range(runs):
        with log_path.open("w") as err:
            started = time.perf_counter()
            proc = subprocess.Popen(
                command,
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
                cwd=PROJECT_ROOT,
                env=child_env(settings),
            )
            assert proc.stdout is not None
            first = proc.stdout.readline()
            times.append(time.perf_counter() - started)
            proc.communicate(timeout=PHASE_TIMEOUT_S)
        if not first.strip():
            raise BenchError(
                f"cold start printed nothing ({proc.returncode}):\n{log_path.read_text()[-3000:]}"
            )
    return statistics.median(times)


# -- the run ----------------------------------------------------------------------------------


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def parse_sizes(raw: str) -> list[int]:
    """'real,10000,50000' -> [0, 10000, 50000]; 0 stands for the real corpus."""
    sizes = []
    for part in raw.split(","):
        part = part.strip().lower().replace("_", "")
        if part:
            sizes.append(
                0 if part == "real" else int(float(part.rstrip("k")) * (1000 if part.endswith("k") else 1))
            )
    return sorted(set(sizes))


def label_of(target: int) -> str:
    return "real" if target == 0 else f"{target // 1000}k" if target % 1000 == 0 else str(target)


def prepare_real(base: Settings, size: Size, plan: Plan) -> None:
    """Copy the corpus; a quick run starts from the vectors an earlier full run stored."""
    shutil.rmtree(size.root, ignore_errors=True)
    shutil.copytree(base.corpus_dir, size.corpus)
    if not plan.quick:
        size.notes.append("real corpus: cold build, every vector embedded by the model")
        return
    for sub in ("cache", "lc-cache"):
        stored = STORED_REAL / sub / "embeddings.sqlite"
        if stored.is_file():
            (size.root / sub).mkdir(parents=True)
            shutil.copyfile(stored, size.root / sub / "embeddings.sqlite")
            size.stored_vectors = True
    if size.stored_vectors:
        size.notes.append(
            "real corpus (--quick): vectors stored by an earlier full run; build time excludes the model"
        )
    else:
        size.notes.append("real corpus (--quick): no stored vectors yet, so a cold build with the model")


def keep_real_vectors(size: Size) -> None:
    """After a cold build, keep the real corpus's vectors for later quick runs."""
    for sub in ("cache", "lc-cache"):
        source = size.root / sub / "embeddings.sqlite"
        if source.is_file():
            (STORED_REAL / sub).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, STORED_REAL / sub / "embeddings.sqlite")


def measure(base: Settings, size: Size, plan: Plan, questions: list[str]) -> None:
    ours, plain = size.settings(base), size.settings(base, baseline=True)
    generated = size.target > 0
    fig = size.figures
    log(f"{size.label}: building the index")
    fig["build"] = run_phase(
        "build", ours, stored_only=generated, model_sample=0 if generated else plan.model_sample
    )
    log(f"{size.label}: re-index, nothing changed (the model may not be called)")
    fig["sync_unchanged"] = run_phase("sync", ours, stored_only=True)
    log(f"{size.label}: warm latencies")
    serve_spec: dict[str, Any] = {"questions": questions, "rounds": plan.rounds}
    fig["serve"] = run_phase("serve", ours, **serve_spec)
    # e5 runs a single query on all cores in many short parallel steps, which stall when other
    # processes hold the cores; one thread per process is the alternative for busy servers.
    fig["serve_1t"] = run_phase("serve", ours, env={"OMP_NUM_THREADS": "1"}, **serve_spec)
    log(f"{size.label}: cold starts")
    ask = [sys.executable, "-m", "rag.cli", "ask", questions[0]]
    fig["cold_start_s"] = cold_start_s(ask, ours, plan.cold_runs)
    log(f"{size.label}: plain LangChain build, latencies, cold start")
    fig["lc_build"] = run_phase("lc_build", plain)
    fig["lc_serve"] = run_phase("lc_serve", plain, **serve_spec)
    lc_cold = [sys.executable, "-c", LC_COLD, questions[0]]
    fig["lc_cold_start_s"] = cold_start_s(lc_cold, plain, plan.cold_runs)
    log(f"{size.label}: one file changed: re-index, and the plain pipeline's rebuild")
    fig["change"] = run_phase("change", ours, **stored_spec(base, size))
    fig["sync_changed"] = run_phase("sync", ours, stored_only=generated)
    fig["lc_rebuild"] = run_phase("lc_build", plain)


def stored_spec(base: Settings, size: Size) -> dict[str, Any]:
    """What a phase needs to make stored vectors for ``size`` (none for the real corpus)."""
    if size.target == 0:
        return {"stored": False}
    return {
        "stored": True,
        "target": size.target,
        "real_corpus": str(base.corpus_dir),
        "real_cache": str(BENCH_DIR / "real" / "cache" / "embeddings.sqlite"),
        "lc_cache": str(size.settings(base, baseline=True).embedding_cache),
    }


def run(base: Settings, sizes: list[int], plan: Plan) -> list[Size]:
    questions = [q.question for q in load_questions(QUESTIONS)][: plan.questions]
    real = Size("real", 0, BENCH_DIR / "real", stored_vectors=False)
    prepare_real(base, real, plan)
    log(f"real: the model alone on {plan.model_sample} texts")
    real.figures["model"] = run_phase("model", real.settings(base), sample=plan.model_sample)
    measure(base, real, plan, questions)
    if not real.stored_vectors:
        keep_real_vectors(real)
    out = [real]
    for target in (t for t in sizes if t > 0):
        size = Size(label_of(target), target, BENCH_DIR / label_of(target), stored_vectors=True)
        log(f"{size.label}: generating the corpus and its stored vectors")
        shutil.rmtree(size.root, ignore_errors=True)
        made = run_phase("generate", size.settings(base), **stored_spec(base, size))
        size.figures["generate"] = made
        size.notes.append(
            f"{size.label}: {made['papers']} generated papers, {made['chunks']:,} chunks; stored vectors for "
            f"{made['stored']:,} distinct texts (+{made['lc_stored']:,} for the plain pipeline)"
        )
        measure(base, size, plan, questions)
        out.append(size)
    return out


# -- the report ---------------------------------------------------------------------------------


def fmt(value: float | None, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if abs(value) >= 100 or digits == 0:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def derived(size: Size) -> dict[str, float]:
    """The figures the report compares, from a size's raw phase results."""
    f = size.figures
    build, serve = f["build"], f["serve"]
    without_model = build["seconds"] - build["embed_s"]
    return {
        "chunks": build["chunks"],
        "sentences": build["sentences"],
        "files": build["files"],
        "text_mb": build["text_mb"],
        "build_s": build["seconds"],
        "build_chunks_per_s": build["chunks"] / build["seconds"],
        "build_mb_per_min": build["text_mb"] / (build["seconds"] / 60),
        "build_without_model_s": without_model,
        "build_chunks_per_s_without_model": build["chunks"] / without_model,
        "load_corpus_s": build["load_corpus_s"],
        "build_rss_mb": build["rss_mb"],
        "reindex_unchanged_s": f["sync_unchanged"]["seconds"],
        "reindex_unchanged_load_s": f["sync_unchanged"]["load_corpus_s"],
        "reindex_unchanged_sync_s": f["sync_unchanged"]["sync_s"],
        "reindex_unchanged_chunking_s": f["sync_unchanged"]["chunking_s"],
        "reindex_changed_s": f["sync_changed"]["seconds"],
        "reindex_changed_sync_s": f["sync_changed"]["sync_s"],
        "reindex_changed_embedded": f["sync_changed"]["texts_embedded"],
        "retrieve_p50_ms": serve["retrieve_p50_ms"],
        "retrieve_p95_ms": serve["retrieve_p95_ms"],
        "ask_p50_ms": serve["ask_p50_ms"],
        "ask_p95_ms": serve["ask_p95_ms"],
        "query_embed_p50_ms": serve["query_embed_p50_ms"],
        "dense_p50_ms": serve["dense_p50_ms"],
        "keyword_p50_ms": serve["keyword_p50_ms"],
        "retrieve_1t_p50_ms": f["serve_1t"]["retrieve_p50_ms"],
        "ask_1t_p50_ms": f["serve_1t"]["ask_p50_ms"],
        "query_embed_1t_p50_ms": f["serve_1t"]["query_embed_p50_ms"],
        "cold_start_s": f["cold_start_s"],
        "serve_rss_mb": serve["rss_mb"],
        "lc_chunks": f["lc_build"]["chunks"],
        "lc_build_s": f["lc_build"]["seconds"],
        "lc_build_rss_mb": f["lc_build"]["rss_mb"],
        "lc_rebuild_s": f["lc_rebuild"]["seconds"],
        "lc_retrieve_p50_ms": f["lc_serve"]["retrieve_p50_ms"],
        "lc_retrieve_p95_ms": f["lc_serve"]["retrieve_p95_ms"],
        "lc_cold_start_s": f["lc_cold_start_s"],
        "lc_serve_rss_mb": f["lc_serve"]["rss_mb"],
    }


ROWS: list[tuple[str, str, int]] = [
    ("chunks (ours)", "chunks", 0),
    ("sentence vectors (ours)", "sentences", 0),
    ("files", "files", 0),
    ("text MB (cleaned, UTF-8)", "text_mb", 2),
    ("build s", "build_s", 1),
    ("  chunks/s", "build_chunks_per_s", 1),
    ("  MB of text/min", "build_mb_per_min", 2),
    ("  of which reading the corpus s", "load_corpus_s", 1),
    ("build without the model s", "build_without_model_s", 1),
    ("  chunks/s without the model", "build_chunks_per_s_without_model", 1),
    ("re-index, nothing changed s", "reindex_unchanged_s", 2),
    ("  reading the corpus s", "reindex_unchanged_load_s", 2),
    ("  sync s", "reindex_unchanged_sync_s", 2),
    ("    of which chunking every file s", "reindex_unchanged_chunking_s", 2),
    ("re-index, one file changed s", "reindex_changed_s", 2),
    ("  sync s", "reindex_changed_sync_s", 2),
    ("  texts embedded", "reindex_changed_embedded", 0),
    ("retrieve p50 ms", "retrieve_p50_ms", 1),
    ("retrieve p95 ms", "retrieve_p95_ms", 1),
    ("  query embedding p50 ms", "query_embed_p50_ms", 1),
    ("  dense search p50 ms", "dense_p50_ms", 1),
    ("  keyword search p50 ms", "keyword_p50_ms", 1),
    ("ask p50 ms", "ask_p50_ms", 1),
    ("ask p95 ms", "ask_p95_ms", 1),
    ("retrieve p50 ms, OMP_NUM_THREADS=1", "retrieve_1t_p50_ms", 1),
    ("  query embedding p50 ms, 1 thread", "query_embed_1t_p50_ms", 1),
    ("ask p50 ms, OMP_NUM_THREADS=1", "ask_1t_p50_ms", 1),
    ("cold start to first answer s", "cold_start_s", 2),
    ("peak RSS indexing MB", "build_rss_mb", 0),
    ("peak RSS serving MB", "serve_rss_mb", 0),
]
LC_ROWS: list[tuple[str, str, str, int]] = [
    ("chunks", "lc_chunks", "chunks", 0),
    ("build s", "lc_build_s", "build_s", 1),
    ("re-index after one change s (plain: rebuild)", "lc_rebuild_s", "reindex_changed_s", 2),
    ("retrieve p50 ms (plain: dense top-k only)", "lc_retrieve_p50_ms", "retrieve_p50_ms", 1),
    ("retrieve p95 ms", "lc_retrieve_p95_ms", "retrieve_p95_ms", 1),
    ("cold start s (plain: to first passage)", "lc_cold_start_s", "cold_start_s", 2),
    ("peak RSS indexing MB", "lc_build_rss_mb", "build_rss_mb", 0),
    ("peak RSS serving MB", "lc_serve_rss_mb", "serve_rss_mb", 0),
]
GROWTH = [
    "build_without_model_s",
    "reindex_unchanged_s",
    "reindex_changed_s",
    "retrieve_p50_ms",
    "retrieve_1t_p50_ms",
    "ask_p50_ms",
    "dense_p50_ms",
    "keyword_p50_ms",
    "cold_start_s",
    "build_rss_mb",
    "serve_rss_mb",
]


def exponent(small: float, large: float, n_small: float, n_large: float) -> float:
    """b in value ∝ chunks^b between two sizes: 0 flat, 1 linear."""
    if min(small, large, n_small, n_large) <= 0 or n_large == n_small:
        return float("nan")
    return math.log(large / small) / math.log(n_large / n_small)


def report(sizes: list[Size], plan: Plan, started: float) -> str:
    d = {s.label: derived(s) for s in sizes}
    labels = list(d)
    head = [
        "",
        *[
            f"{label}{' (stored vectors)' if s.stored_vectors else ''}"
            for label, s in zip(labels, sizes, strict=True)
        ],
    ]
    out = [
        f"rag bench{' --quick' if plan.quick else ''}: {os.cpu_count()} cores, {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d %H:%M')}, {plan.questions} questions x {plan.rounds} round(s), "
        f"cold start median of {plan.cold_runs}"
        + (f"; generated sizes divided by {plan.shrink}" if plan.shrink > 1 else ""),
        load_line(sizes),
        "",
        "Corpora",
        "  real: corpus/ as it is. Generated: each paper is a title line and then paragraphs of the",
        f"  real papers drawn one at a time with random.Random('{SEED}:<paper number>') until it has",
        f"  about {CHUNKS_PER_PAPER} chunks (paper n is the same at every size). They use stored vectors:",
        "  a text's vector is the mean vector of the real paragraphs its sentences come from, plus noise",
        f"  N(0, {NOISE}) per dimension seeded by the text's hash, normalised, written into the vector cache",
        "  before indexing; the indexing processes may not call the model. Queries always use the model.",
        *[f"  - {note}" for s in sizes for note in s.notes],
        "",
    ]
    out += embedding_section(sizes)
    out += ["Ours (hybrid: sentence chunks + sentence vectors in Chroma, BM25 keyword index)", ""]
    out.append(
        table(head, [[name, *[fmt(d[lb][key], digits) for lb in labels]] for name, key, digits in ROWS])
    )
    out += [
        "",
        "Plain LangChain (RecursiveCharacterTextSplitter 1000/200, same e5, Chroma top-k); ours/plain",
        "",
    ]
    lc_head = ["", *[h for lb in labels for h in (f"{lb} plain", f"{lb} ours/plain")]]
    lc_rows = []
    for name, key, ours_key, digits in LC_ROWS:
        row = [name]
        for lb in labels:
            row += [fmt(d[lb][key], digits), f"x{d[lb][ours_key] / d[lb][key]:.2f}" if d[lb][key] else "-"]
        lc_rows.append(row)
    out.append(table(lc_head, lc_rows))
    out += [
        "",
        "  The plain pipeline has no incremental sync: a change is a rebuild (here with its vectors cached).",
        "",
    ]
    out += growth_section(d, labels)
    out += targets_section(d)
    minutes = (time.perf_counter() - started) / 60
    out.append(f"\nbench took {minutes:.1f} min; figures in {BENCH_DIR / 'results.json'}")
    return "\n".join(out)


def load_line(sizes: list[Size]) -> str:
    loads = [
        f["load_1m"] for s in sizes for f in s.figures.values() if isinstance(f, dict) and "load_1m" in f
    ]
    if not loads:
        return ""
    return (
        f"machine load (1-min average at the end of each phase): median {statistics.median(loads):.1f}, "
        f"max {max(loads):.1f} on {os.cpu_count()} cores (above the core count, others' work slowed ours)"
    )


def embedding_section(sizes: list[Size]) -> list[str]:
    real = sizes[0] if sizes and sizes[0].label == "real" else None
    if real is None or "model" not in real.figures:
        return []
    f = real.figures
    model, build = f["model"], f["build"]
    runs = [m for m in (model, build.get("model_after")) if m]
    lines = ["Embedding (real corpus)"]
    for name, m in zip(("before the build", "right after it"), runs, strict=False):
        lines.append(
            f"  model alone {name}, {m['texts']} of the build's texts: {m['one_call_per_s']:.1f} texts/s "
            f"in one call, {m['batched_per_s']:.1f} texts/s in batches of {m['batch_size']}"
        )
    best_batched = max(m["batched_per_s"] for m in runs)
    best = max(best_batched, *(m["one_call_per_s"] for m in runs))
    if build["texts_embedded"]:
        in_build = build["texts_embedded"] / build["embed_s"]
        lines += [
            f"  inside the index build: {build['texts_embedded']:,} texts in {build['embed_s']:.0f} s "
            f"of model time = {in_build:.1f} texts/s: x{in_build / best_batched:.2f} of the model alone "
            f"in the same batches, x{in_build / best:.2f} of its best; the model's share of the build time: "
            f"{build['embed_s'] / build['seconds']:.1%}",
        ]
    else:
        lines.append("  inside the index build: every vector was stored (--quick), so no in-build rate")
    embedded, distinct = build["texts_embedded"], model["distinct_texts"]
    verdict = (
        "= distinct" if embedded == distinct else "the rest were stored" if embedded < distinct else "MORE"
    )
    lines += [
        f"  no text embedded twice: a build embeds {model['index_texts']:,} texts, {distinct:,} distinct; "
        f"the model was called for {embedded:,} ({verdict})",
        f"  re-index with nothing changed embedded {f['sync_unchanged']['texts_embedded']} texts; "
        f"after one changed file {f['sync_changed']['texts_embedded']} (the new paragraph's texts)",
        "",
    ]
    return lines


def growth_section(d: dict[str, dict[str, float]], labels: list[str]) -> list[str]:
    if len(labels) < 2:
        return []
    first, last = labels[0], labels[-1]
    n0, n1 = d[first]["chunks"], d[last]["chunks"]
    head = ["", *labels, f"{last}/{first}", "b"]
    rows = []
    for key in GROWTH:
        name = next(n.strip() for n, k, _ in ROWS if k == key)
        a, b = d[first][key], d[last][key]
        rows.append(
            [name, *[fmt(d[lb][key], 2) for lb in labels], f"x{b / a:.1f}", f"{exponent(a, b, n0, n1):.2f}"]
        )
    return [
        f"Growth with size: chunks x{n1 / n0:.0f} from {first} to {last}; "
        "b is the exponent in value ~ chunks^b (0 flat, 1 linear)",
        "",
        table(head, rows),
        "",
    ]


def targets_section(d: dict[str, dict[str, float]]) -> list[str]:
    big = max(d, key=lambda lb: d[lb]["chunks"])
    checks = [
        (
            "retrieve p50, real corpus",
            d.get("real", {}).get("retrieve_p50_ms"),
            TARGETS["retrieve_p50_real_ms"],
            "ms",
        ),
        (
            f"retrieve p50, {big}",
            d[big]["retrieve_p50_ms"] if big != "real" else None,
            TARGETS["retrieve_p50_50k_ms"],
            "ms",
        ),
        ("ask p50 warm, real corpus", d.get("real", {}).get("ask_p50_ms"), TARGETS["ask_p50_real_ms"], "ms"),
        ("cold start, largest index", d[big]["cold_start_s"], TARGETS["cold_start_s"], "s"),
        (
            f"re-index unchanged, {big}",
            d[big]["reindex_unchanged_s"] if big != "real" else None,
            TARGETS["reindex_unchanged_50k_s"],
            "s",
        ),
    ]
    lines = ["Targets (2 cores)"]
    for name, value, limit, unit in checks:
        verdict = "-" if value is None else "met" if value <= limit else "MISSED"
        lines.append(f"  {name:<34} {fmt(value, 2):>10} {unit:<2}  target <= {limit:g} {unit}  {verdict}")
    if big != "real":
        b = d[big]
        rest = b["reindex_unchanged_s"] - b["reindex_unchanged_load_s"] - b["reindex_unchanged_chunking_s"]
        lines.append(
            f"  re-index unchanged, {big}: reading and cleaning files {b['reindex_unchanged_load_s']:.1f} s "
            f"(rag/ingest.py), chunking every file {b['reindex_unchanged_chunking_s']:.1f} s, "
            f"the index's own checks {rest:.1f} s"
        )
    return lines


def main(args: argparse.Namespace, settings: Settings) -> int:
    """`rag bench`: run the phases, print the report, keep it and the raw figures under artifacts/bench/."""
    plan = Plan.of(bool(getattr(args, "quick", False)))
    sizes = [size // plan.shrink for size in parse_sizes(getattr(args, "sizes", "real,10000,50000"))]
    started = time.perf_counter()
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    try:
        measured = run(settings, sizes, plan)
    except (BenchError, subprocess.TimeoutExpired) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    text = report(measured, plan, started)
    print(text)
    (BENCH_DIR / "report.txt").write_text(text + "\n", encoding="utf-8")
    raw = {s.label: {"figures": s.figures, "derived": derived(s), "notes": s.notes} for s in measured}
    (BENCH_DIR / "results.json").write_text(json.dumps(raw, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


def _phase_main(argv: list[str]) -> int:
    """``python -m eval.bench PHASE SPEC``: one measured phase; its figures are the last stdout line."""
    phase, spec = argv[0], json.loads(argv[1])
    figures = PHASES[phase](spec)
    # Other work on the machine slows every figure: a 1-minute load above the core count means contention.
    figures["load_1m"] = os.getloadavg()[0]
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(_phase_main(sys.argv[1:]))
