"""The bench report: figures side by side, ratios to their floors, growth, targets."""

from __future__ import annotations

import math
import os
import platform
import statistics
import time

from .plan import BENCH_DIR, CHUNKS_PER_PAPER, NOISE, SEED, TARGETS, Plan, Size

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
        "retrieve_over_embed": serve["retrieve_p50_ms"] / serve["query_embed_p50_ms"],
        "ask_minus_retrieve_ms": serve["ask_p50_ms"] - serve["retrieve_p50_ms"],
        "loaded_retrieve_p50_ratio": loaded_ratio(serve, "retrieve", 50),
        "loaded_retrieve_p95_ratio": loaded_ratio(serve, "retrieve", 95),
        "retrieve_alt_p50_ms": f["serve_alt"]["retrieve_p50_ms"],
        "ask_alt_p50_ms": f["serve_alt"]["ask_p50_ms"],
        "query_embed_alt_p50_ms": f["serve_alt"]["query_embed_p50_ms"],
        "retrieve_over_embed_alt": f["serve_alt"]["retrieve_p50_ms"] / f["serve_alt"]["query_embed_p50_ms"],
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


def loaded_ratio(serve: dict[str, float], step: str, q: int) -> float:
    """The ``q``th percentile with CPU-burning neighbours over the quiet one of the same
    questions, measured in pairs (nan: not measured)."""
    loaded = serve.get(f"loaded_{step}_p{q}_ms")
    return float("nan") if loaded is None else loaded / serve[f"paired_{step}_p{q}_ms"]


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
    ("  query embedding p50 ms (the model, interleaved)", "query_embed_p50_ms", 1),
    ("  retrieve p50 / query embedding p50", "retrieve_over_embed", 2),
    ("  dense search p50 ms", "dense_p50_ms", 1),
    ("  keyword search p50 ms", "keyword_p50_ms", 1),
    ("ask p50 ms", "ask_p50_ms", 1),
    ("ask p95 ms", "ask_p95_ms", 1),
    ("ask p50 - retrieve p50 ms", "ask_minus_retrieve_ms", 1),
    ("retrieve p50 ms, other query threads", "retrieve_alt_p50_ms", 1),
    ("  query embedding p50 ms, other threads", "query_embed_alt_p50_ms", 1),
    ("  retrieve p50 / query embedding p50", "retrieve_over_embed_alt", 2),
    ("ask p50 ms, other query threads", "ask_alt_p50_ms", 1),
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
    "retrieve_alt_p50_ms",
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
    out += load_section(sizes)
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


def threads_label(threads: int) -> str:
    return f"{threads} thread{'s' if threads != 1 else ''}" if threads else f"all {os.cpu_count()} cores"


def load_section(sizes: list[Size]) -> list[str]:
    """Quiet against a CPU-burning neighbour process on every core, for each choice of threads."""
    real = next((s for s in sizes if "loaded_retrieve_p50_ms" in s.figures["serve"]), None)
    if real is None:
        return []
    rows = []
    for key, note in (("serve", " (the setting)"), ("serve_alt", "")):
        f = real.figures[key]
        for step in ("query_embed", "retrieve", "ask"):
            quiet = [f[f"paired_{step}_p{q}_ms"] for q in (50, 95)]
            loaded = [f[f"loaded_{step}_p{q}_ms"] for q in (50, 95)]
            rows.append(
                [
                    f"{step.replace('_', ' ')}, {threads_label(f['query_threads'])}{note}",
                    *[fmt(v, 1) for v in quiet + loaded],
                    *[f"x{b / a:.2f}" for a, b in zip(quiet, loaded, strict=True)],
                ]
            )
    return [
        f"Under load ({real.label} corpus): {os.cpu_count()} CPU-burning neighbour processes, one per core, "
        f"{real.figures['serve']['loaded_calls']} questions, each quiet (the neighbours paused) and loaded "
        "in turn; RAG_QUERY_THREADS sets the threads",
        "",
        table(["", "quiet p50", "quiet p95", "loaded p50", "loaded p95", "p50 ratio", "p95 ratio"], rows),
        "",
    ]


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
        *[
            (
                f"retrieve / query embedding p50, {lb}",
                d[lb]["retrieve_over_embed"],
                TARGETS["retrieve_over_embed"],
                "x",
            )
            for lb in d
        ],
        *[
            (
                f"retrieve p{q} loaded / quiet, real",
                d.get("real", {}).get(f"loaded_retrieve_p{q}_ratio"),
                TARGETS[f"loaded_p{q}_ratio"],
                "x",
            )
            for q in (50, 95)
        ],
        ("cold start, largest index", d[big]["cold_start_s"], TARGETS["cold_start_s"], "s"),
        (
            f"re-index unchanged, {big}",
            d[big]["reindex_unchanged_s"] if big != "real" else None,
            TARGETS["reindex_unchanged_50k_s"],
            "s",
        ),
        (
            f"re-index one file changed, {big}",
            d[big]["reindex_changed_s"] if big != "real" else None,
            TARGETS["reindex_changed_50k_s"],
            "s",
        ),
        (
            f"peak RSS serving, {big}",
            d[big]["serve_rss_mb"] if big != "real" else None,
            TARGETS["serve_rss_50k_mb"],
            "MB",
        ),
    ]
    lines = ["Targets (2 cores)"]
    for name, value, limit, unit in checks:
        verdict = "-" if value is None or math.isnan(value) else "met" if value <= limit else "MISSED"
        lines.append(f"  {name:<40} {fmt(value, 2):>10} {unit:<2}  target <= {limit:g} {unit}  {verdict}")
    if big != "real":
        b = d[big]
        rest = b["reindex_unchanged_s"] - b["reindex_unchanged_load_s"] - b["reindex_unchanged_chunking_s"]
        lines.append(
            f"  re-index unchanged, {big}: reading and cleaning files {b['reindex_unchanged_load_s']:.1f} s "
            f"(rag/ingest/), chunking every file {b['reindex_unchanged_chunking_s']:.1f} s, "
            f"the index's own checks {rest:.1f} s"
        )
    return lines
