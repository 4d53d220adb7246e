"""The persisted index: chunks and sentences in Chroma, plus the keyword index.

Indexing is incremental and self-healing. Each chunk carries its file's content hash;
a sync compares what the corpus should produce with what Chroma actually holds, so
an unchanged file costs nothing, a changed file is replaced, a removed one leaves,
and a sync that crashed half-way is simply finished by the next one. A file's
sentences are written before its chunks, so a file whose chunks are all present is
complete. A first build happens in a side folder that is renamed into place.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import time
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings
from langchain_chroma import Chroma

from .chunking import Chunker, sentence_spans
from .config import Settings
from .embeddings import CachedEmbedder, LangChainEmbeddings, Progress
from .ingest import Corpus
from .keyword import KeywordIndex, Tokenizer, fingerprint
from .metadata import RECORD_WINDOW, record_terms
from .schema import Chunk, Document, Paper

log = logging.getLogger(__name__)
_BATCH = 256
# Rows per read of a whole collection: Chroma's SQLite refuses one query with more than 32,766
# variables, which a get of every chunk's metadata passes at about 30,000 chunks.
_PAGE = 10_000


def _in_files(sources: Collection[str]) -> Any:
    return {"source": {"$in": list(sources)}} if sources else None


class IndexUnavailable(RuntimeError):
    """The index cannot be opened; the message tells the reader how to fix it."""


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


@dataclass
class HeldFile:
    """What the index holds of one file."""

    file_hash: str
    record_hash: str
    ids: set[str] = field(default_factory=set)

    def matches(self, doc: Document, chunks: list[Chunk]) -> bool:
        return (
            self.file_hash == doc.content_hash
            and self.record_hash == record_hash(doc)
            and self.ids == {c.chunk_id for c in chunks}
        )


def record_hash(doc: Document) -> str:
    """Changes when the paper's citation details change, e.g. a file joins another's paper."""
    return hashlib.sha1(json.dumps(doc.citation_metadata(), sort_keys=True).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class SentenceVector:
    chunk_id: str
    start: int
    end: int
    vector: np.ndarray


def chroma_dir(settings: Settings) -> Path:
    return settings.index_dir / "chroma"


def index_exists(settings: Settings) -> bool:
    if settings.chroma_url:
        return _served_index_exists(settings)
    return (chroma_dir(settings) / "chroma.sqlite3").is_file()


def _served_index_exists(settings: Settings) -> bool:
    """A server holds the index once its chunk collection has rows, so that, as with an
    embedded index, Assistant.load builds one on an empty server instead of serving nothing.
    An unreachable server counts as existing: opening it then says what is wrong."""
    try:
        collection = _client(settings, chroma_dir(settings)).get_collection(settings.collection)
        return int(collection.count()) > 0
    except chromadb.errors.NotFoundError:
        return False
    except Exception:  # chromadb raises many types for a server it cannot reach
        return True


def _client(settings: Settings, path: Path) -> Any:
    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        return chromadb.HttpClient(
            host=url.hostname or "127.0.0.1",
            port=url.port or 8000,
            ssl=url.scheme == "https",
            settings=chroma_settings,
        )
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


class PaperIndex:
    def __init__(
        self, settings: Settings, embedder: CachedEmbedder, tokenizer: Tokenizer, path: Path
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self.tokenizer = tokenizer
        self.keyword_dir = settings.index_dir / "keyword" / settings.collection
        try:
            self._client = _client(settings, path)
            model = {"embedding_model": embedder.name, "embedding_dim": embedder.dim, "hnsw:space": "cosine"}
            lc_embeddings = LangChainEmbeddings(embedder)
            self.chunks = Chroma(
                settings.collection, lc_embeddings, client=self._client, collection_metadata=model
            )
            self.sentences = Chroma(
                f"{settings.collection}-sentences",
                lc_embeddings,
                client=self._client,
                collection_metadata=model,
            )
            recorded = self.chunks._collection.metadata or {}
        except Exception as exc:  # chromadb raises many types for a damaged store
            raise IndexUnavailable(
                f"cannot open the index at {settings.chroma_url or path}: {exc}. "
                "Rebuild it with `rag index --rebuild`."
            ) from exc
        if recorded.get("embedding_model") not in (None, embedder.name):
            raise IndexUnavailable(
                f"the index at {settings.chroma_url or path} was built with the embedding model "
                f"{recorded['embedding_model']!r}, but the settings ask for {embedder.name!r}. "
                f"Set RAG_EMBEDDING_MODEL to match, or rebuild with `rag index --rebuild`."
            )
        self._keyword: KeywordIndex | None = None
        self._keyword_checked = 0.0
        self._papers: tuple[KeywordIndex, list[Paper]] | None = None

    @classmethod
    def open(cls, settings: Settings, embedder: CachedEmbedder, tokenizer: Tokenizer) -> PaperIndex:
        if not index_exists(settings):
            raise IndexUnavailable(f"no index at {settings.index_dir}; build it with `rag index`")
        return cls(settings, embedder, tokenizer, chroma_dir(settings))

    @classmethod
    def build(
        cls,
        settings: Settings,
        embedder: CachedEmbedder,
        tokenizer: Tokenizer,
        corpus: Corpus,
        chunker: Chunker,
        progress: Progress | None = None,
    ) -> tuple[PaperIndex, SyncReport]:
        """A fresh index, built in a side folder and renamed into place when complete."""
        if settings.chroma_url:
            index = cls(settings, embedder, tokenizer, chroma_dir(settings))
            return index, index.sync(corpus, chunker, progress)
        final = chroma_dir(settings)
        side = final.with_name(final.name + ".building")
        shutil.rmtree(side, ignore_errors=True)
        building = cls(settings, embedder, tokenizer, side)
        try:
            report = building.sync(corpus, chunker, progress)
        finally:
            # Chroma keeps one client per path in the process: a client left open on a
            # failed build would make the next build at this path write to a deleted file.
            building.close()
        old = final.with_name(final.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if final.exists():
            final.rename(old)
        side.rename(final)
        shutil.rmtree(old, ignore_errors=True)
        return cls(settings, embedder, tokenizer, final), report

    def close(self) -> None:
        close = getattr(self._client, "close", None)
        if close is not None:
            close()

    # -- writing -----------------------------------------------------------------

    def sync(self, corpus: Corpus, chunker: Chunker, progress: Progress | None = None) -> SyncReport:
        started = time.perf_counter()
        report = SyncReport(skipped=dict(corpus.skipped))
        planned = list(zip(corpus.documents, chunker.split_many(corpus.documents), strict=True))
        held = self._held_if_unchanged(planned) or self._held_by_source()
        wanted = {doc.source: doc for doc in corpus.documents}
        todo: list[tuple[Document, list[Chunk]]] = []
        for doc, chunks in planned:
            report.chunks_total += len(chunks)
            have = held.get(doc.source)
            if have is not None and have.matches(doc, chunks):
                report.unchanged.append(doc.source)
                continue
            (report.updated if doc.source in held else report.added).append(doc.source)
            todo.append((doc, chunks))
        report.removed = sorted(s for s in held if s not in wanted and s not in corpus.skipped)
        for source in report.removed + [doc.source for doc, _ in todo]:
            self._delete_source(source)
        before = self.embedder.embedded_count
        self._write(todo, progress)
        report.texts_embedded = self.embedder.embedded_count - before
        keyword = self._load_keyword()
        # A sync that crashed after writing Chroma left a keyword index of other chunks.
        if todo or report.removed or keyword is None or keyword.fingerprint != fingerprint(self.chunk_ids()):
            self._rebuild_keyword(chunk.chunk_id for _, chunks in todo for chunk in chunks)
        report.seconds = time.perf_counter() - started
        return report

    def file_hashes(self) -> dict[str, str]:
        """Content hash of every indexed file, to recognise a duplicate upload."""
        return {source: held.file_hash for source, held in self._held_by_source().items()}

    def _held_if_unchanged(self, planned: list[tuple[Document, list[Chunk]]]) -> dict[str, HeldFile]:
        """What the index holds when it is exactly what ``planned`` asks for, else {}.

        Reading every chunk's metadata takes seconds at 50,000 chunks (more over HTTP); the
        common case, nothing changed, is settled by the ids and one id-only filtered read:
        every held chunk is a planned one and carries a current file and record hash. (A
        chunk could pass with another current file's hashes only if its file's old text were
        another file's current text while its own chunks stayed the same.) When anything
        differs, the caller reads everything as before.
        """
        current = [(doc, chunks) for doc, chunks in planned if chunks]
        expected = {c.chunk_id for _, chunks in current for c in chunks}
        if not expected or set(self.chunk_ids()) != expected:
            return {}
        file_hashes: list[str | int | float | bool] = sorted({doc.content_hash for doc, _ in current})
        record_hashes: list[str | int | float | bool] = sorted({record_hash(doc) for doc, _ in current})
        where: Any = {"$and": [{"file_hash": {"$in": file_hashes}}, {"record_hash": {"$in": record_hashes}}]}
        if len(set(self.chunks.get(where=where, include=[])["ids"])) != len(expected):
            return {}
        return {
            doc.source: HeldFile(doc.content_hash, record_hash(doc), {c.chunk_id for c in chunks})
            for doc, chunks in current
        }

    def _read_all(self, store: Chroma, include: list[str]) -> dict[str, list[Any]]:
        """Every row of ``store`` with the ``include`` fields, a page at a time (see _PAGE)."""
        rows: dict[str, list[Any]] = {key: [] for key in ["ids", *include]}
        while True:
            page = store.get(include=include, limit=_PAGE, offset=len(rows["ids"]))
            for key, values in rows.items():
                values.extend(page[key])
            if len(page["ids"]) < _PAGE:
                return rows

    def _read_ids(self, store: Chroma, ids: list[str], include: list[str]) -> dict[str, list[Any]]:
        """The rows of ``ids`` (those still there), a page at a time, in the store's order."""
        rows: dict[str, list[Any]] = {key: [] for key in ["ids", *include]}
        for start in range(0, len(ids), _PAGE):
            page = store.get(ids=ids[start : start + _PAGE], include=include)
            for key, values in rows.items():
                values.extend(page[key])
        return rows

    def _held_by_source(self) -> dict[str, HeldFile]:
        held: dict[str, HeldFile] = {}
        data = self._read_all(self.chunks, ["metadatas"])
        for chunk_id, meta in zip(data["ids"], data["metadatas"], strict=True):
            entry = held.setdefault(
                str(meta["source"]),
                HeldFile(str(meta.get("file_hash", "")), str(meta.get("record_hash", ""))),
            )
            entry.ids.add(chunk_id)
        return held

    def _delete_source(self, source: str) -> None:
        for store in (self.sentences, self.chunks):
            ids = store.get(where={"source": source}, include=[])["ids"]
            for start in range(0, len(ids), _BATCH):
                store.delete(ids=ids[start : start + _BATCH])

    def _write(self, todo: list[tuple[Document, list[Chunk]]], progress: Progress | None) -> None:
        sentence_rows: list[tuple[str, str, dict[str, Any]]] = []
        chunk_rows: list[tuple[str, str, dict[str, Any]]] = []
        for doc, chunks in todo:
            for chunk in chunks:
                meta = {
                    **chunk.metadata,
                    "file_hash": doc.content_hash,
                    "record_hash": record_hash(doc),
                    "section": chunk.section,
                    "start": chunk.start,
                    "end": chunk.end,
                    "position": chunk.position,
                }
                chunk_rows.append((chunk.chunk_id, chunk.text, meta))
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
        texts = [text for _, text, _ in sentence_rows] + [text for _, text, _ in chunk_rows]
        self.embedder.embed_passages(texts, progress)
        for store, rows in ((self.sentences, sentence_rows), (self.chunks, chunk_rows)):
            for start in range(0, len(rows), _BATCH):
                batch = rows[start : start + _BATCH]
                store.add_texts(
                    texts=[text for _, text, _ in batch],
                    metadatas=[meta for _, _, meta in batch],
                    ids=[chunk_id for chunk_id, _, _ in batch],
                )

    # -- keyword index -------------------------------------------------------------

    def _rebuild_keyword(self, rewritten: Iterable[str] = ()) -> KeywordIndex:
        """The keyword index brought in line with Chroma, and saved.

        Only the chunks it lacks, or that were ``rewritten`` under the same id (new citation
        details), are read and tokenised: a changed file, or another process's upload, costs
        seconds at 50,000 chunks where tokenising every chunk again takes most of a minute.
        It starts from scratch when it has nothing to start from or most rows change.
        """
        current = self._load_keyword()
        ids = self.chunk_ids()
        known = set(current.ids) if current is not None else set()
        redo = set(rewritten)
        fresh = [chunk_id for chunk_id in ids if chunk_id not in known or chunk_id in redo]
        gone = (known - set(ids)) | (redo & known)
        if current is None or current.counts is None or 2 * (len(fresh) + len(gone)) > len(ids):
            data = self._read_all(self.chunks, ["documents", "metadatas"])
            index = KeywordIndex.build(data["ids"], self._keyword_tokens(data))
        else:
            data = self._read_ids(self.chunks, fresh, ["documents", "metadatas"])
            index = current.updated(gone, data["ids"], self._keyword_tokens(data))
        index.save(self.keyword_dir)
        self._keyword = index
        return index

    def _keyword_tokens(self, data: dict[str, list[Any]]) -> list[list[str]]:
        """A chunk is found by its paper's title, its section, and, in a paper's head, by the
        names of the record fields it prints (a question asks for the "期刊", not the "出处")."""
        return [
            self.tokenizer.tokens(
                f"{meta.get('title', '')} {meta.get('section', '')} "
                f"{self._record_terms(text, meta)} {text}"
            )
            for text, meta in zip(data["documents"], data["metadatas"], strict=True)
        ]

    @staticmethod
    def _record_terms(text: str, meta: dict[str, Any]) -> str:
        if int(meta.get("start", 0)) >= RECORD_WINDOW:
            return ""
        return record_terms(text, str(meta.get("journal", "")), str(meta.get("doi", "")))

    def _load_keyword(self) -> KeywordIndex | None:
        if self._keyword is None:
            self._keyword = KeywordIndex.load(self.keyword_dir)
        return self._keyword

    def keyword_index(self, max_age_s: float = 5.0) -> KeywordIndex:
        """The keyword index, rebuilt when Chroma changed under it (another process)."""
        index = self._load_keyword()
        now = time.monotonic()
        if index is not None and now - self._keyword_checked < max_age_s:
            return index
        self._keyword_checked = now
        if (
            index is None
            or len(index.ids) != self.count()
            or (self.settings.chroma_url and index.fingerprint != fingerprint(self.chunk_ids()))
        ):
            index = self._rebuild_keyword()
        return index

    # -- reading ---------------------------------------------------------------------

    def count(self) -> int:
        return int(self.chunks._collection.count())

    def chunk_ids(self) -> list[str]:
        return list(self.chunks.get(include=[])["ids"])

    def dense_search(
        self, vector: np.ndarray, k: int, sources: Collection[str] = ()
    ) -> list[tuple[str, float]]:
        """Only in the files ``sources`` when given. An empty collection answers with no hits,
        so no count is asked first (3 ms a query)."""
        hits = self.chunks.similarity_search_by_vector_with_relevance_scores(
            vector.tolist(), k=k, filter=_in_files(sources)
        )
        return [(str(doc.id), 1.0 - float(distance)) for doc, distance in hits]

    def sentence_search(
        self, vector: np.ndarray, k: int, sources: Collection[str] = ()
    ) -> list[tuple[str, float]]:
        """Chunks ranked by their best-matching sentence (a short fact inside a long chunk)."""
        hits = self.sentences.similarity_search_by_vector_with_relevance_scores(
            vector.tolist(), k=k, filter=_in_files(sources)
        )
        best: dict[str, float] = {}
        for doc, distance in hits:
            chunk_id = str(doc.metadata["chunk_id"])
            best.setdefault(chunk_id, 1.0 - float(distance))
        return list(best.items())

    def keyword_search(self, text: str, k: int, sources: Collection[str] = ()) -> list[tuple[str, float]]:
        within = set(self.chunks.get(where=_in_files(sources), include=[])["ids"]) if sources else None
        return self.keyword_index().search(self.tokenizer.tokens(text), k, within)

    def in_corpus(self, word: str) -> bool:
        """Whether the papers use ``word`` (every keyword it splits into is indexed)."""
        tokens = self.tokenizer.tokens(word)
        vocab = self.keyword_index().vocab
        return bool(tokens) and all(t in vocab for t in tokens)

    def term_coverage(self, query: str, texts: list[str]) -> float:
        return self.keyword_index().coverage(self.tokenizer.tokens(query), texts, self.tokenizer)

    def get_chunks(self, ids: Sequence[str]) -> dict[str, tuple[str, dict[str, Any]]]:
        if not ids:
            return {}
        data = self.chunks.get(ids=list(ids), include=["documents", "metadatas"])
        return {
            chunk_id: (text, dict(meta))
            for chunk_id, text, meta in zip(data["ids"], data["documents"], data["metadatas"], strict=True)
        }

    def sentence_vectors(self, chunk_ids: Iterable[str]) -> list[SentenceVector]:
        ids = list(chunk_ids)
        if not ids:
            return []
        where: Any = {"chunk_id": {"$in": ids}}
        data = self.sentences.get(where=where, include=["embeddings", "metadatas"])
        return [
            SentenceVector(
                str(meta["chunk_id"]),
                int(meta["start"]),
                int(meta["end"]),
                np.asarray(vector, dtype=np.float32),
            )
            for meta, vector in zip(data["metadatas"], data["embeddings"], strict=True)
        ]

    def papers(self) -> list[Paper]:
        """One entry per paper, read from each file's first chunk, kept while the keyword
        index (rebuilt whenever the chunks change) stays the same."""
        keyword = self.keyword_index()
        cached = self._papers
        if cached is not None and cached[0] is keyword:
            return cached[1]
        where: Any = {"position": 0}
        data = self.chunks.get(where=where, include=["metadatas"])
        sources: dict[str, set[str]] = {}
        first: dict[str, dict[str, Any]] = {}
        for meta in data["metadatas"]:
            paper_id = str(meta.get("paper_id", meta["source"]))
            sources.setdefault(paper_id, set()).add(str(meta["source"]))
            first.setdefault(paper_id, dict(meta))
        papers = sorted(
            (
                Paper(
                    paper_id=paper_id,
                    title=str(meta.get("title", "")),
                    authors=tuple(a for a in str(meta.get("authors", "")).split("、") if a),
                    journal=str(meta.get("journal", "")),
                    year=str(meta.get("year", "")),
                    issue=str(meta.get("issue", "")),
                    doi=str(meta.get("doi", "")),
                    sources=tuple(sorted(sources[paper_id])),
                )
                for paper_id, meta in first.items()
            ),
            key=lambda paper: paper.sources,
        )
        self._papers = (keyword, papers)
        return papers
