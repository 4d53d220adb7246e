"""Web chat latency as a reader feels it, measured through gradio_client.

    python -m eval.bench.web_latency                # starts app.py on a copy of corpus/ itself
    python -m eval.bench.web_latency --url http://127.0.0.1:7860/   # or measures a running app

Prints, over 10 questions asked one after another: the median time until the question
shows (the first streamed update), until the first streamed text of the answer, and until
the full answer; then 8 clients asking at once
(a question and a follow-up each): wall time, per-client latency, and whether every
client got its own correct answers and history.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

ROOT = Path(__file__).resolve().parents[2]
CLIMATE = "001_3d3e6178e64faf55.txt"
NEW_ENERGY = "003_5e6fb4631cf995d5.txt"
PLACEHOLDER = "…"
FOLLOW_UP = "它的具体内容是什么？"
SEQUENTIAL = [
    "天山冰川过去50年减少了多少？",
    "How much have the Tianshan glaciers shrunk over the past 50 years?",
    "中国—中亚新能源合作的实施路径有哪些？",
    "What are the four key dimensions of cooperation?",
    "中亚地区面临哪些气候挑战？",
    "全球沸腾的时代是谁宣布的？",
    "Who announced the era of global boiling?",
    "未来5~10年应加大对哪些国家的合作投入？",
    "区域协商机制层面应建立什么样的协同治理机制？",
    "中亚国家出台了哪些能源转型政策？",
]
# (question, words its answer must quote, file its first citation must come from)
CONCURRENT = [
    ("天山冰川过去50年减少了多少？", "11.7%", CLIMATE),
    (
        "How much have the Tianshan glaciers shrunk over the past 50 years?",
        "11.7%",
        CLIMATE,
    ),
    ("中国—中亚新能源合作在国别上应优先深耕哪些市场？", "哈、乌市场", NEW_ENERGY),
    ("未来5~10年应加大对哪些国家的合作投入？", "塔、吉两国", NEW_ENERGY),
    ("中亚地区面临哪些气候挑战？", "水资源短缺", CLIMATE),
    ("全球沸腾的时代是谁宣布的？", "古特雷斯", CLIMATE),
    ("区域协商机制层面应建立什么样的协同治理机制？", "季度磋商+年度评估", CLIMATE),
    ("中亚国家出台了哪些能源转型政策？", "哈萨克斯坦—2050", CLIMATE),
]


def last_text(chat: list[dict[str, Any]]) -> str:
    """The text of the newest chat message, as gradio_client returns it."""
    if not chat:
        return ""
    content = chat[-1]["content"]
    parts = content if isinstance(content, list) else [content]
    return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in parts)


def user_questions(chat: list[dict[str, Any]]) -> list[str]:
    return [last_text([m]) for m in chat if m["role"] == "user"]


def first_source(sources: str) -> str:
    found = re.search(r"id='rag-source-1'>.*?· ([^·<]+\.(?:txt|md))</p>", sources)
    return found.group(1).strip() if found else ""


@dataclass
class Timing:
    question: str
    first_update_s: float
    first_text_s: float
    full_s: float
    answer: str


def timed_ask(client: Any, question: str) -> Timing:
    """Submit and watch the stream: when did the answer's first text, and its end, arrive?"""
    started = time.perf_counter()
    first_update = first_text = None
    job = client.submit(question, api_name="/ask")
    for output in job:
        now = time.perf_counter() - started
        first_update = now if first_update is None else first_update
        text = last_text(output[1])
        if first_text is None and text and text != PLACEHOLDER:
            first_text = now
    result = job.result()
    full = time.perf_counter() - started
    return Timing(question, first_update or full, first_text or full, full, last_text(result[1]))


def sequential(url: str, questions: Sequence[str]) -> list[Timing]:
    from gradio_client import Client

    client = Client(url, verbose=False)
    timed_ask(client, "warm-up: 天山冰川")
    timings = []
    for question in questions:
        client.predict(api_name="/clear")
        timings.append(timed_ask(client, question))
    return timings


@dataclass
class Reader:
    question: str
    seconds: float
    correct: bool
    problem: str


def one_reader(url: str, question: str, quoted: str, source: str, start: threading.Barrier) -> Reader:
    from gradio_client import Client

    client = Client(url, verbose=False)
    start.wait()
    started = time.perf_counter()
    _, chat, sources = client.predict(question, api_name="/ask")
    _, chat2, sources2 = client.predict(FOLLOW_UP, api_name="/ask")
    seconds = time.perf_counter() - started
    problems = []
    if quoted not in last_text(chat) or "[1]" not in last_text(chat):
        problems.append(f"answer lacks {quoted!r}")
    if first_source(sources) != source or first_source(sources2) != source:
        problems.append(f"cited {first_source(sources)!r}/{first_source(sources2)!r}, not {source!r}")
    if user_questions(chat2) != [question, FOLLOW_UP]:
        problems.append(f"history is {user_questions(chat2)}")
    return Reader(question, seconds, not problems, "; ".join(problems))


def concurrent(url: str) -> tuple[float, list[Reader]]:
    start = threading.Barrier(len(CONCURRENT))
    began = time.perf_counter()
    with ThreadPoolExecutor(len(CONCURRENT)) as pool:
        readers = list(pool.map(lambda q: one_reader(url, q[0], q[1], q[2], start), CONCURRENT))
    return time.perf_counter() - began, readers


def start_app(workdir: Path, cache_dir: Path) -> tuple[subprocess.Popen[str], str]:
    """``app.py`` over a copy of the corpus, on a free port, as a reader would start it."""
    from rag import Settings

    settings = Settings.from_env()
    shutil.copytree(settings.corpus_dir, workdir / "corpus")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    env = os.environ | {
        "RAG_CORPUS_DIR": str(workdir / "corpus"),
        "RAG_INDEX_DIR": str(workdir / "index"),
        "RAG_CACHE_DIR": str(cache_dir),
        "RAG_PORT": str(port),
    }
    app = subprocess.Popen([sys.executable, str(ROOT / "app.py")], env=env, text=True, stderr=subprocess.PIPE)
    assert app.stderr is not None
    for line in app.stderr:
        if "serving the web chat" in line:
            threading.Thread(target=app.stderr.read, daemon=True).start()  # a full pipe would stall it
            return app, f"http://127.0.0.1:{port}/"
    raise RuntimeError(f"app.py ended before serving (exit {app.wait()})")


def report(timings: list[Timing], wall: float, readers: list[Reader]) -> None:
    print(f"{'shown':>7} {'1st text':>9} {'full':>7}  question")
    for t in timings:
        print(f"{t.first_update_s:6.3f}s {t.first_text_s:8.3f}s {t.full_s:6.3f}s  {t.question}")
    print(
        f"\nmedian over {len(timings)} questions: question shown (placeholder) "
        f"{statistics.median(t.first_update_s for t in timings):.3f} s, first streamed answer text "
        f"{statistics.median(t.first_text_s for t in timings):.3f} s, "
        f"full answer {statistics.median(t.full_s for t in timings):.3f} s"
    )
    seconds = sorted(r.seconds for r in readers)
    correct = sum(r.correct for r in readers)
    print(
        f"\n{len(readers)} concurrent readers (question + follow-up each): wall {wall:.2f} s, "
        f"per reader median {statistics.median(seconds):.2f} s, max {seconds[-1]:.2f} s; "
        f"{correct}/{len(readers)} got their own correct answers and history"
    )
    for r in readers:
        if not r.correct:
            print(f"  WRONG {r.question}: {r.problem}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--url", help="measure a running app instead of starting one")
    parser.add_argument(
        "--cache-dir",
        default=str(ROOT / "index" / "cache"),
        help="vector cache for the app's index (only without --url); the project's own by default",
    )
    args = parser.parse_args(argv)
    app = None
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url
        if url is None:
            app, url = start_app(Path(tmp), Path(args.cache_dir))
        try:
            timings = sequential(url, SEQUENTIAL)
            wall, readers = concurrent(url)
        finally:
            if app is not None:
                app.terminate()
                app.wait()
    report(timings, wall, readers)
    return 0 if all(r.correct for r in readers) else 1


if __name__ == "__main__":
    sys.exit(main())
