"""Eight readers through the real web app while a paper is being uploaded: they are answered
during the upload's embedding (which once held the lock they wait on), and none of them sees
the paper before all of it is in."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pytest
from gradio_client import Client, handle_file

from apps.web import build_app, serve
from rag import Assistant, Settings
from tests.apps.test_web_concurrency import QUESTIONS, free_port, texts
from tests.paths import WEB_FIXTURES

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*no_silent_downcasting:Warning", "ignore:The copy keyword:Warning"
)
PAPER = WEB_FIXTURES / "pamir_glacier_lakes.md"


@dataclass
class HeldEmbedding:
    """The upload's embedding waits for ``release``, so the test decides how long it lasts."""

    started: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


@dataclass
class Served:
    url: str
    assistant: Assistant
    held: HeldEmbedding


@pytest.fixture
def served(plain_copy: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Served]:
    assistant = Assistant.load(plain_copy)
    held = HeldEmbedding()
    embedder = assistant.index.syncer.embedder
    embed = embedder.embed_passages

    def held_back(texts: Sequence[str], progress: object = None) -> np.ndarray:
        held.started.set()
        assert held.release.wait(120), "the test never released the upload"
        return embed(texts, progress)  # type: ignore[arg-type]

    monkeypatch.setattr(embedder, "embed_passages", held_back)
    app = build_app(assistant)
    url = serve(app, "127.0.0.1", free_port(), block=False)
    yield Served(url, assistant, held)
    held.release.set()
    app.close()
    assistant.index.close()


def ask(url: str, question: str, start: threading.Barrier) -> str:
    client = Client(url, verbose=False)
    start.wait()
    _, chat, _ = client.predict(question, api_name="/ask")
    return texts([m for m in chat if not m.get("metadata")])[-1][1]  # the answer, not its timing


def listed(url: str) -> set[str]:
    table = Client(url, verbose=False).predict(api_name="/papers")
    return {row[-1] for row in table["data"]}


def test_readers_are_answered_while_an_upload_embeds_and_see_the_paper_only_when_whole(
    served: Served,
) -> None:
    uploading = Client(served.url, verbose=False).submit([handle_file(str(PAPER))], api_name="/upload")
    assert served.held.started.wait(60), "the upload reached its embedding"

    start = threading.Barrier(len(QUESTIONS))
    with ThreadPoolExecutor(len(QUESTIONS)) as pool:
        replies = list(pool.map(lambda q: ask(served.url, q[0], start), QUESTIONS))
    assert not uploading.done(), "every reader was answered while the upload was still embedding"
    for reply, (question, quoted, _) in zip(replies, QUESTIONS, strict=True):
        assert quoted in reply and "[1]" in reply, question
    assert not any(PAPER.name in sources for sources in listed(served.url))
    assert PAPER.name not in {
        p.source for p in served.assistant.retrieve("帕米尔高原冰湖数量增加了多少？", k=10)
    }

    served.held.release.set()
    status, table, _ = uploading.result(timeout=120)
    assert f"✓ added {PAPER.name}" in status
    assert any(PAPER.name in row[-1] for row in table["data"])
    reply = ask(served.url, "帕米尔高原冰湖数量增加了多少？", threading.Barrier(1))
    assert "37.5%" in reply
