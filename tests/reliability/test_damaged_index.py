"""Damage to the index and its caches: each kind heals on open, or stops with a message naming
the fix, which `rag index` then carries out. Never a traceback, never a silent "not found"."""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from apps.cli import main
from rag import Assistant, Settings
from rag.index import IndexDamaged, chroma_dir
from rag.index.store import ChromaStore

GLACIERS = "天山冰川过去50年减少了多少？"
MARKETS = "中国—中亚新能源合作在国别上应优先深耕哪些市场？"


def segments(settings: Settings) -> list[Path]:
    return sorted(p for p in chroma_dir(settings).iterdir() if p.is_dir())


def emptied(settings: Settings) -> None:
    (chroma_dir(settings) / "chroma.sqlite3").write_bytes(b"")


def segments_deleted(settings: Settings) -> None:
    for folder in segments(settings):
        shutil.rmtree(folder)


def vectors_garbled(settings: Settings) -> None:
    for path in chroma_dir(settings).glob("*/data_level0.bin"):
        path.write_bytes(os.urandom(path.stat().st_size))


def headers_garbled(settings: Settings) -> None:
    for path in chroma_dir(settings).glob("*/header.bin"):
        path.write_bytes(os.urandom(path.stat().st_size))


def rag(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def answers(settings: Settings, question: str = GLACIERS) -> tuple[bool, str, set[str]]:
    assistant = Assistant.load(settings)
    try:
        answer = assistant.ask(question)
        return answer.found, answer.text, {p.source for p in answer.citations}
    finally:
        assistant.index.close()


@pytest.mark.parametrize("damage", [emptied, segments_deleted, vectors_garbled, headers_garbled])
def test_a_damaged_store_is_reported_with_its_fix_and_rag_index_repairs_it(
    flushed_copy: Settings,
    cli_env: Callable[[Settings], None],
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    damage: Callable[[Settings], None],
) -> None:
    cli_env(flushed_copy)
    damage(flushed_copy)

    code, printed = rag("index", "--check", capsys=capsys)
    assert code == 1 and "damaged" in printed and "problem: " in printed, printed
    with pytest.raises(IndexDamaged, match=r"Repair it with `rag index`"):
        Assistant.load(flushed_copy)
    code, printed = rag("ask", GLACIERS, capsys=capsys)
    assert code == 2 and "Repair it with `rag index`" in printed and "Traceback" not in printed

    with caplog.at_level(logging.WARNING):
        code, printed = rag("index", capsys=capsys)
    assert code == 0, printed
    assert "built again" in caplog.text and "0 texts embedded" in caplog.text  # from the vector cache
    code, printed = rag("index", "--check", capsys=capsys)
    assert code == 0 and ": ok" in printed, printed
    found, text, _ = answers(flushed_copy)
    assert found and "11.7%" in text


def test_a_healthy_index_checks_ok(
    plain_copy: Settings, cli_env: Callable[[Settings], None], capsys: Any
) -> None:
    cli_env(plain_copy)
    code, printed = rag("index", "--check", capsys=capsys)
    assert code == 0, printed
    assert printed.startswith(f"index {plain_copy.index_dir}: ") and "3 files: ok" in printed
    assert "keyword ids" in printed and "problem" not in printed


def store_of(settings: Settings) -> ChromaStore:
    return ChromaStore(settings, chroma_dir(settings), {}, create=False)


def head_lost(settings: Settings) -> None:
    """What a kill during the chunk writes leaves: the file's first chunk, written last, is missing."""
    store = store_of(settings)
    store.chunks.delete(where={"$and": [{"source": "new_energy.md"}, {"position": 0}]})
    store.close()


def sentences_lost(settings: Settings) -> None:
    store = store_of(settings)
    ids = store.sentences.get(where={"source": "new_energy.md"}, include=[])["ids"]
    store.sentences.delete(ids=ids[:3])
    store.close()


@pytest.mark.parametrize("damage", [head_lost, sentences_lost])
def test_a_half_indexed_file_is_taken_out_on_open_and_added_again_by_rag_index(
    plain_copy: Settings,
    cli_env: Callable[[Settings], None],
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    damage: Callable[[Settings], None],
) -> None:
    cli_env(plain_copy)
    damage(plain_copy)
    code, printed = rag("index", "--check", capsys=capsys)
    assert code == 1 and "1 half-indexed file(s): new_energy.md" in printed, printed

    with caplog.at_level(logging.WARNING):
        assistant = Assistant.load(plain_copy)
    assert assistant.index.health.dropped == ("new_energy.md",)
    assert "half-indexed file(s) taken out of the index: new_energy.md" in caplog.text
    assert [p.sources for p in assistant.papers()] == [
        ("climate_cooperation.txt", "climate_cooperation_catalogue.txt")
    ]
    assert "new_energy.md" not in {p.source for p in assistant.retrieve(MARKETS, k=10)}
    assistant.index.close()

    code, printed = rag("index", capsys=capsys)
    assert code == 0 and "1 added" in printed and "0 texts embedded" in printed, printed
    found, text, sources = answers(plain_copy, MARKETS)
    assert found and "哈、乌市场" in text and sources == {"new_energy.md"}


def test_an_unreadable_cache_is_set_aside_and_started_afresh(
    plain_copy: Settings,
    embedding_cache: Path,
    tmp_path: Path,
    cli_env: Callable[[Settings], None],
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    cache = tmp_path / "cache"
    shutil.copytree(embedding_cache.parent, cache)
    settings = Settings(corpus_dir=plain_copy.corpus_dir, index_dir=plain_copy.index_dir, cache_dir=cache)
    settings.parse_cache.write_bytes(os.urandom(8192))
    with settings.embedding_cache.open("r+b") as file:
        file.write(os.urandom(4096))  # the header and first page: SQLite refuses the file
    with caplog.at_level(logging.WARNING):
        found, text, _ = answers(settings)
    assert found and "11.7%" in text
    assert caplog.text.count("could not be read") == 2
    assert (
        len(list(cache.glob("embeddings.sqlite.broken-*")))
        == len(list(cache.glob("parsed.sqlite.broken-*")))
        == 1
    )
    for fresh in (settings.embedding_cache, settings.parse_cache):
        sqlite3.connect(fresh).execute("SELECT count(*) FROM sqlite_master").fetchall()

    (cache / "parsed.sqlite").write_bytes(b"\x00garbage" * 512)
    cli_env(settings)
    code, printed = rag("index", capsys=capsys)
    assert code == 0 and "3 unchanged" in printed and "Traceback" not in printed


def dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_temporary_files_of_killed_writes_are_removed_on_open(plain_copy: Settings) -> None:
    folder = plain_copy.index_dir / "keyword" / plain_copy.collection
    pid = dead_pid()
    killed = [
        folder / f"keyword.{pid}-7.tmp.npz",
        folder / f"keyword.{pid}-7.tmp.json",
        folder / f"keyword.{pid}.tmp.npz",
    ]
    writing = folder / f"keyword.{os.getpid()}-1.tmp.npz"  # a save in progress in a live process
    for path in [*killed, writing]:
        path.write_bytes(b"half a save")
    assistant = Assistant.load(plain_copy)
    assert sorted(assistant.index.health.cleaned) == sorted(p.name for p in killed)
    assert not any(p.exists() for p in killed) and writing.exists()
    assert {p.name for p in folder.iterdir()} == {"keyword.npz", "keyword.json", writing.name}
    assistant.index.close()
