"""Chroma as a server: RAG_CHROMA_URL puts the index in a real `chroma run` process.

Everything the embedded index does must work the same over HTTP: a first build,
incremental re-sync, retrieve/ask, and several processes sharing one server, where
each keeps its own keyword index and catches up with the others' writes.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlparse

import chromadb
import pytest
from chromadb.config import Settings as ChromaSettings

from rag import Assistant, Settings
from rag.index import chroma_dir
from rag.index.keyword import fingerprint

QUESTION = "天山冰川过去50年减少了多少？"
# A made-up word, so a keyword hit can only come from the file one process adds.
NEW_TERM = "Kestrelvale"
NEW_PAPER = (
    "# 高寒山区冰川旅游的碳足迹核算\n\n"
    f"本研究以 {NEW_TERM} 核算框架评估冰川旅游的碳足迹。"
    f"结果显示，{NEW_TERM} 框架下每位游客的碳足迹为每次旅行0.42吨二氧化碳当量。"
    "研究建议以低碳交通和游客分流降低高寒山区的环境压力。\n"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, server: subprocess.Popen[bytes], log: Path, timeout_s: float = 90.0) -> None:
    """Chroma answers its heartbeat once it serves; a server that exits shows its log."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"`chroma run` exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"`chroma run` did not answer {url}/api/v2/heartbeat within {timeout_s:.0f} s")


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One real Chroma server on a free port for the session; tests keep apart by collection name."""
    chroma = Path(sys.executable).with_name("chroma")
    command = str(chroma) if chroma.exists() else shutil.which("chroma")
    assert command, "the chromadb package installs a `chroma` command; it is missing"
    folder = tmp_path_factory.mktemp("chroma-server")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = folder / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [command, "run", "--path", str(folder / "data"), "--host", "127.0.0.1", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_up(url, server, log)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def server_client(url: str) -> chromadb.api.ClientAPI:
    parsed = urlparse(url)
    return chromadb.HttpClient(
        host=parsed.hostname or "127.0.0.1",
        port=parsed.port or 8000,
        settings=ChromaSettings(anonymized_telemetry=False),
    )


def on_server(settings: Settings, url: str, index_dir: Path) -> Settings:
    """The same corpus, this process's own index folder (its keyword index), the shared server."""
    return replace(settings, index_dir=index_dir, chroma_url=url, collection=f"t-{uuid.uuid4().hex[:12]}")


@pytest.fixture
def server_settings(settings: Settings, chroma_server: str, tmp_path: Path) -> Settings:
    return on_server(settings, chroma_server, tmp_path / "index")


@pytest.fixture(scope="module")
def server_assistant(
    tmp_path_factory: pytest.TempPathFactory, chroma_server: str, shared_settings: Settings
) -> Assistant:
    """Built once over the fixture corpus in the server; tests must not modify it."""
    return Assistant.load(on_server(shared_settings, chroma_server, tmp_path_factory.mktemp("server-index")))


def test_load_builds_the_index_in_the_server(server_settings: Settings, chroma_server: str) -> None:
    assistant = Assistant.load(server_settings)

    client = server_client(chroma_server)
    chunks = client.get_collection(server_settings.collection)
    assert chunks.count() == assistant.index.count() > 0
    assert client.get_collection(f"{server_settings.collection}-sentences").count() > chunks.count()
    assert not chroma_dir(server_settings).exists(), "nothing of Chroma may be written locally"
    assert {p.sources for p in assistant.papers()} >= {("new_energy.md",)}
    # Only the keyword index is per process, next to where an embedded index would be.
    assert (server_settings.index_dir / "keyword" / server_settings.collection / "keyword.json").is_file()


def test_resync_over_http_is_incremental(server_settings: Settings, chroma_server: str) -> None:
    assistant = Assistant.load(server_settings)
    sources = sorted(p.name for p in server_settings.corpus_dir.iterdir())

    again = assistant.library.reindex()
    assert again.unchanged == sources and again.texts_embedded == 0
    assert not (again.added or again.updated or again.removed)

    changed = server_settings.corpus_dir / "new_energy.md"
    changed.write_text(
        changed.read_text(encoding="utf-8") + "\n\n补充说明：本段为增量索引测试新增的一句话。\n", "utf-8"
    )
    report = assistant.library.reindex()
    assert report.updated == ["new_energy.md"]
    assert sorted(report.unchanged) == [s for s in sources if s != "new_energy.md"]
    assert 0 < report.texts_embedded <= 4, "only the new paragraph's texts are embedded"

    (server_settings.corpus_dir / "climate_cooperation_catalogue.txt").unlink()
    report = assistant.library.reindex()
    assert report.removed == ["climate_cooperation_catalogue.txt"]
    left = server_client(chroma_server).get_collection(server_settings.collection)
    assert not left.get(where={"source": "climate_cooperation_catalogue.txt"}, include=[])["ids"]
    assert left.count() == assistant.index.count() == len(assistant.index.keyword_index(max_age_s=0).ids)


def test_retrieve_and_ask_over_http(server_assistant: Assistant) -> None:
    top = server_assistant.retrieve(QUESTION, k=3)[0]
    assert "11.7%" in top.text and top.source == "climate_cooperation.txt"
    answer = server_assistant.ask(QUESTION)
    assert answer.found and "11.7%" in answer.text and "[1]" in answer.text


def test_server_and_embedded_indexes_retrieve_the_same(
    server_assistant: Assistant, assistant: Assistant
) -> None:
    for question in (
        QUESTION,
        "中国与中亚新能源合作的路径有哪些？",
        "Who wrote the paper on new energy cooperation?",
    ):
        served = [p.chunk_id for p in server_assistant.retrieve(question, k=5)]
        embedded = [p.chunk_id for p in assistant.retrieve(question, k=5)]
        assert served == embedded, question


def test_two_processes_share_one_server(
    server_settings: Settings, chroma_server: str, tmp_path: Path
) -> None:
    writer = Assistant.load(server_settings)
    # A second web-chat process: same server and collection, its own folder and keyword index.
    reader = Assistant.load(replace(server_settings, index_dir=tmp_path / "second-process"))
    assert reader.index.count() == writer.index.count()
    assert not reader.index.keyword_search(NEW_TERM, 5)

    upload = tmp_path / "upload" / "glacier_tourism.md"
    upload.parent.mkdir()
    upload.write_text(NEW_PAPER, encoding="utf-8")
    report = writer.library.add_files([upload])
    assert report.added == ["glacier_tourism.md"]
    assert writer.index.keyword_search(NEW_TERM, 5), "the writer's own keyword index is current at once"

    # The reader's dense side sees the new chunks at once; its keyword index catches up within max_age_s.
    deadline = time.monotonic() + 30
    hits: list[tuple[str, float]] = []
    while not hits and time.monotonic() < deadline:
        hits = reader.index.keyword_search(NEW_TERM, 5)
        time.sleep(0.5)
    assert hits, "the second process's keyword index never caught up"
    ids = [i for i, _ in hits]
    sources = {p.source for p in reader.index.tables.table(ids=ids).passages(ids)}
    assert sources == {"glacier_tourism.md"}
    assert reader.index.keyword_index().fingerprint == fingerprint(writer.index.chunk_ids())
    top = reader.retrieve(f"{NEW_TERM} 框架下每位游客的碳足迹是多少？", k=3)[0]
    assert top.source == "glacier_tourism.md" and "0.42吨" in top.text

    # Both caught up by updating their keyword index in place; a third process builds its own
    # from scratch, and all three score every query alike.
    third = Assistant.load(replace(server_settings, index_dir=tmp_path / "third-process"))
    for query in (NEW_TERM, "冰川旅游的碳足迹", "中国与中亚气候合作", "新能源 风电"):
        tokens = third.tokenizer.tokens(query)
        expected = third.index.keyword_index().search(tokens, 10)
        assert reader.index.keyword_index().search(tokens, 10) == expected, query
        assert writer.index.keyword_index().search(tokens, 10) == expected, query
