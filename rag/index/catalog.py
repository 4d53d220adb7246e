"""The papers in the index, read from each file's first chunk."""

from __future__ import annotations

from typing import Any

from ..schema import Paper, PaperRecord
from .store import ChromaStore


class Catalog:
    def __init__(self, store: ChromaStore) -> None:
        self.store = store
        self._papers: tuple[object, list[Paper]] | None = None

    def papers(self, version: object) -> list[Paper]:
        """One entry per paper, kept while ``version`` (the keyword index, replaced whenever
        the chunks change) stays the same object."""
        cached = self._papers
        if cached is not None and cached[0] is version:
            return cached[1]
        where: Any = {"position": 0}
        sources: dict[str, set[str]] = {}
        first: dict[str, dict[str, Any]] = {}
        for meta in self.store.read_all(["metadatas"], where)["metadatas"]:
            paper_id = str(meta.get("paper_id", meta["source"]))
            sources.setdefault(paper_id, set()).add(str(meta["source"]))
            first.setdefault(paper_id, dict(meta))
        papers = sorted(
            (
                Paper(paper_id, PaperRecord.from_metadata(meta), tuple(sorted(sources[paper_id])))
                for paper_id, meta in first.items()
            ),
            key=lambda paper: paper.sources,
        )
        self._papers = (version, papers)
        return papers
