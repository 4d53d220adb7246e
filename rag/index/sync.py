"""Bring the index in line with the corpus: incremental and self-healing.

Each chunk carries its file's content hash; a sync compares what the corpus should produce
with what Chroma actually holds, so an unchanged file costs nothing, a changed file is
replaced, a removed one leaves, and a sync that crashed half-way is simply finished by the
next one.

A sync has three steps: ``plan`` (reading the store, chunking), ``prepare`` (embedding, the
slow part, which writes only the vector cache) and ``write`` (the short store writes). The
caller (PaperIndex.sync) holds the readers' lock for the last one alone, and writes the row
file (rag.index.row_file) from the rows afterwards.

A file's sentences are written before its chunks, and its first chunk (which carries the
record, and how many chunks and sentences the file has) after its other chunks: a file
whose first chunk is missing, or whose counts differ from that chunk's, is half-written
(``rag.index.health`` takes it out on open).
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..chunking import Chunker
from ..ingest import Corpus
from ..schema import Chunk, Document, page_metadata
from ..text.sentences import sentence_spans
from .chunk_rows import NO_VECTORS, StoredChunk
from .embeddings import CachedEmbedder, Progress
from .keyword import fingerprint
from .keyword_store import KeywordStore
from .store import ChromaStore, Row

# Metadata of a file's first chunk: how many chunks and sentences the whole file has.
FILE_CHUNKS = "file_chunks"
FILE_SENTENCES = "file_sentences"


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    chunks_total: int = 0
    texts_embedded: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        parts = [
            f"{len(self.added)} added",
            f"{len(self.updated)} updated",
            f"{len(self.removed)} removed",
            f"{len(self.unchanged)} unchanged",
            f"{len(self.skipped)} skipped",
        ]
        totals = f"{self.chunks_total} chunks; {self.texts_embedded} texts embedded; {self.seconds:.1f}s"
        return f"{', '.join(parts)}; {totals}"


@dataclass(frozen=True)
class HeldFile:
    """What the index holds of one file, as its first chunk records it."""

    file_hash: str
    record_hash: str
    # How many chunks the file has (-1: written before files recorded it, so written again).
    chunks: int
    # The ids of every chunk in the index: a chunk's id names its file (rag.chunking.chunk_id),
    # and the check on open has taken out any file whose chunks do not add up to its count.
    stored: frozenset[str]

    def matches(self, doc: Document, record: str, chunks: list[Chunk]) -> bool:
        """``record``: the document's record_hash."""
        return (
            self.file_hash == doc.content_hash
            and self.record_hash == record
            and self.chunks == len(chunks)
            and all(c.chunk_id in self.stored for c in chunks)
        )


def record_hash(doc: Document) -> str:
    """Changes when the paper's record changes, e.g. a file joins another's paper, or a PDF's
    page numbers do."""
    details: dict[str, Any] = {"source": doc.source, "paper_id": doc.paper_id, "record": doc.record.to_json()}
    if doc.pages:
        details["pages"] = [(p.start, p.end, p.number) for p in doc.pages]
    return hashlib.sha1(json.dumps(details, sort_keys=True).encode()).hexdigest()[:16]


@dataclass
class SyncPlan:
    """What a sync will change, worked out by reading alone."""

    report: SyncReport
    todo: list[tuple[Document, list[Chunk]]]
    started: float
    # The chunk ids the store held when the plan was made.
    stored: frozenset[str]

    @property
    def sources(self) -> list[str]:
        """The files it writes or removes."""
        return [doc.source for doc, _ in self.todo] + self.report.removed

    @property
    def written(self) -> list[str]:
        """The ids of the chunks it writes: new ones, and old ones written again under their id."""
        return [chunk.chunk_id for _, chunks in self.todo for chunk in chunks]


@dataclass
class Rows:
    """The rows a sync writes, in the order they are written, with their vectors."""

    sentences: list[Row]
    chunks: list[Row]
    vectors: np.ndarray

    def stored(self) -> list[StoredChunk]:
        """The chunks as a reader gives them, each with its sentences (for the row file)."""
        spans: dict[str, list[tuple[int, int]]] = {}
        vectors: dict[str, list[np.ndarray]] = {}
        for (_, _, meta), vector in zip(self.sentences, self.vectors[: len(self.sentences)], strict=True):
            chunk_id = str(meta["chunk_id"])
            spans.setdefault(chunk_id, []).append((int(meta["start"]), int(meta["end"])))
            vectors.setdefault(chunk_id, []).append(vector)
        own = self.vectors[len(self.sentences) :]
        return [
            StoredChunk(
                chunk_id,
                text,
                meta,
                own[n],
                tuple(spans.get(chunk_id, ())),
                np.stack(vectors[chunk_id]) if chunk_id in vectors else NO_VECTORS,
            )
            for n, (chunk_id, text, meta) in enumerate(self.chunks)
        ]


class Syncer:
    def __init__(self, store: ChromaStore, keyword: KeywordStore, embedder: CachedEmbedder) -> None:
        self.store = store
        self.keyword = keyword
        self.embedder = embedder

    def plan(self, corpus: Corpus, chunker: Chunker) -> SyncPlan:
        started = time.perf_counter()
        report = SyncReport(skipped=dict(corpus.skipped))
        planned = list(zip(corpus.documents, chunker.split_many(corpus.documents), strict=True))
        stored = frozenset(self.store.chunk_ids())
        held = self._held(stored)
        wanted = {doc.source: doc for doc in corpus.documents}
        todo: list[tuple[Document, list[Chunk]]] = []
        for doc, chunks in planned:
            report.chunks_total += len(chunks)
            have = held.get(doc.source)
            if have is not None and have.matches(doc, record_hash(doc), chunks):
                report.unchanged.append(doc.source)
                continue
            (report.updated if doc.source in held else report.added).append(doc.source)
            todo.append((doc, chunks))
        report.removed = sorted(s for s in held if s not in wanted and s not in corpus.skipped)
        return SyncPlan(report, todo, started, stored)

    def prepare(self, plan: SyncPlan, progress: Progress | None = None) -> Rows:
        """The rows to write and their vectors: the slow step, which writes nothing but the
        vector cache."""
        before = self.embedder.embedded_count
        rows = self._rows(plan.todo, progress)
        plan.report.texts_embedded = self.embedder.embedded_count - before
        return rows

    def write(self, plan: SyncPlan, rows: Rows) -> bool:
        """Brings the store and, in memory, the keyword index in line; True when the keyword
        index changed (the caller then saves it, see KeywordStore.save)."""
        for source in plan.report.removed + [doc.source for doc, _ in plan.todo]:
            self.store.delete_source(source)
        self._write(rows)
        keyword = self.keyword.saved()
        changed = plan.todo or plan.report.removed
        # A sync that crashed after writing Chroma left a keyword index of other chunks.
        if changed or keyword is None or keyword.fingerprint != fingerprint(list(plan.stored)):
            self.keyword.update(plan.written)
            return True
        return False

    def finish(self, plan: SyncPlan) -> SyncReport:
        plan.report.seconds = time.perf_counter() - plan.started
        return plan.report

    def held_by_source(self) -> dict[str, HeldFile]:
        return self._held(frozenset(self.store.chunk_ids()))

    def _held(self, stored: frozenset[str]) -> dict[str, HeldFile]:
        """Each file as its first chunk records it, with ``stored``, the ids of all chunks:
        reading every chunk's metadata instead (each carries its paper's record) took 7 s at
        50,000 chunks."""
        return {
            str(meta["source"]): HeldFile(
                str(meta.get("file_hash", "")),
                str(meta.get("record_hash", "")),
                int(meta.get(FILE_CHUNKS, -1)),
                stored,
            )
            for meta in self.store.read_all(["metadatas"], {"position": 0})["metadatas"]
        }

    def _rows(self, todo: list[tuple[Document, list[Chunk]]], progress: Progress | None) -> Rows:
        sentence_rows: list[Row] = []
        body_rows: list[Row] = []
        head_rows: list[Row] = []
        for doc, chunks in todo:
            citation = {"source": doc.source, "paper_id": doc.paper_id, **doc.record.to_metadata()}
            record = record_hash(doc)
            first_sentence = len(sentence_rows)
            head: dict[str, object] = {}
            for chunk in chunks:
                meta = {
                    **citation,
                    "file_hash": doc.content_hash,
                    "record_hash": record,
                    "section": chunk.section,
                    "start": chunk.start,
                    "end": chunk.end,
                    "position": chunk.position,
                    **page_metadata(chunk.pages),
                }
                if chunk.position == 0:
                    meta["record"] = doc.record.to_json()  # the whole record, once per file
                    head = meta
                (head_rows if chunk.position == 0 else body_rows).append((chunk.chunk_id, chunk.text, meta))
                for n, span in enumerate(sentence_spans(chunk.text)):
                    sentence_meta = {
                        "chunk_id": chunk.chunk_id,
                        "source": doc.source,
                        "start": span.start,
                        "end": span.end,
                    }
                    sentence_rows.append(
                        (f"{chunk.chunk_id}:{n}", chunk.text[span.start : span.end], sentence_meta)
                    )
            head.update({FILE_CHUNKS: len(chunks), FILE_SENTENCES: len(sentence_rows) - first_sentence})
        chunk_rows = body_rows + head_rows
        texts = [text for _, text, _ in sentence_rows] + [text for _, text, _ in chunk_rows]
        return Rows(sentence_rows, chunk_rows, self.embedder.embed_passages(texts, progress))

    def _write(self, rows: Rows) -> None:
        self.store.add(rows.sentences, rows.chunks, rows.vectors)
