"""The index checks itself when it opens, cheaply, and heals what it can on the spot.

Counted, not read: the chunks and sentences against the per-file counts that each file's
first chunk records (rag.index.sync), and the keyword index's ids against the store's. A
few stored vectors are looked up by themselves, which damaged HNSW files fail. Only when a
count is off are the rows read to find the half-written files.

On the spot (``repair``, an embedded index): a half-written file is taken out (the next
sync adds it again, from the vector cache), the keyword index is brought up to date, and
the temporary files of killed saves are deleted. What cannot be healed here, a store whose
vectors cannot be found (or whose collections are gone: rag.index.store), is a problem that
`rag index` repairs by rebuilding. A server's index is checked but left to the process that writes it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from .keyword import KeywordIndex, fingerprint
from .keyword_store import KeywordStore
from .store import ChromaStore
from .sync import FILE_CHUNKS, FILE_SENTENCES


@dataclass(frozen=True)
class HealthReport:
    """What a check found: ``problems`` need `rag index`; the rest was healed or is a note."""

    chunks: int = 0
    sentences: int = 0
    keyword_ids: int | None = None  # None: no readable keyword index saved
    files: int = 0  # files whose first chunk is in
    dropped: tuple[str, ...] = ()  # half-written files taken out
    cleaned: tuple[str, ...] = ()  # temporary files of killed saves deleted
    notes: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    def healed(self) -> list[str]:
        """What the check changed, as lines for a log."""
        lines = []
        if self.dropped:
            lines.append(
                f"{len(self.dropped)} half-indexed file(s) taken out of the index: "
                f"{', '.join(self.dropped)}; `rag index` (or the next upload) adds them again"
            )
        if self.cleaned:
            lines.append(f"removed {len(self.cleaned)} leftover temporary file(s): {', '.join(self.cleaned)}")
        return [*lines, *self.notes]

    def lines(self) -> list[str]:
        keyword = "none" if self.keyword_ids is None else str(self.keyword_ids)
        counts = (
            f"{self.chunks} chunks, {self.sentences} sentences, {keyword} keyword ids, {self.files} files"
        )
        verdict = (
            "ok" if self.ok else f"damaged: repair it with `rag index` ({len(self.problems)} problem(s))"
        )
        return [f"{counts}: {verdict}", *(f"problem: {p}" for p in self.problems), *self.healed()]


def examine(store: ChromaStore, keyword: KeywordStore, repair: bool, served: bool) -> HealthReport:
    """The check; with ``repair`` (and an embedded index) it also heals what it can."""
    heal = repair and not served
    problems: list[str] = []
    notes: list[str] = []
    leftovers = KeywordIndex.leftovers(keyword.folder)
    cleaned = tuple(keyword.remove_leftovers()) if repair else ()  # the folder is this machine's
    if leftovers and not repair:
        problems.append(
            f"{len(leftovers)} leftover temporary file(s) of killed writes: {leftovers[0].name} …"
        )
    lost = store.lost_vectors()
    for name in lost:
        problems.append(
            f"the vector index of the collection {name!r} does not find its own vectors "
            "(HNSW segment files missing or damaged)"
        )
    if lost:  # healing the rest against a store that is to be rebuilt would spread the damage
        return HealthReport(store.count(), store.sentence_count(), cleaned=cleaned, problems=tuple(problems))
    heads = {
        str(meta["source"]): meta for meta in store.read_all(["metadatas"], {"position": 0})["metadatas"]
    }
    dropped: tuple[str, ...] = ()
    if not all(FILE_CHUNKS in meta for meta in heads.values()):
        notes.append("written before files recorded their counts: `rag index --rebuild` lets it check them")
    elif not served and _totals(store) != _recorded(heads.values()):
        half = _half_written(store, heads)
        if heal:
            for source in half:
                store.delete_source(source)
            dropped = tuple(half)
        elif half:
            problems.append(f"{len(half)} half-indexed file(s): {', '.join(half)}")
        kept = [meta for source, meta in heads.items() if source not in dropped]
        if heal and _totals(store) != _recorded(kept):
            problems.append("its chunk and sentence counts differ from those its files recorded")
    ids = store.chunk_ids()
    saved = keyword.saved()
    if not served and (saved is None or saved.fingerprint != fingerprint(ids)):
        if heal:
            saved = keyword.refresh()
            notes.append("the keyword index was behind the chunks and is brought up to date")
        else:
            held = "no keyword index" if saved is None else f"keyword ids for {len(saved.ids)} chunks"
            problems.append(f"{held}, but {len(ids)} chunks")
    return HealthReport(
        chunks=len(ids),
        sentences=store.sentence_count(),
        keyword_ids=None if saved is None else len(saved.ids),
        files=len(set(heads) - set(dropped)),
        dropped=dropped,
        cleaned=cleaned,
        notes=tuple(notes),
        problems=tuple(problems),
    )


def _totals(store: ChromaStore) -> tuple[int, int]:
    return store.count(), store.sentence_count()


def _recorded(heads: Any) -> tuple[int, int]:
    metas = list(heads)
    return sum(int(m[FILE_CHUNKS]) for m in metas), sum(int(m[FILE_SENTENCES]) for m in metas)


def _half_written(store: ChromaStore, heads: dict[str, dict[str, Any]]) -> list[str]:
    """The files whose rows differ from what their first chunk records (a file with rows but
    no first chunk records nothing): read row by row, only when the totals are off."""
    chunks = Counter(str(m["source"]) for m in store.read_all(["metadatas"])["metadatas"])
    sentences = Counter(str(m["source"]) for m in store.read_all(["metadatas"], sentences=True)["metadatas"])
    recorded = {source: (int(meta[FILE_CHUNKS]), int(meta[FILE_SENTENCES])) for source, meta in heads.items()}
    return sorted(
        source
        for source in set(chunks) | set(sentences) | set(recorded)
        if (chunks[source], sentences[source]) != recorded.get(source, (0, 0))
    )
