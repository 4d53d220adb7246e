"""The papers' side of the product: adding files to the corpus folder and re-indexing it."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

from .chunking import Chunker, within_budget
from .config import Settings
from .index import PaperIndex, Progress, SyncReport
from .ingest import SUPPORTED_SUFFIXES, Corpus, DocumentCache, Limits, is_corpus_file, load_corpus, load_files


class Library:
    def __init__(
        self, settings: Settings, index: PaperIndex, documents: DocumentCache, chunker: Chunker
    ) -> None:
        self.settings = settings
        self.index = index
        self.documents = documents
        self.chunker = chunker

    @staticmethod
    def corpus_of(settings: Settings, documents: DocumentCache, chunker: Chunker) -> Corpus:
        """The corpus folder's readable files within the per-file budgets."""
        corpus = load_corpus(settings.corpus_dir, documents, Limits.of(settings))
        return within_budget(corpus, chunker, settings.max_chunks_per_file)

    def reindex(self, progress: Progress | None = None) -> SyncReport:
        return self.index.sync(
            self.corpus_of(self.settings, self.documents, self.chunker), self.chunker, progress
        )

    def add_files(self, paths: Sequence[Path], progress: Progress | None = None) -> SyncReport:
        """Copy readable, new files into the corpus folder and index them.

        Every file given ends up indexed or in ``SyncReport.skipped`` with the reason. Bad
        files and duplicates never reach the corpus folder, and a copied file that the index
        then skips is taken out again, so the index and the folder stay in step.
        """
        given = [Path(p) for p in paths]
        skipped = {
            p.name: f"{p.name}: the corpus folder's own notes file, never indexed; rename it"
            for p in given
            if p.suffix.lower() in SUPPORTED_SUFFIXES and not is_corpus_file(p.name)
        }
        given = [p for p in given if p.name not in skipped]
        loaded = load_files(given, limits=Limits.of(self.settings))
        incoming = within_budget(loaded, self.chunker, self.settings.max_chunks_per_file)
        skipped.update(incoming.skipped)
        indexed = self.index.file_hashes()
        corpus_dir = self.settings.corpus_dir
        copied: list[Path] = []
        by_name = {p.name: p for p in reversed(given)}  # the first of a name is the one read
        for doc in incoming.documents:
            path = by_name[doc.source]
            twin = next((s for s, h in indexed.items() if h == doc.content_hash), None)
            if twin is not None:
                skipped[doc.source] = f"{doc.source}: duplicate of {twin}, already indexed"
                continue
            target = corpus_dir / path.name
            if target.exists() and target.resolve() != path.resolve():
                skipped[doc.source] = f"{doc.source}: a different file of that name is already in the corpus"
                continue
            corpus_dir.mkdir(parents=True, exist_ok=True)
            if target.resolve() != path.resolve():
                shutil.copyfile(path, target)
                copied.append(target)
        try:
            report = self.reindex(progress)
        except BaseException:
            _remove(copied)
            raise
        report.skipped.update(skipped)
        _remove([p for p in copied if p.name in report.skipped])
        return report


def _remove(paths: Sequence[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
