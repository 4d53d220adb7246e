"""Eight readers at once through Gradio's queue, each with its own gradio_client session.

Each client asks its own question and then a follow-up that only makes sense in its
own conversation; crossed histories would show up as someone else's question in a
chat, or as a follow-up answered from another reader's paper.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
from gradio_client import Client

from apps.web import build_app, serve
from rag import Assistant

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*no_silent_downcasting:Warning", "ignore:The copy keyword:Warning"
)
FOLLOW_UP = "它的具体内容是什么？"
TIMING = re.compile(r"retrieval \d+\.\d\d s · answer \d+\.\d\d s")
# (question, words its answer must quote, file its first citation must come from)
QUESTIONS = [
    ("天山冰川过去50年减少了多少？", "11.7%", "climate_cooperation.txt"),
    (
        "How much have the Tianshan glaciers shrunk over the past 50 years?",
        "11.7%",
        "climate_cooperation.txt",
    ),
    ("中国—中亚新能源合作在国别上应优先深耕哪些市场？", "哈、乌市场", "new_energy.md"),
    ("未来5~10年应加大对哪些国家的合作投入？", "塔、吉两国", "new_energy.md"),
    ("中亚地区面临哪些气候挑战？", "水资源短缺", "climate_cooperation.txt"),
    ("全球沸腾的时代是谁宣布的？", "古特雷斯", "climate_cooperation.txt"),
    ("区域协商机制层面应建立什么样的协同治理机制？", "季度磋商+年度评估", "climate_cooperation.txt"),
    ("中亚国家出台了哪些能源转型政策？", "哈萨克斯坦—2050", "climate_cooperation.txt"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def concurrent_server(assistant: Assistant) -> Iterator[str]:
    """The app over the session's read-only fixture assistant: these tests only ask."""
    app = build_app(assistant)
    url = serve(app, "127.0.0.1", free_port(), block=False)
    yield url
    app.close()


def texts(chat: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(role, text) of each chat message as gradio_client returns them."""
    out = []
    for message in chat:
        content = message["content"]
        parts = content if isinstance(content, list) else [content]
        out.append(
            (message["role"], "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in parts))
        )
    return out


def first_source(sources: str) -> str:
    found = re.search(r"id='rag-source-1'>.*?· ([^·<]+\.(?:txt|md))</p>", sources)
    return found.group(1).strip() if found else ""


@dataclass
class Session:
    question: str
    first: tuple[Any, ...]
    follow_up: tuple[Any, ...]
    seconds: float


def converse(url: str, question: str, start: threading.Barrier) -> Session:
    client = Client(url, verbose=False)
    start.wait()
    started = time.perf_counter()
    first = client.predict(question, api_name="/ask")
    follow_up = client.predict(FOLLOW_UP, api_name="/ask")
    return Session(question, first, follow_up, time.perf_counter() - started)


def test_eight_concurrent_sessions_keep_their_own_histories_and_answers(concurrent_server: str) -> None:
    start = threading.Barrier(len(QUESTIONS))
    with ThreadPoolExecutor(len(QUESTIONS)) as pool:
        sessions = list(pool.map(lambda q: converse(concurrent_server, q[0], start), QUESTIONS))
    for session, (question, quoted, source) in zip(sessions, QUESTIONS, strict=True):
        _, chat, sources = session.first
        assert [role for role, _ in texts(chat)] == ["user", "assistant", "assistant"]
        assert texts(chat)[0][1] == question
        assert quoted in texts(chat)[1][1] and "[1]" in texts(chat)[1][1]
        assert first_source(sources) == source
        _, chat, sources = session.follow_up
        messages = texts(chat)
        assert [text for role, text in messages if role == "user"] == [question, FOLLOW_UP], (
            "own history only"
        )
        assert messages[1][1] == texts(session.first[1])[1][1]
        assert "retrieval" not in messages[4][1] and TIMING.fullmatch(messages[5][1])
        assert chat[5]["metadata"]["title"] == "Timing 用时", (
            "API clients can tell the detail from the answer"
        )
        assert first_source(sources) == source, f"the follow-up to {question!r} stays on its paper"


def test_answer_streams_through_the_queue(concurrent_server: str) -> None:
    client = Client(concurrent_server, verbose=False)
    job = client.submit("天山冰川过去50年减少了多少？", api_name="/ask")
    job.result(timeout=120)
    steps = [texts(output[1])[-1][1] for output in job.outputs()]
    assert steps[0] == "…", "the question shows at once, before retrieval"
    assert any("11.7%" in s for s in steps[1:-1]), "text streams before the final answer"
    assert TIMING.fullmatch(steps[-1]) and "11.7%" in texts(job.outputs()[-1][1])[-2][1]


def test_papers_endpoint_lists_the_index(concurrent_server: str) -> None:
    table = Client(concurrent_server, verbose=False).predict(api_name="/papers")
    assert any("new_energy.md" in row[-1] for row in table["data"])
