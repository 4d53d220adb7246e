"""The passage table a question reads: the whole index once read, kept in line with the store.

The whole table takes seconds to read at 50,000 chunks, too long for a process's first
answer to wait (`rag ask` answers one question and exits). So it is read in the background
from a process's second call on (a one-question process seldom makes it; its exit waits for
a read in flight), and until it is read each call gets a small table of just what it needs
from the row file (rag.index.row_file). An index
of more than ``max_chunks`` chunks is never held whole: at 50,000 chunks the table added
0.86 GB to a serving process's peak memory (`rag bench`), for 10 ms a question.
"""

from __future__ import annotations

import atexit
import logging
import threading
from collections.abc import Collection, Iterable, Sequence

from .chunk_rows import ChunkReader
from .keyword_store import KeywordStore
from .passage_table import PassageTable

log = logging.getLogger(__name__)


class TableKeeper:
    def __init__(self, reader: ChunkReader, keyword: KeywordStore, max_chunks: int) -> None:
        self.reader = reader
        self.keyword = keyword
        self.max_chunks = max_chunks
        # The whole table and the keyword index it is in line with (that index follows the store).
        self._whole: tuple[object, PassageTable] | None = None
        self._lock = threading.Lock()
        self._reader: threading.Thread | None = None
        self._read_is_stale = False
        self._too_large: bool | None = None
        self._asked = 0
        self._ready = threading.Event()

    def table(
        self, ids: Iterable[str] = (), files: Collection[str] = (), start: PassageTable | None = None
    ) -> PassageTable:
        """A table holding at least the chunks ``ids`` and every chunk of ``files``: ``start``
        (what the question has read already) with what it lacks."""
        whole = self._current()
        if whole is not None:
            return whole
        self._asked += 1
        if self._asked > 1:  # a process that reads once (`rag ask`) has no use for the whole
            self._start_reading()
        rest = self.keyword.current().ids_in(files) if files else ()
        read = PassageTable.of(self.reader) if start is None else start
        return read.extended(self.reader, ids, rest)

    def held(self) -> PassageTable | None:
        """The whole table if it has been read, without waiting or starting a read."""
        return self._current()

    def ids_in(self, files: Collection[str]) -> set[str]:
        whole = self._current()
        return whole.ids_in(files) if whole is not None else set(self.keyword.current().ids_in(files))

    def whole(self, timeout_s: float | None = None) -> PassageTable | None:
        """The whole table, waiting up to ``timeout_s`` for it to be read (None: not read yet,
        or the index is too large to be held)."""
        if self._current() is None and self._start_reading():
            self._ready.wait(timeout_s)
        return self._current()

    def after_sync(self, written: Sequence[str]) -> None:
        """A sync of this process tells the table which chunks it wrote again under their old
        ids (new offsets, new citation details), which an id comparison cannot see."""
        with self._lock:
            if self._whole is None:
                self._read_is_stale = self._reader is not None
                return
            keyword = self.keyword.current()
            self._whole = (keyword, self._whole[1].caught_up(self.reader, keyword.ids, written))

    def _current(self) -> PassageTable | None:
        """The whole table, caught up when another process changed the store (seen when the
        keyword index caught up with it)."""
        if self._whole is None:
            return None
        keyword = self.keyword.current()
        if self._whole[0] is not keyword:
            with self._lock:
                if self._whole[0] is not keyword:
                    self._whole = (keyword, self._whole[1].caught_up(self.reader, keyword.ids))
        return self._whole[1]

    def _start_reading(self) -> bool:
        """Starts the background read unless one runs; False when the index is too large (as
        it was at the first question: a process holds the table or it does not)."""
        with self._lock:
            if self._too_large is None:
                self._too_large = len(self.keyword.current().ids) > self.max_chunks
            if self._too_large:
                return False
            if self._reader is None:
                self._ready.clear()
                self._reader = threading.Thread(target=self._read, name="rag-table", daemon=True)
                self._reader.start()
                # Chroma's native code crashes when the interpreter exits under a read in flight.
                atexit.register(self._reader.join, 60)
            return True

    def _read(self) -> None:
        try:
            while True:
                keyword = self.keyword.current()
                table = PassageTable.of(self.reader, keyword.ids)
                with self._lock:
                    if not self._read_is_stale:
                        self._whole = (keyword, table)
                        self._ready.set()
                        return
                    self._read_is_stale = False  # a sync wrote during the read: read again
        except Exception as exc:  # chromadb raises many types; questions go on reading per call
            log.warning("the passages could not be read into memory: %s", exc)
            with self._lock:
                self._reader = None
                self._ready.set()
