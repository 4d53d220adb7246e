"""The papers' side of the product: adding files to the corpus folder and re-indexing it."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

from .chunking import Chunker
from .config import Settings
from .index import PaperIndex, Progress, SyncReport
from .ingest import DocumentCache, load_corpus, load_files
from .schema import Document


class Library:
    def __init__(
        self, settings: Settings, index: PaperIndex, documents: DocumentCache, chunker: Chunker
    ) -> None:
        self.settings = settings
        self.index = index
        self.documents = documents
        self.chunker = chunker

    def reindex(self, progress: Progress | None = None) -> SyncReport:
        return self.index.sync(load_corpus(self.settings.corpus_dir, self.documents), self.chunker, progress)

    def add_files(self, paths: Sequence[Path], progress: Progress | None = None) -> SyncReport:
        """Copy readable, new files into the corpus folder and index them.

        Bad files and duplicates are reported in ``SyncReport.skipped`` and never
        reach the corpus folder, so the index and the folder stay in step.
        """
        incoming = load_files([Path(p) for p in paths])
        indexed = self.index.file_hashes()
        corpus_dir = self.settings.corpus_dir
        skipped = dict(incoming.skipped)
        for doc, path in zip(incoming.documents, _paths_of(incoming.documents, paths), strict=True):
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
        report = self.reindex(progress)
        report.skipped.update(skipped)
        return report


def _paths_of(documents: Sequence[Document], paths: Sequence[Path]) -> list[Path]:
    by_name = {Path(p).name: Path(p) for p in paths}
    return [by_name[doc.source] for doc in documents]
