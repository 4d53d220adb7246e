"""Running the phases in order for each corpus size, and the `rag bench` command."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from typing import Any

from rag.config import PROJECT_ROOT, Settings

from ..quality.questions import load_questions
from .phases import LC_COLD
from .plan import BENCH_DIR, PHASE_TIMEOUT_S, QUESTIONS, STORED_REAL, BenchError, Plan, Size
from .report import derived, report


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
    loaded = plan.loaded_questions if not generated else 0
    fig["serve"] = run_phase("serve", ours, loaded_questions=loaded, **serve_spec)
    # The other choice of query threads (RAG_QUERY_THREADS), quiet and loaded alike: e5 runs a
    # query in many short parallel steps, which stall when other processes hold the cores.
    other = {"RAG_QUERY_THREADS": "1" if ours.query_threads != 1 else "0"}
    fig["serve_alt"] = run_phase("serve", ours, env=other, loaded_questions=loaded, **serve_spec)
    log(f"{size.label}: cold starts")
    ask = [sys.executable, "-m", "apps.cli", "ask", questions[0]]
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


def main(args: argparse.Namespace, settings: Settings) -> int:
    """`rag bench`: run the phases, print the report, keep it and the raw figures under artifacts/bench/."""
    plan = Plan.of(bool(getattr(args, "quick", False)))
    if getattr(args, "full_sizes", False):
        plan = replace(plan, shrink=1)
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
