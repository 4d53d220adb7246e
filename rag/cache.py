"""A persistent key-value store for work that is expensive to redo: vectors, cleaned
documents, chunk boundaries.

Every value is keyed by a hash of everything it was computed from, so an entry is never
stale, only unused. ``code_version`` folds the computing modules' own source into the
key, so editing the cleaning or chunking rules retires their cached results by itself.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import ModuleType

_SQL_VARIABLES = 500
log = logging.getLogger(__name__)


def code_version(*modules: ModuleType) -> str:
    digest = hashlib.sha1()
    for module in modules:
        digest.update(Path(str(module.__file__)).read_bytes())
    return digest.hexdigest()[:12]


class SqliteCache:
    """One table of ``key -> bytes`` in a SQLite file, safe to share between threads.

    A file that SQLite cannot read is set aside as ``<name>.broken-<time>`` and the cache
    starts afresh with a warning: what it held can be computed again, and a cache must never
    stop the product. A file another process holds locked for longer than ``wait_s`` is busy,
    not damaged: that read misses and that write is dropped, with a warning.
    """

    def __init__(self, path: Path, table: str, wait_s: float = 5.0) -> None:
        if not table.isidentifier():
            raise ValueError(f"bad table name {table!r}")
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._table = table
        self._wait_s = wait_s
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._inode = 0
        with self._lock:
            try:
                self._connect()
            except sqlite3.DatabaseError as exc:
                self._start_afresh(exc)

    def get_many(self, keys: Iterable[str]) -> dict[str, bytes]:
        wanted = list(dict.fromkeys(keys))
        with self._lock:
            try:
                return self._select(wanted)
            except sqlite3.DatabaseError as exc:
                if _busy(exc):
                    log.warning("the cache %s is busy (%s): %d keys missed", self.path, exc, len(wanted))
                else:
                    self._start_afresh(exc)
                return {}

    def put_many(self, values: Mapping[str, bytes]) -> None:
        if not values:
            return
        with self._lock:
            try:
                self._insert(values)
            except sqlite3.DatabaseError as exc:
                if _busy(exc):
                    log.warning("the cache %s is busy (%s): %d values not kept", self.path, exc, len(values))
                    return
                self._start_afresh(exc)
                self._insert(values)

    def _select(self, wanted: list[str]) -> dict[str, bytes]:
        db = self._open()
        found: dict[str, bytes] = {}
        for start in range(0, len(wanted), _SQL_VARIABLES):
            part = wanted[start : start + _SQL_VARIABLES]
            marks = ",".join("?" * len(part))
            # By position: vector caches written before this module named the column "vector".
            rows = db.execute(f"SELECT * FROM {self._table} WHERE key IN ({marks})", part)
            found.update((str(k), bytes(v)) for k, v in rows)
        return found

    def _insert(self, values: Mapping[str, bytes]) -> None:
        db = self._open()
        with db:
            db.executemany(f"INSERT OR REPLACE INTO {self._table} VALUES (?, ?)", list(values.items()))

    def _connect(self) -> None:
        db = sqlite3.connect(str(self.path), timeout=self._wait_s, check_same_thread=False)
        try:
            with db:
                db.execute(f"CREATE TABLE IF NOT EXISTS {self._table} (key TEXT PRIMARY KEY, value BLOB)")
            db.execute(f"SELECT key FROM {self._table} LIMIT 1").fetchall()
        except sqlite3.DatabaseError:
            db.close()
            raise
        self._db = db
        self._inode = self.path.stat().st_ino

    def _start_afresh(self, exc: sqlite3.DatabaseError) -> None:
        """Sets the unreadable file aside, unless another cache of this file (one file holds
        several tables) already did, and opens a new one."""
        if self._db is not None:
            self._db.close()
            self._db = None
        current = self.path.stat().st_ino if self.path.exists() else None
        if current is not None and (not self._inode or current == self._inode):
            stamp = time.strftime("%Y%m%d-%H%M%S")
            for suffix in ("", "-journal", "-wal", "-shm"):
                part = self.path.with_name(self.path.name + suffix)
                if part.exists():
                    part.replace(part.with_name(f"{self.path.name}.broken-{stamp}{suffix}"))
            log.warning(
                "the cache %s could not be read (%s): set aside as %s.broken-%s, starting afresh",
                self.path,
                exc,
                self.path.name,
                stamp,
            )
        self._connect()

    def _open(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError(f"the cache {self.path} is closed")
        return self._db

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


def _busy(exc: sqlite3.DatabaseError) -> bool:
    """Whether SQLite gave up waiting for another connection's lock (SQLITE_BUSY, SQLITE_LOCKED)."""
    return (getattr(exc, "sqlite_errorcode", 0) & 0xFF) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
