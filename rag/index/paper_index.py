"""The persisted index: one object over the chunk store, the keyword store, the catalog of
papers and the sync, with the lock that keeps readers and the writer apart.

A first build happens in a side folder that is renamed into place, so a crash during it
leaves the old index (or none), never half of one. Opening checks the index
(rag.index.health): damage that cannot be healed on the spot is ``IndexDamaged``, which
`rag index` repairs by building again.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import chromadb
import numpy as np

from ..chunking import Chunker
from ..config import Settings
from ..ingest import Corpus
from ..schema import Paper
from ..text.words import Tokenizer
from .catalog import Catalog
from .chunk_rows import ChromaRows
from .embeddings import CachedEmbedder, Progress
from .health import HealthReport, examine
from .keyword import KeywordIndex
from .keyword_store import KeywordStore
from .lock import ReadWriteLock
from .passage_table import PassageTable
from .row_file import RowFile
from .store import ChromaStore, MissingCollections, chroma_dir, connect
from .sync import Syncer, SyncReport
from .table_keeper import TableKeeper

log = logging.getLogger(__name__)
# The most chunks of the papers a question names that are read to search them exactly.
SCOPE_READ_CHUNKS = 2_000
REPAIR = "Repair it with `rag index`, which builds it again from the corpus and the vector cache."


class IndexUnavailable(RuntimeError):
    """The index cannot be opened; the message tells the reader how to fix it."""


class IndexDamaged(IndexUnavailable):
    """The index is damaged in a way that `rag index` repairs by building it again."""

    def __init__(self, message: str, report: HealthReport | None = None) -> None:
        super().__init__(message)
        self.report = report


def index_exists(settings: Settings) -> bool:
    if settings.chroma_url:
        return _served_index_exists(settings)
    return (chroma_dir(settings) / "chroma.sqlite3").is_file()


def _served_index_exists(settings: Settings) -> bool:
    """A server holds the index once its chunk collection has rows, so that, as with an
    embedded index, Assistant.load builds one on an empty server instead of serving nothing.
    An unreachable server counts as existing: opening it then says what is wrong."""
    try:
        collection = connect(settings, chroma_dir(settings)).get_collection(settings.collection)
        return int(collection.count()) > 0
    except chromadb.errors.NotFoundError:
        return False
    except Exception:  # chromadb raises many types for a server it cannot reach
        return True


class PaperIndex:
    def __init__(
        self,
        settings: Settings,
        embedder: CachedEmbedder,
        tokenizer: Tokenizer,
        path: Path,
        create: bool = True,
    ) -> None:
        """``create``: a new index may be started here (a build), else it must be there."""
        self.settings = settings
        self.tokenizer = tokenizer
        where = settings.chroma_url or path
        model = {"embedding_model": embedder.name, "embedding_dim": embedder.dim}
        try:
            self.store = ChromaStore(settings, path, model, create)
            recorded = self.store.recorded
        except MissingCollections as exc:
            raise IndexDamaged(f"the index at {where} is damaged: {exc}. {REPAIR}") from exc
        except Exception as exc:  # chromadb raises many types for a damaged store
            if settings.chroma_url:  # most likely a server that is not running: nothing to rebuild
                raise IndexUnavailable(f"cannot open the index at {where}: {exc}") from exc
            raise IndexDamaged(f"cannot open the index at {where}: {exc}. {REPAIR}") from exc
        if recorded.get("embedding_model") not in (None, embedder.name):
            raise IndexUnavailable(
                f"the index at {where} was built with the embedding model "
                f"{recorded['embedding_model']!r}, but the settings ask for {embedder.name!r}. "
                f"Set RAG_EMBEDDING_MODEL to match, or rebuild with `rag index --rebuild`."
            )
        folder = settings.index_dir / "keyword" / settings.collection
        self.keyword = KeywordStore(folder, self.store, tokenizer, served=bool(settings.chroma_url))
        self.catalog = Catalog(self.store)
        self.syncer = Syncer(self.store, self.keyword, embedder)
        self.lock = ReadWriteLock()
        self._syncing = threading.Lock()  # one sync at a time: its plan must hold until it writes
        self.health = HealthReport()
        self.rows = RowFile(
            settings.index_dir / "rows" / settings.collection,
            ChromaRows(self.store),
            enabled=not settings.chroma_url,
        )
        self.tables = TableKeeper(self.rows, self.keyword, settings.table_max_chunks)
        self._searching = ThreadPoolExecutor(max_workers=4, thread_name_prefix="rag-search")

    @classmethod
    def open(cls, settings: Settings, embedder: CachedEmbedder, tokenizer: Tokenizer) -> PaperIndex:
        """The index, checked and healed where it can be (see rag.index.health)."""
        if not index_exists(settings):
            raise IndexUnavailable(f"no index at {settings.index_dir}; build it with `rag index`")
        index = cls(settings, embedder, tokenizer, chroma_dir(settings), create=False)
        try:
            index.health = examine(index.store, index.keyword, repair=True, served=bool(settings.chroma_url))
        except Exception as exc:  # chromadb raises many types for a damaged store
            index.close()
            raise IndexDamaged(f"cannot read the index at {settings.index_dir}: {exc}. {REPAIR}") from exc
        if not index.health.ok:
            index.close()
            problems = "; ".join(index.health.problems)
            raise IndexDamaged(
                f"the index at {settings.index_dir} is damaged: {problems}. {REPAIR}", index.health
            )
        for line in index.health.healed():
            log.warning("index %s: %s", settings.index_dir, line)
        return index

    @classmethod
    def check(cls, settings: Settings, embedder: CachedEmbedder, tokenizer: Tokenizer) -> HealthReport:
        """The check alone, changing nothing (`rag index --check`)."""
        if not index_exists(settings):
            return HealthReport(problems=(f"no index at {settings.index_dir}; build it with `rag index`",))
        try:
            index = cls(settings, embedder, tokenizer, chroma_dir(settings), create=False)
        except IndexUnavailable as exc:
            return HealthReport(problems=(str(exc),))
        try:
            return examine(index.store, index.keyword, repair=False, served=bool(settings.chroma_url))
        except Exception as exc:  # chromadb raises many types for a damaged store
            return HealthReport(problems=(f"cannot read the index: {exc}",))
        finally:
            index.close()

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
        self._searching.shutdown(wait=False)
        self.store.close()

    def sync(self, corpus: Corpus, chunker: Chunker, progress: Progress | None = None) -> SyncReport:
        """Questions go on while the files are chunked and embedded; they wait only for the
        store writes, and no question sees a file half-written. The row file is written
        after the store, and its rows of the files being written are not read meanwhile."""
        with self._syncing:
            plan = self.syncer.plan(corpus, chunker)
            rows = self.syncer.prepare(plan, progress)
            self.rows.begin(plan.sources)
            with self.lock.writing():
                keyword_changed = self.syncer.write(plan, rows)
                self.tables.after_sync(plan.written)
            if keyword_changed:
                self.keyword.save()
            self.rows.catch_up(self.keyword.current().ids, rows.stored())
            return self.syncer.finish(plan)

    def file_hashes(self) -> dict[str, str]:
        """Content hash of every indexed file, to recognise a duplicate upload."""
        return {source: held.file_hash for source, held in self.syncer.held_by_source().items()}

    # -- reading -----------------------------------------------------------------------

    def keyword_index(self, max_age_s: float = 5.0) -> KeywordIndex:
        return self.keyword.current(max_age_s)

    def count(self) -> int:
        return self.store.count()

    def chunk_ids(self) -> list[str]:
        return self.store.chunk_ids()

    def dense_search(
        self, vector: np.ndarray, k: int, sources: Collection[str] = ()
    ) -> list[tuple[str, float]]:
        return self._vectors(sources).search_chunks(vector, k, sources)[0]

    def sentence_search(
        self, vector: np.ndarray, k: int, sources: Collection[str] = ()
    ) -> list[tuple[str, float]]:
        return self._vectors(sources).search_sentences(vector, k, sources)[0]

    def dense_searches(
        self, vectors: np.ndarray, k: int, sources: Collection[str] = (), ahead: PassageTable | None = None
    ) -> tuple[list[list[tuple[str, float]]], list[list[tuple[str, float]]]]:
        """For each row of ``vectors``: the nearest chunks, and the chunks of the ``2 * k``
        nearest sentences. In the store, two calls however many rows, made side by side
        (Chroma releases the GIL: 4.0 ms one after the other, 2.7 ms side by side).
        ``ahead``: the question's read_ahead, which may hold the papers it names."""
        vectors_at = self._vectors(sources, ahead)
        if vectors_at is not self.store:
            return vectors_at.search_chunks(vectors, k, sources), vectors_at.search_sentences(
                vectors, 2 * k, sources
            )
        sentences = self._searching.submit(self.store.search_sentences, vectors, 2 * k, sources)
        return self.store.search_chunks(vectors, k, sources), sentences.result()

    def read_ahead(
        self, ids: Sequence[str], sources: Collection[str] = (), files: Collection[str] = ()
    ) -> PassageTable | None:
        """What a question will most likely read, read while the model embeds it (a core of
        its own, 30 ms): the chunks ``ids`` (its keyword hits), every chunk of the papers
        ``sources`` it names, with their vectors, and the chunks of ``files``. From the row
        file this is a few ms at 50,000 chunks (24 ms through Chroma); done later, the same
        reads kept a question 2.5 ms longer. None once the whole table is held: it holds all
        of that."""
        if self.tables.held() is not None:
            return None
        rest = self.tables.ids_in(files) if files else ()
        return PassageTable.of(self.rows, [*ids, *self._named(sources)], rest)

    def _named(self, sources: Collection[str]) -> list[str]:
        """The chunks of the papers a question names, if few enough to read for it."""
        named = sorted(self.tables.ids_in(sources)) if sources else []
        return named if len(named) <= SCOPE_READ_CHUNKS else []

    def _vectors(
        self, sources: Collection[str], ahead: PassageTable | None = None
    ) -> PassageTable | ChromaStore:
        """Where the vectors are searched: exactly in the whole passage table once it is held
        (rag.index.vector_matrix: 0.04 ms a question against 1.7 in Chroma); for a question
        that names a few papers, exactly in their chunks, read ahead or read now (at 50,000
        chunks Chroma's search filtered to one paper took 200 ms, reading its rows 5 ms);
        else in the store."""
        held = self.tables.held()
        if held is not None:
            return held
        named = self._named(sources)
        if not named:
            return self.store
        if ahead is not None and ahead.has_vectors(named):
            return ahead
        return PassageTable.of(self.rows, named)

    def keyword_search(self, text: str, k: int, sources: Collection[str] = ()) -> list[tuple[str, float]]:
        within = self.tables.ids_in(sources) if sources else None
        return self.keyword_index().search(self.tokenizer.tokens(text), k, within)

    def in_corpus(self, word: str) -> bool:
        """Whether the papers use ``word`` (every keyword it splits into is indexed)."""
        tokens = self.tokenizer.tokens(word)
        vocab = self.keyword_index().vocab
        return bool(tokens) and all(t in vocab for t in tokens)

    def term_coverage(self, query: str, chunk_ids: Sequence[str]) -> float:
        return self.keyword_index().coverage(self.tokenizer.tokens(query), chunk_ids)

    def papers(self) -> list[Paper]:
        return self.catalog.papers(self.keyword_index())
