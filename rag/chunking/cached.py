"""Chunk boundaries remembered by content, so an unchanged file is not packed again."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from ..cache import SqliteCache, code_version
from ..config import Settings
from ..schema import Chunk, Document
from ..text import sentences
from . import sentence_chunker
from .sentence_chunker import SentenceChunker, chunks_at
from .tokens import TokenCounter


class CachedChunker:
    """Remembers where a document's chunks fall, by its text, headings and the budget.

    Packing sentences counts tokens over and over; at 50,000 chunks it is the slowest
    part of a re-index in which nothing changed. Ids are made fresh from the boundaries,
    so a renamed file costs nothing more.
    """

    def __init__(self, inner: SentenceChunker, store: SqliteCache) -> None:
        self.inner = inner
        self._store = store
        self._version = f"{code_version(sentence_chunker, sentences)}:{inner.signature}"

    def split_many(self, docs: Sequence[Document]) -> list[list[Chunk]]:
        keys = [self._key(doc) for doc in docs]
        found = self._store.get_many(keys)
        fresh: dict[str, bytes] = {}
        out = []
        for doc, key in zip(docs, keys, strict=True):
            if key in found:
                spans = [sentences.Span(start, end) for start, end in json.loads(found[key])]
            else:
                spans = self.inner.spans(doc)
                fresh[key] = json.dumps([(s.start, s.end) for s in spans]).encode()
            out.append(chunks_at(doc, spans))
        self._store.put_many(fresh)
        return out

    def _key(self, doc: Document) -> str:
        headings = json.dumps([(s.start, s.heading) for s in doc.sections], ensure_ascii=False)
        return hashlib.sha1(f"{self._version}\x00{doc.content_hash}\x00{headings}".encode()).hexdigest()


def make_sentence_chunker(settings: Settings) -> SentenceChunker:
    counter = TokenCounter(settings.tiktoken_encoding)
    return SentenceChunker(
        counter.count, settings.chunk_tokens, settings.chunk_overlap_sentences, settings.tiktoken_encoding
    )


def make_chunker(settings: Settings) -> CachedChunker:
    return CachedChunker(make_sentence_chunker(settings), SqliteCache(settings.parse_cache, "chunk_spans"))
