"""A kill -9 in the middle of an upload's write: no reader is ever served the half paper."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

from rag import Assistant, Settings
from tests.paths import ROOT, WEB_FIXTURES

PAPER = WEB_FIXTURES / "pamir_glacier_lakes.md"
QUESTION = "帕米尔高原冰湖数量增加了多少？"

# An upload in a process of its own, one row per Chroma call, that says when the first of the
# paper's chunks is in and then waits to be killed.
UPLOAD = """
import sys, time
from pathlib import Path
from rag import Assistant, Settings
from rag.index import store

store._BATCH = 1
real_add = store.ChromaStore.add

def add(self, sentence_rows, chunk_rows, vectors):
    upsert = self.chunks.upsert
    def first_then_wait(**kwargs):
        upsert(**kwargs)
        print("first chunk written", flush=True)
        time.sleep(600)
    self.chunks.upsert = first_then_wait
    real_add(self, sentence_rows, chunk_rows, vectors)

store.ChromaStore.add = add
corpus, index, cache, paper = (Path(a) for a in sys.argv[1:])
Assistant.load(Settings(corpus_dir=corpus, index_dir=index, cache_dir=cache)).library.add_files([paper])
"""


def upload_killed_mid_write(settings: Settings) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    args = [str(settings.corpus_dir), str(settings.index_dir), str(settings.cache_dir), str(PAPER)]
    child = subprocess.Popen(
        [sys.executable, "-c", UPLOAD, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    said: list[str] = []
    reader = threading.Thread(target=lambda: said.append(child.stdout.readline() if child.stdout else ""))
    reader.start()
    reader.join(timeout=120)
    try:
        assert said == ["first chunk written\n"], (
            child.stderr.read() if child.poll() is not None and child.stderr else said
        )
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    assert child.returncode == -signal.SIGKILL


def test_a_paper_whose_upload_was_killed_is_never_served_half_and_comes_back_whole(
    plain_copy: Settings,
) -> None:
    upload_killed_mid_write(plain_copy)
    assert (plain_copy.corpus_dir / PAPER.name).is_file()  # copied before it was indexed

    assistant = Assistant.load(plain_copy)
    assert assistant.index.health.dropped == (PAPER.name,)
    assert PAPER.name not in {s for paper in assistant.papers() for s in paper.sources}
    assert PAPER.name not in {p.source for p in assistant.retrieve(QUESTION, k=10)}
    assert PAPER.name not in {p.source for p in assistant.ask(QUESTION).citations}

    report = assistant.library.reindex()
    assert report.added == [PAPER.name]
    assert report.texts_embedded == 0  # the killed upload had embedded it into the vector cache
    answer = assistant.ask(QUESTION)
    assert answer.found and "37.5%" in answer.text
    assert {p.source for p in answer.citations} == {PAPER.name}
    assert any(PAPER.name in paper.sources for paper in assistant.papers())
    assert assistant.index.health.ok
    assistant.index.close()
