"""Question latency while a paper is uploaded. Issue 15's target: with 8 readers asking, the
p95 during an upload of a 60 KB paper is at most twice the quiet p95.

    python -m eval.bench.upload_latency [--readers 8] [--paper-kb 60] [--quiet-s 30]

On a copy of corpus/ (its index built once, on the project's vector cache), ``--readers``
threads ask the questions of eval.bench.web_latency one after another, as the web app's
queue does: first for ``--quiet-s`` seconds alone, then while one more thread uploads
(Library.add_files) a paper generated from the corpus's sentences, each marked so that its
text is new to the vector cache and all of it is embedded.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.bench.web_latency import ROOT, SEQUENTIAL
from rag import Assistant, Settings
from rag.ingest import load_corpus
from rag.text.sentences import sentence_spans


@dataclass(frozen=True)
class Asked:
    started: float
    seconds: float


def generated_paper(corpus: Path, folder: Path, kilobytes: int, seed: int) -> Path:
    """A paper of about ``kilobytes`` KB of UTF-8: the corpus's sentences in a shuffled order,
    under headings, each marked with the seed so no vector of it is cached."""
    sentences = [
        doc.text[span.start : span.end].strip()
        for doc in load_corpus(corpus).documents
        for span in sentence_spans(doc.text)
    ]
    sentences = [s for s in sentences if 20 <= len(s) <= 200]
    random.Random(seed).shuffle(sentences)
    lines = [f"# 中亚合作研究综述（样本{seed}）", ""]
    for n, sentence in enumerate(sentences * 3):
        if n % 12 == 0:
            lines += ["", f"## {n // 12 + 1} 第{n // 12 + 1}部分", ""]
        lines.append(f"{sentence.rstrip('。')}（样本{seed}之{n}）。")
        if len("\n".join(lines).encode()) > kilobytes * 1000:
            break
    path = folder / f"upload_{seed}.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def reader(assistant: Assistant, offset: int, until: threading.Event, out: list[Asked]) -> None:
    n = offset
    while not until.is_set():
        started = time.perf_counter()
        assistant.ask(SEQUENTIAL[n % len(SEQUENTIAL)])
        out.append(Asked(started, time.perf_counter() - started))
        n += 1


def p95(values: Sequence[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


def describe(name: str, asked: Sequence[Asked]) -> dict[str, Any]:
    seconds = sorted(a.seconds for a in asked)
    if not seconds:
        return {"phase": name, "questions": 0}
    return {
        "phase": name,
        "questions": len(seconds),
        "p50_s": round(statistics.median(seconds), 2),
        "p95_s": round(p95(seconds), 2),
        "max_s": round(seconds[-1], 2),
    }


def measure(settings: Settings, readers: int, paper_kb: int, quiet_s: float) -> dict[str, Any]:
    assistant = Assistant.load(settings)
    assistant.warm_up()
    assistant.library.reindex()
    paper = generated_paper(settings.corpus_dir, settings.index_dir.parent, paper_kb, int(time.time()))
    writes: list[float] = []
    write = assistant.index.syncer.write

    def timed_write(*args: Any) -> bool:
        started = time.perf_counter()
        try:
            return write(*args)
        finally:
            writes.append(time.perf_counter() - started)

    assistant.index.syncer.write = timed_write  # type: ignore[method-assign,assignment]
    stop = threading.Event()
    asked: list[list[Asked]] = [[] for _ in range(readers)]
    threads = [
        threading.Thread(target=reader, args=(assistant, n, stop, asked[n]), daemon=True)
        for n in range(readers)
    ]
    begun = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(quiet_s)
    upload_start = time.perf_counter()
    report = assistant.library.add_files([paper])
    upload_end = time.perf_counter()
    stop.set()
    for thread in threads:
        thread.join()
    everything = [a for reader_asked in asked for a in reader_asked]
    warm = begun + 3.0  # the first questions of each thread pay for first-use loading
    quiet = [a for a in everything if warm <= a.started and a.started + a.seconds <= upload_start]
    during = [a for a in everything if a.started < upload_end and a.started + a.seconds > upload_start]
    result: dict[str, Any] = {
        "readers": readers,
        "paper_kb": round(paper.stat().st_size / 1000, 1),
        "upload_s": round(upload_end - upload_start, 1),
        "write_s": round(sum(writes), 2),
        "texts_embedded": report.texts_embedded,
        "added": report.added,
        "quiet": describe("quiet", quiet),
        "during_upload": describe("during upload", during),
    }
    if quiet and during:
        result["p95_ratio"] = round(result["during_upload"]["p95_s"] / result["quiet"]["p95_s"], 2)
    assistant.index.close()
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", type=int, default=8)
    parser.add_argument("--paper-kb", type=int, default=60)
    parser.add_argument("--quiet-s", type=float, default=30.0)
    parser.add_argument("--cache-dir", default=str(ROOT / "index" / "cache"), help="the vector cache to use")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copytree(Settings().corpus_dir, root / "corpus")
        settings = Settings.from_env(
            corpus_dir=root / "corpus", index_dir=root / "index", cache_dir=Path(args.cache_dir)
        )
        result = measure(settings, args.readers, args.paper_kb, args.quiet_s)
    for key, value in result.items():
        print(f"{key}: {value}")
    target = result.get("p95_ratio")
    print("target p95 during <= 2x quiet:", "met" if target is not None and target <= 2 else "NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
