"""Every chunk's text, metadata and vectors in the index's own files, read a chunk at a time.

Read from Chroma, the few dozen chunks a question quotes cost two gets of about 5 ms each at
50,000 chunks, and holding them all in memory costs 0.7 GB there (rag.index.table_keeper).
Here a chunk is one read of its bytes, a few µs. Chroma remains the store of record and
does the vector search.

The file is written in segments, each once: a sync adds a segment with the chunks it
wrote (one changed file writes that file's chunks), a later segment's row wins over an
earlier one's, and when most rows are dead the live ones are copied into one segment. A
manifest, replaced whole, names the segments and the files a sync is rewriting
(``pending``). Those, and any chunk the file lacks, are read from Chroma instead: a crash
between Chroma's writes and the segment's leaves stale rows that are never read, and the
next sync writes them (``catch_up``). Any damage makes the whole file unread until then.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
import uuid
import weakref
from bisect import bisect_right
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import accumulate
from pathlib import Path

import numpy as np

from .chunk_rows import NO_VECTORS, ChromaRows, HeldChunk, StoredChunk, held

log = logging.getLogger(__name__)

FORMAT = 2
MANIFEST = "manifest.json"
# Chunks read from Chroma, and written, per segment when the file catches up with the store.
CATCH_UP_PAGE = 5_000
# Unfinished or unlisted segments older than this are a killed write's: removed.
LEFTOVER_S = 3600.0
RETRY_S = 5.0
# Each chunk's place in its segment's data: offset, text bytes, metadata bytes, sentences.
_FIELDS = 4
_SPAN = np.dtype(np.int32)
_VECTOR = np.dtype(np.float32)


@dataclass(frozen=True)
class _Segment:
    """One write's chunks: each chunk's bytes lie together (text, metadata, sentence spans,
    its vector, its sentences' vectors), read with one ``pread``. A memory mapping cost more
    than it saved: every page the kernel maps around a read counts as the process's memory
    (+280 MB of peak RSS serving 50,000 chunks, `rag bench`)."""

    ids: list[str]
    sources: list[str]
    dim: int
    rows: np.ndarray
    fd: int

    @classmethod
    def load(cls, folder: Path) -> _Segment:
        named = json.loads((folder / "index.json").read_text(encoding="utf-8"))
        rows = np.load(folder / "rows.npy")
        fd = os.open(folder / "chunks.bin", os.O_RDONLY)
        segment = cls(named["ids"], named["sources"], int(named["dim"]), rows, fd)
        weakref.finalize(segment, os.close, fd)
        size = os.fstat(fd).st_size
        if rows.shape != (len(segment.ids), _FIELDS) or (len(rows) and segment._end(-1) > size):
            raise ValueError(f"segment {folder.name} does not hold its {len(segment.ids)} chunks")
        return segment

    def _end(self, row: int) -> int:
        at, text, meta, count = self.rows[row].tolist()
        return int(at + text + meta + count * 2 * _SPAN.itemsize + (1 + count) * self.dim * _VECTOR.itemsize)

    def chunk(self, row: int, vectors: bool) -> StoredChunk:
        at, text_len, meta_len, count = self.rows[row].tolist()
        length = self._end(row) - at if vectors else text_len + meta_len
        data = os.pread(self.fd, length, at)
        if len(data) != length:
            raise ValueError(f"a chunk's bytes end early ({len(data)} of {length})")
        text = data[:text_len].decode("utf-8")
        meta = json.loads(data[text_len : text_len + meta_len])
        if not vectors:
            return StoredChunk(self.ids[row], text, meta, NO_VECTORS, (), NO_VECTORS)
        at = text_len + meta_len
        spans = np.frombuffer(data, _SPAN, 2 * count, at).reshape(count, 2).tolist()
        at += 2 * count * _SPAN.itemsize
        numbers = np.frombuffer(data, _VECTOR, (1 + count) * self.dim, at).reshape(1 + count, self.dim)
        return StoredChunk(
            self.ids[row],
            text,
            meta,
            numbers[0],
            tuple((a, b) for a, b in spans),
            numbers[1:] if count else NO_VECTORS,
        )


def _write_segment(folder: Path, chunks: Sequence[StoredChunk]) -> None:
    dim = next((len(c.vector) for c in chunks), 0)
    rows = np.zeros((len(chunks), _FIELDS), dtype=np.int64)
    folder.mkdir(parents=True)
    with open(folder / "chunks.bin", "wb") as out:
        at = 0
        for n, chunk in enumerate(chunks):
            text = chunk.text.encode("utf-8")
            meta = json.dumps(dict(chunk.meta), ensure_ascii=False).encode("utf-8")
            spans = np.asarray(chunk.spans, dtype=_SPAN).reshape(-1, 2)
            own = np.asarray(chunk.vector, dtype=_VECTOR).reshape(1, dim)
            sentences = np.asarray(chunk.vectors, dtype=_VECTOR).reshape(-1, dim)
            if len(sentences) != len(spans):
                raise ValueError(
                    f"chunk {chunk.chunk_id} has {len(spans)} sentences and {len(sentences)} vectors"
                )
            data = b"".join([text, meta, spans.tobytes(), own.tobytes(), sentences.tobytes()])
            rows[n] = (at, len(text), len(meta), len(spans))
            out.write(data)
            at += len(data)
    np.save(folder / "rows.npy", rows)
    named = {
        "dim": dim,
        "ids": [c.chunk_id for c in chunks],
        "sources": [str(c.meta["source"]) for c in chunks],
    }
    (folder / "index.json").write_text(json.dumps(named, ensure_ascii=False), encoding="utf-8")


@dataclass(frozen=True)
class _View:
    """The file as its manifest stood when it was loaded: each readable chunk's segment and row."""

    stamp: tuple[int, int, int] | None
    # The segments the manifest lists, and those of them loaded (all, unless it is broken).
    names: tuple[str, ...]
    segments: dict[str, _Segment]
    pending: frozenset[str]
    # Each readable chunk's row, counted across the segments in order (a dict of plain
    # numbers builds in a tenth of the time of one of (segment, row) pairs: 10 ms at 50,000).
    where: dict[str, int]
    # Unreadable: read nothing from it, and look again after RETRY_S (a segment removed
    # between reading the manifest and opening it is another process's compaction).
    broken_at: float | None = None

    @cached_property
    def _order(self) -> tuple[_Segment, ...]:
        return tuple(self.segments.values())

    @cached_property
    def _starts(self) -> list[int]:
        return list(accumulate((len(s.ids) for s in self._order), initial=0))

    @property
    def rows(self) -> int:
        return self._starts[-1]

    def chunk(self, chunk_id: str, vectors: bool) -> StoredChunk:
        row = self.where[chunk_id]
        n = bisect_right(self._starts, row) - 1
        return self._order[n].chunk(row - self._starts[n], vectors)


_NONE = _View(None, (), {}, frozenset(), {})


class RowFile:
    """A ChunkReader: chunks from the file where it holds them, the rest from ``fallback``."""

    def __init__(self, folder: Path, fallback: ChromaRows, enabled: bool = True) -> None:
        """``enabled``: off for an index on a Chroma server, whose chunks other clients change."""
        self.folder = folder
        self.fallback = fallback
        self.enabled = enabled
        self._view = _NONE

    # -- reading -----------------------------------------------------------------------

    def read(self, ids: Sequence[str], vectors: bool = True) -> dict[str, HeldChunk]:
        view, wanted = self.current(), list(dict.fromkeys(ids))
        where = view.where
        try:
            found = [view.chunk(i, vectors) for i in wanted if i in where]
        except (OSError, ValueError, IndexError) as exc:
            self._view = self._broken(view.stamp, exc, view.names)
            return self.fallback.read(wanted, vectors)
        missing = [i for i in wanted if i not in where]
        out = held(found)
        return {**out, **self.fallback.read(missing, vectors)} if missing else out

    def current(self) -> _View:
        """The loaded view, loaded again when the manifest was replaced (a sync of this or
        another process)."""
        if not self.enabled:
            return _NONE
        stamp, view = self._stamp(), self._view
        broken = view.broken_at is not None and time.monotonic() - view.broken_at > RETRY_S
        if stamp != view.stamp or broken:
            self._view = self._load(stamp)
        return self._view

    def _stamp(self) -> tuple[int, int, int] | None:
        try:
            st = (self.folder / MANIFEST).stat()
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def _load(self, stamp: tuple[int, int, int] | None) -> _View:
        """Segments already loaded are kept (a segment never changes once written)."""
        if stamp is None:
            return _NONE
        names: list[str] = []
        try:
            manifest = json.loads((self.folder / MANIFEST).read_text(encoding="utf-8"))
            names = [str(name) for name in manifest["segments"]]
            if manifest.get("format") != FORMAT:
                raise ValueError(f"format {manifest.get('format')}, not {FORMAT}")
            pending = frozenset(manifest["pending"])
            known = self._view.segments
            segments = {n: known.get(n) or _Segment.load(self.folder / n) for n in names}
        except (OSError, ValueError, KeyError, TypeError) as exc:
            return self._broken(stamp, exc, names)
        where: dict[str, int] = {}
        start = 0
        for segment in segments.values():
            where.update(zip(segment.ids, range(start, start + len(segment.ids)), strict=True))
            start += len(segment.ids)
        for segment in segments.values() if pending else ():
            for chunk_id, source in zip(segment.ids, segment.sources, strict=True):
                if source in pending:
                    where.pop(chunk_id, None)
        return _View(stamp, tuple(names), segments, pending, where)

    def _broken(self, stamp: tuple[int, int, int] | None, exc: Exception, names: Sequence[str] = ()) -> _View:
        log.warning(
            "the row file at %s is unreadable (%s): chunks are read from Chroma until a sync writes it again",
            self.folder,
            exc,
        )
        return _View(stamp, tuple(names), {}, frozenset(), {}, broken_at=time.monotonic())

    # -- writing (one sync at a time: PaperIndex) -------------------------------------------

    def begin(self, sources: Collection[str]) -> None:
        """Before a sync writes these files to Chroma: their rows here are not read until
        ``catch_up`` has written them again. Where that mark cannot be written (a full disk),
        the manifest is removed, so that every chunk is read from Chroma, rather than a
        rewritten file's old rows; only where even that fails does the sync stop, before it
        has written anything."""
        view = self.current()
        if not (self.enabled and sources):
            return
        try:
            self._publish(list(view.segments), view.pending | set(sources), view)
        except OSError as exc:
            self._unwritten(exc)
            (self.folder / MANIFEST).unlink(missing_ok=True)
            self._view = _NONE

    def catch_up(self, live: Sequence[str], fresh: Sequence[StoredChunk] = ()) -> None:
        """The file brought in line with the store, whose chunks are ``live``: ``fresh`` (a
        sync's rows, already in memory) are written, then any chunk the file still lacks is
        read from Chroma; the pending files are then done. Copied into one segment when most
        rows are dead. A write that fails (a full disk) leaves the sync done, its files still
        pending, read from Chroma until a later sync writes them."""
        if not self.enabled:
            return
        try:
            self._catch_up(live, fresh)
        except OSError as exc:
            self._unwritten(exc)

    def _unwritten(self, exc: OSError) -> None:
        log.warning(
            "the row file at %s could not be written (%s): the chunks it lacks are read from "
            "Chroma until a sync writes it",
            self.folder,
            exc,
        )

    def _catch_up(self, live: Sequence[str], fresh: Sequence[StoredChunk]) -> None:
        view = self.current()
        segments = list(view.segments)
        if fresh:
            segments.append(self._add(fresh))
        written = {c.chunk_id for c in fresh}
        where = view.where
        missing = [i for i in live if i not in where and i not in written]
        for start in range(0, len(missing), CATCH_UP_PAGE):
            segments.append(self._add(self.fallback.rows(missing[start : start + CATCH_UP_PAGE])))
        if segments == list(view.segments) and not view.pending and view.stamp is not None:
            return
        view = self._publish(segments, frozenset(), view)
        if view.rows > 2 * len(live) + CATCH_UP_PAGE:
            self._compact(live)

    def _compact(self, live: Sequence[str]) -> None:
        view = self.current()
        names = []
        for start in range(0, len(live), CATCH_UP_PAGE):
            page = [i for i in live[start : start + CATCH_UP_PAGE] if i in view.where]
            names.append(self._add([view.chunk(i, vectors=True) for i in page]))
        self._publish(names, frozenset(), view)

    def _add(self, chunks: Sequence[StoredChunk]) -> str:
        """A new segment, complete on disk under its final name (not yet listed)."""
        name = f"seg-{uuid.uuid4().hex[:12]}"
        temporary = self.folder / f".tmp-{name}"
        _write_segment(temporary, chunks)
        temporary.rename(self.folder / name)
        return name

    def _publish(self, segments: Sequence[str], pending: Collection[str], old: _View) -> _View:
        """A new manifest, replaced whole, then loaded; segments no longer listed are removed
        (a process still reading one keeps its open file)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        manifest = {"format": FORMAT, "segments": list(segments), "pending": sorted(pending)}
        temporary = self.folder / f".tmp-{MANIFEST}.{os.getpid()}"
        temporary.write_text(json.dumps(manifest), encoding="utf-8")
        temporary.replace(self.folder / MANIFEST)
        self._view = self._load(self._stamp())
        for name in set(old.names) - set(segments):
            shutil.rmtree(self.folder / name, ignore_errors=True)
        self._remove_leftovers(set(segments))
        return self._view

    def _remove_leftovers(self, listed: set[str]) -> None:
        now = time.time()
        for path in self.folder.iterdir():
            if path.name == MANIFEST or path.name in listed:
                continue
            try:
                old = now - path.stat().st_mtime > LEFTOVER_S
            except FileNotFoundError:
                continue
            if old:
                shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
