"""The measured phases, each run in a fresh process (``python -m eval.bench PHASE SPEC``)."""

from __future__ import annotations

import json
import os
import resource
import time
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from rag.chunking import make_chunker, make_sentence_chunker
from rag.config import Settings
from rag.index import CachedEmbedder, Embedder, make_embedder
from rag.ingest import DocumentCache, corpus_files, load_corpus

from ..quality.metrics import percentile
from .corpora import (
    MeteredModel,
    StoredVectors,
    baseline_texts,
    change_one_file,
    generate_corpus,
    index_texts,
    real_paragraphs,
    store_vectors,
)
from .neighbours import busy_neighbours, paused

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
    texts, _ = index_texts(corpus_files(settings.corpus_dir), make_sentence_chunker(settings))
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
    texts, chunks = index_texts(files, make_sentence_chunker(settings))
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
        store_vectors(
            index_texts([changed], make_sentence_chunker(settings))[0], settings.embedding_cache, model
        )
        store_vectors(baseline_texts([changed]), Path(spec["lc_cache"]), model)
    return {"file": changed.name}


def phase_build(spec: dict[str, Any]) -> dict[str, Any]:
    """A first build through PaperIndex.build, the path `rag index` and Assistant.load take."""
    from rag.index import PaperIndex
    from rag.text.words import Tokenizer

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
        "sentences": int(index.store.sentences.count()),
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
    from rag.text.words import Tokenizer

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


def interleaved_ms(assistant: Any, questions: Sequence[str]) -> dict[str, list[float]]:
    """Milliseconds of the model's query embedding, ``retrieve`` and ``ask`` for each question,
    one after another, so that all three meet the same moment of the machine's load."""
    out: dict[str, list[float]] = {name: [] for name in _calls(assistant)}
    for question in questions:
        for name, values in _each_call_ms(assistant, question).items():
            out[name] += values
    return out


def paired_ms(
    assistant: Any, questions: Sequence[str], neighbours: int
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """As interleaved_ms, quiet and with ``neighbours`` CPU-burning processes, question by
    question (which comes first turns each time): the two figures of a ratio then come from
    the same questions at the same stretch of the machine's drift, not a quiet figure of
    every question against a loaded one of the first few, taken minutes later."""
    quiet: dict[str, list[float]] = {name: [] for name in _calls(assistant)}
    loaded: dict[str, list[float]] = {name: [] for name in _calls(assistant)}
    with busy_neighbours(neighbours) as procs:
        for n, question in enumerate(questions):
            for busy in (n % 2 == 0, n % 2 == 1):
                with nullcontext() if busy else paused(procs):
                    for name, values in _each_call_ms(assistant, question).items():
                        (loaded if busy else quiet)[name] += values
    return quiet, loaded


def _calls(assistant: Any) -> dict[str, Callable[[str], object]]:
    embed = assistant.retriever.embedder.embed_query
    return {"query_embed": embed, "retrieve": assistant.retrieve, "ask": assistant.ask}


def _each_call_ms(assistant: Any, question: str) -> dict[str, list[float]]:
    return {name: timed_ms(call, [question]) for name, call in _calls(assistant).items()}


def phase_serve(spec: dict[str, Any]) -> dict[str, Any]:
    """Warm latencies of the model's query embedding, Assistant.retrieve and ask, interleaved;
    of the retrieval steps apart; and, with ``loaded_questions``, of the first three again
    with a CPU-burning neighbour process on every core."""
    from rag import Assistant

    settings = phase_settings(spec)
    assistant = Assistant.load(settings)
    questions: list[str] = spec["questions"] * spec["rounds"]
    assistant.ask(questions[0])
    assistant.index.tables.whole()  # warm: the passages in memory, which the first question starts reading
    vectors = [assistant.retriever.embedder.embed_query(q) for q in questions]
    pool = max(settings.candidates, settings.top_k)
    figures: dict[str, Any] = {"query_threads": settings.query_threads}
    for name, values in interleaved_ms(assistant, questions).items():
        figures |= latency(name, values)
    figures |= latency("dense", timed_ms(lambda v: assistant.index.dense_search(v, pool), vectors))
    figures |= latency("keyword", timed_ms(lambda q: assistant.index.keyword_search(q, pool), questions))
    figures["calls"] = len(questions)
    figures["rss_mb"] = peak_rss_mb()
    loaded = questions[: spec.get("loaded_questions", 0)]
    if loaded:
        quiet, busy = paired_ms(assistant, loaded, os.cpu_count() or 1)
        for name in quiet:
            figures |= latency(f"paired_{name}", quiet[name]) | latency(f"loaded_{name}", busy[name])
        figures["loaded_calls"] = len(loaded)
    return figures


def phase_lc_build(spec: dict[str, Any]) -> dict[str, Any]:
    """The plain pipeline's build (eval/baselines.py builds when its store is empty)."""
    from ..quality.baselines import PlainLangChain

    settings = phase_settings(spec)
    started = time.perf_counter()
    plain = PlainLangChain(settings)
    return {
        "seconds": time.perf_counter() - started,
        "chunks": plain.count(),
        "texts_embedded": plain.embedder.embedded_count,
        "rss_mb": peak_rss_mb(),
    }


def phase_lc_serve(spec: dict[str, Any]) -> dict[str, Any]:
    from ..quality.baselines import PlainLangChain

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
    "from eval.quality.baselines import PlainLangChain\n"
    "from rag import Settings\n"
    "settings = Settings.from_env()\n"
    "print(PlainLangChain(settings).retrieve(sys.argv[1], settings.top_k)[0][:60], flush=True)\n"
)


def phase_main(argv: list[str]) -> int:
    """``python -m eval.bench PHASE SPEC``: one measured phase; its figures are the last stdout line."""
    phase, spec = argv[0], json.loads(argv[1])
    figures = PHASES[phase](spec)
    # Other work on the machine slows every figure: a 1-minute load above the core count means contention.
    figures["load_1m"] = os.getloadavg()[0]
    print(json.dumps(figures))
    return 0
