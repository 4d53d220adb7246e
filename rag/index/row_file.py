"""Every chunk's text, metadata and vectors in the index's own files, memory-mapped.

Read from Chroma, the few dozen chunks a question quotes cost two gets of about 5 ms each at
50,000 chunks, and holding them all in memory costs 0.7 GB there (rag.index.table_keeper).
Here a chunk is a few pages of mapped files: the pages a question reads come from disk, the
rest stay there. Chroma remains the store of record and does the vector search.

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
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .chunk_rows import NO_VECTORS, ChromaRows, HeldChunk, StoredChunk, held

log = logging.getLogger(__name__)

FORMAT = 1
MANIFEST = "manifest.json"
# Chunks read from Chroma, and written, per segment when the file catches up with the store.
CATCH_UP_PAGE = 5_000
# Unfinished or unlisted segments older than this are a killed write's: removed.
LEFTOVER_S = 3600.0
RETRY_S = 5.0
# Each chunk's (text start, text length, metadata start, metadata length, first sentence, sentences).
_FIELDS = 6


@dataclass(frozen=True)
class _Segment:
    ids: list[str]
    sources: list[str]
    rows: np.ndarray
    blob: np.ndarray
    chunk_vectors: np.ndarray
    spans: np.ndarray
    sentence_vectors: np.ndarray

    @classmethod
    def load(cls, folder: Path) -> _Segment:
        def array(name: str) -> np.ndarray:
            # A plain array over the mapping: np.memmap's own slicing costs 2 µs a slice.
            return np.load(folder / f"{name}.npy", mmap_mode="r").view(np.ndarray)

        named = json.loads((folder / "ids.json").read_text(encoding="utf-8"))
        ids = named["ids"]
        segment = cls(
            ids,
            named["sources"],
            array("rows"),
            array("blob"),
            array("chunks"),
            array("spans"),
            array("sentences"),
        )
        if len(segment.rows) != len(ids) or len(segment.chunk_vectors) != len(ids):
            raise ValueError(f"segment {folder.name} holds {len(ids)} ids for {len(segment.rows)} rows")
        return segment

    def chunk(self, row: int, vectors: bool) -> StoredChunk:
        text_at, text_len, meta_at, meta_len, first, count = self.rows[row].tolist()
        text = bytes(self.blob[text_at : text_at + text_len]).decode("utf-8")
        meta = json.loads(bytes(self.blob[meta_at : meta_at + meta_len]))
        if not vectors:
            return StoredChunk(self.ids[row], text, meta, NO_VECTORS, (), NO_VECTORS)
        spans = tuple((a, b) for a, b in self.spans[first : first + count].tolist())
        return StoredChunk(
            self.ids[row],
            text,
            meta,
            np.array(self.chunk_vectors[row], dtype=np.float32),
            spans,
            np.array(self.sentence_vectors[first : first + count], dtype=np.float32) if count else NO_VECTORS,
        )


def _write_segment(folder: Path, chunks: Sequence[StoredChunk], dim: int) -> None:
    blob = bytearray()
    rows = np.zeros((len(chunks), _FIELDS), dtype=np.int64)
    spans: list[tuple[int, int]] = []
    sentence_vectors = []
    for n, chunk in enumerate(chunks):
        text = chunk.text.encode("utf-8")
        meta = json.dumps(dict(chunk.meta), ensure_ascii=False).encode("utf-8")
        rows[n] = (len(blob), len(text), len(blob) + len(text), len(meta), len(spans), len(chunk.spans))
        blob += text + meta
        spans.extend(chunk.spans)
        if chunk.spans:
            sentence_vectors.append(np.asarray(chunk.vectors, dtype=np.float32))
    folder.mkdir(parents=True)
    np.save(folder / "rows.npy", rows)
    np.save(folder / "blob.npy", np.frombuffer(bytes(blob), dtype=np.uint8))
    own = [np.asarray(c.vector, dtype=np.float32) for c in chunks]
    np.save(folder / "chunks.npy", np.stack(own) if own else np.zeros((0, dim), np.float32))
    np.save(folder / "spans.npy", np.asarray(spans, dtype=np.int32).reshape(-1, 2))
    np.save(
        folder / "sentences.npy",
        np.concatenate(sentence_vectors) if sentence_vectors else np.zeros((0, dim), np.float32),
    )
    named = {"ids": [c.chunk_id for c in chunks], "sources": [str(c.meta["source"]) for c in chunks]}
    (folder / "ids.json").write_text(json.dumps(named, ensure_ascii=False), encoding="utf-8")


@dataclass(frozen=True)
class _View:
    """The file as its manifest stood when it was loaded: each readable chunk's segment and row."""

    stamp: tuple[int, int, int] | None
    # The segments the manifest lists, and those of them loaded (all, unless it is broken).
    names: tuple[str, ...]
    segments: dict[str, _Segment]
    pending: frozenset[str]
    where: dict[str, tuple[_Segment, int]]
    # Unreadable: read nothing from it, and look again after RETRY_S (a segment removed
    # between reading the manifest and opening it is another process's compaction).
    broken_at: float | None = None

    @property
    def rows(self) -> int:
        return sum(len(s.ids) for s in self.segments.values())


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
        where = self.current().where
        try:
            found = [where[i][0].chunk(where[i][1], vectors) for i in dict.fromkeys(ids) if i in where]
        except (OSError, ValueError, IndexError) as exc:
            self._view = self._broken(self._view.stamp, exc, self._view.names)
            return self.fallback.read(ids, vectors)
        missing = [i for i in ids if i not in where]
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
            if manifest.get("format") != FORMAT:
                raise ValueError(f"format {manifest.get('format')}, not {FORMAT}")
            names, pending = list(manifest["segments"]), frozenset(manifest["pending"])
            known = self._view.segments
            segments = {n: known.get(n) or _Segment.load(self.folder / n) for n in names}
        except (OSError, ValueError, KeyError, TypeError) as exc:
            return self._broken(stamp, exc, names)
        where = {
            chunk_id: (segment, row)
            for segment in segments.values()
            for row, (chunk_id, source) in enumerate(zip(segment.ids, segment.sources, strict=True))
            if source not in pending
        }
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
        ``catch_up`` has written them again."""
        view = self.current()
        if self.enabled and sources:
            self._publish(list(view.segments), view.pending | set(sources), view)

    def catch_up(self, live: Sequence[str], fresh: Sequence[StoredChunk] = ()) -> None:
        """The file brought in line with the store, whose chunks are ``live``: ``fresh`` (a
        sync's rows, already in memory) are written, then any chunk the file still lacks is
        read from Chroma; the pending files are then done. Copied into one segment when most
        rows are dead."""
        if not self.enabled:
            return
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
            page = [view.where[i] for i in live[start : start + CATCH_UP_PAGE] if i in view.where]
            names.append(self._add([segment.chunk(row, vectors=True) for segment, row in page]))
        self._publish(names, frozenset(), view)

    def _add(self, chunks: Sequence[StoredChunk]) -> str:
        """A new segment, complete on disk under its final name (not yet listed)."""
        name = f"seg-{uuid.uuid4().hex[:12]}"
        temporary = self.folder / f".tmp-{name}"
        dim = next((len(c.vector) for c in chunks), 0)
        _write_segment(temporary, chunks, dim)
        temporary.rename(self.folder / name)
        return name

    def _publish(self, segments: Sequence[str], pending: Collection[str], old: _View) -> _View:
        """A new manifest, replaced whole, then loaded; segments no longer listed are removed
        (a process still reading one keeps its mapping)."""
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
