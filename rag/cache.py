"""A persistent key-value store for work that is expensive to redo: vectors, cleaned
documents, chunk boundaries.

Every value is keyed by a hash of everything it was computed from, so an entry is never
stale, only unused. ``code_version`` folds the computing modules' own source into the
key, so editing the cleaning or chunking rules retires their cached results by itself.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import ModuleType

_SQL_VARIABLES = 500


def code_version(*modules: ModuleType) -> str:
    digest = hashlib.sha1()
    for module in modules:
        digest.update(Path(str(module.__file__)).read_bytes())
    return digest.hexdigest()[:12]


class SqliteCache:
    """One table of ``key -> bytes`` in a SQLite file, safe to share between threads."""

    def __init__(self, path: Path, table: str) -> None:
        if not table.isidentifier():
            raise ValueError(f"bad table name {table!r}")
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._table = table
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = sqlite3.connect(str(path), check_same_thread=False)
        with self._lock, self._db:
            self._db.execute(f"CREATE TABLE IF NOT EXISTS {table} (key TEXT PRIMARY KEY, value BLOB)")

    def get_many(self, keys: Iterable[str]) -> dict[str, bytes]:
        wanted = list(dict.fromkeys(keys))
        found: dict[str, bytes] = {}
        with self._lock:
            db = self._open()
            for start in range(0, len(wanted), _SQL_VARIABLES):
                part = wanted[start : start + _SQL_VARIABLES]
                marks = ",".join("?" * len(part))
                # By position: vector caches written before this module named the column "vector".
                rows = db.execute(f"SELECT * FROM {self._table} WHERE key IN ({marks})", part)
                found.update((str(k), bytes(v)) for k, v in rows)
        return found

    def put_many(self, values: Mapping[str, bytes]) -> None:
        if not values:
            return
        with self._lock:
            db = self._open()
            with db:
                db.executemany(f"INSERT OR REPLACE INTO {self._table} VALUES (?, ?)", list(values.items()))

    def _open(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError(f"the cache {self.path} is closed")
        return self._db

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
