"""The persistent key-value cache behind vectors, parsed documents and chunk boundaries."""

from __future__ import annotations

import importlib.util
import sqlite3
import threading
from pathlib import Path
from types import ModuleType

import pytest

from rag.cache import SqliteCache, code_version


@pytest.fixture
def store(tmp_path: Path) -> SqliteCache:
    return SqliteCache(tmp_path / "cache" / "c.sqlite", "things")


def module_from(path: Path, source: str) -> ModuleType:
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_values_survive_reopening_and_unknown_keys_are_absent(store: SqliteCache) -> None:
    store.put_many({"a": b"1", "b": "天山".encode()})
    store.close()
    reopened = SqliteCache(store.path, "things")
    assert reopened.get_many(["b", "a", "missing", "a"]) == {"a": b"1", "b": "天山".encode()}


def test_more_keys_than_sqlite_takes_in_one_query(store: SqliteCache) -> None:
    values = {f"k{n}": str(n).encode() for n in range(2_345)}
    store.put_many(values)
    assert store.get_many(values) == values


def test_tables_in_one_file_are_separate(store: SqliteCache) -> None:
    other = SqliteCache(store.path, "others")
    store.put_many({"k": b"mine"})
    other.put_many({"k": b"theirs"})
    assert store.get_many(["k"]) == {"k": b"mine"}
    assert other.get_many(["k"]) == {"k": b"theirs"}


def test_threads_can_share_one_cache(store: SqliteCache) -> None:
    def write(n: int) -> None:
        for i in range(50):
            store.put_many({f"{n}:{i}": b"x"})

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(store.get_many(f"{n}:{i}" for n in range(4) for i in range(50))) == 200


def test_a_closed_cache_says_so(store: SqliteCache) -> None:
    store.close()
    with pytest.raises(RuntimeError, match="closed"):
        store.get_many(["a"])


def test_a_bad_table_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="bad table name"):
        SqliteCache(tmp_path / "c.sqlite", "x; DROP TABLE y")


def test_code_version_changes_with_the_modules_source(tmp_path: Path) -> None:
    before = code_version(module_from(tmp_path / "rules.py", "LIMIT = 1\n"))
    assert code_version(module_from(tmp_path / "rules.py", "LIMIT = 1\n")) == before
    assert code_version(module_from(tmp_path / "rules.py", "LIMIT = 2\n")) != before


def test_a_file_another_process_is_writing_is_waited_for_briefly_then_skipped_not_set_aside(
    tmp_path: Path,
) -> None:
    """A lock held longer than the wait is busy, not damage: the read misses and the write is
    dropped (both can be computed again), and what the file holds stays."""
    store = SqliteCache(tmp_path / "c.sqlite", "things", wait_s=0.1)
    store.put_many({"kept": b"1"})
    writer = sqlite3.connect(store.path, isolation_level=None)
    writer.execute("BEGIN EXCLUSIVE")
    try:
        assert store.get_many(["kept"]) == {}
        store.put_many({"dropped": b"2"})
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert not list(tmp_path.glob("c.sqlite.broken-*"))
    assert store.get_many(["kept", "dropped"]) == {"kept": b"1"}
    store.put_many({"later": b"3"})
    assert SqliteCache(store.path, "things").get_many(["later"]) == {"later": b"3"}
