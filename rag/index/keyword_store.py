"""The keyword (BM25) index kept in line with the chunk store, saved beside it.

Only a sync writes it (``refresh``). A question reads it (``current``): when the store
changed under it (another process's upload, in server mode), the reader brings its own copy
up to date in memory and leaves the saved file to the next sync.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..schema import PaperRecord
from ..text.fields import RECORD_WINDOW, record_terms
from ..text.words import Tokenizer
from .keyword import KeywordIndex, fingerprint
from .store import ChromaStore


class KeywordStore:
    def __init__(self, folder: Path, store: ChromaStore, tokenizer: Tokenizer, served: bool) -> None:
        self.folder = folder
        self.store = store
        self.tokenizer = tokenizer
        # A server's chunks can change under the same count (another process replaced a file).
        self.served = served
        self._index: KeywordIndex | None = None
        self._checked = 0.0

    def saved(self) -> KeywordIndex | None:
        """The index as last saved (None when there is none or it is unreadable)."""
        if self._index is None:
            self._index = KeywordIndex.load(self.folder)
        return self._index

    def current(self, max_age_s: float = 5.0) -> KeywordIndex:
        """The index, checked against the store at most every ``max_age_s`` seconds."""
        index = self.saved()
        now = time.monotonic()
        if index is not None and now - self._checked < max_age_s:
            return index
        self._checked = now
        if index is None or not self._matches(index):
            self._index = index = self._caught_up(index)
        return index

    def _matches(self, index: KeywordIndex) -> bool:
        if len(index.ids) != self.store.count():
            return False
        return not self.served or index.fingerprint == fingerprint(self.store.chunk_ids())

    def refresh(self, rewritten: Iterable[str] = ()) -> KeywordIndex:
        """Brought in line with the store and saved."""
        index = self.update(rewritten)
        self.save()
        return index

    def update(self, rewritten: Iterable[str] = ()) -> KeywordIndex:
        """Brought in line with the store in memory, where readers see it at once: a sync's
        step inside the readers' lock."""
        self._index = self._caught_up(self.saved(), rewritten)
        self._checked = time.monotonic()
        return self._index

    def save(self) -> None:
        """The current index to its files, outside the readers' lock: a crash before it ends
        leaves an older file, which the next open finds and brings up to date."""
        self.remove_leftovers()
        if self._index is not None:
            self._index.save(self.folder)

    def remove_leftovers(self) -> list[str]:
        """Deletes what killed saves left behind; returns the file names."""
        removed = []
        for path in KeywordIndex.leftovers(self.folder):
            path.unlink(missing_ok=True)
            removed.append(path.name)
        return removed

    def _caught_up(self, current: KeywordIndex | None, rewritten: Iterable[str] = ()) -> KeywordIndex:
        """Only the chunks it lacks, or that were ``rewritten`` under the same id (new citation
        details), are read and tokenised: a changed file, or another process's upload, costs
        seconds at 50,000 chunks where tokenising every chunk again takes most of a minute.
        It starts from scratch when it has nothing to start from or most rows change.
        """
        ids = self.store.chunk_ids()
        known = set(current.ids) if current is not None else set()
        redo = set(rewritten)
        fresh = [chunk_id for chunk_id in ids if chunk_id not in known or chunk_id in redo]
        gone = (known - set(ids)) | (redo & known)
        if current is None or current.counts is None or 2 * (len(fresh) + len(gone)) > len(ids):
            data = self.store.read_all(["documents", "metadatas"])
            return KeywordIndex.build(data["ids"], _sources(data), self._tokens(data))
        data = self.store.read_ids(fresh, ["documents", "metadatas"])
        return current.updated(gone, data["ids"], _sources(data), self._tokens(data))

    def _tokens(self, data: dict[str, list[Any]]) -> list[list[str]]:
        """A chunk is found by its paper's title, its section, and, in a paper's head, by the
        names of the record fields it prints (a question asks for the "期刊", not the "出处")."""
        out = []
        for text, meta in zip(data["documents"], data["metadatas"], strict=True):
            record = PaperRecord.from_metadata(meta)
            fields = (
                record_terms(text, record.journal, record.doi) if int(meta["start"]) < RECORD_WINDOW else ""
            )
            out.append(self.tokenizer.tokens(f"{record.title} {meta.get('section', '')} {fields} {text}"))
        return out


def _sources(data: dict[str, list[Any]]) -> list[str]:
    return [str(meta["source"]) for meta in data["metadatas"]]
