"""Split cleaned documents into sentence-aligned chunks under a token budget.

Chunks never cut a sentence (a cited passage must read as whole sentences), never
cross a section heading (so each chunk has one section), and overlap by whole
sentences so that a fact at a boundary is whole in at least one chunk.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Protocol

from .cache import SqliteCache, code_version
from .cleaning import CJK
from .config import Settings
from .schema import Chunk, Document
from .tokens import TokenCounter

# A Chinese sentence ends at 。！？； (plus closing quotes); an English one at .?! followed
# by white space or the end, so 11.7%, 1.1 headings, DOIs and URLs stay whole. Inside a
# line, ". " after a Chinese character separates the fields of a reference entry (GB/T 7714:
# "张建平, 张旭. 题名. 刊名, 2023"), not sentences.
_SENTENCE_END = re.compile(
    rf"[。！？；!?][”’」』）)\"']*|(?<![A-Z{CJK}])\.(?=\s|$)[\"'”’)]*|(?<=[{CJK}])\.(?=\n|$)|…{{1,2}}[”’]?|\n"
)
_SOFT_BREAK = re.compile(r"[，、：,:]")


@dataclass(frozen=True)
class Span:
    start: int
    end: int


def sentence_spans(text: str, max_chars: int = 400) -> list[Span]:
    """Sentences as character spans of ``text``; over-long ones are cut at commas."""
    spans: list[Span] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        spans.extend(_trimmed(text, start, match.end(), max_chars))
        start = match.end()
    spans.extend(_trimmed(text, start, len(text), max_chars))
    return spans


def _trimmed(text: str, start: int, end: int, max_chars: int) -> Iterator[Span]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start >= end:
        return
    while end - start > max_chars:
        window = text[start : start + max_chars]
        breaks = [m.end() for m in _SOFT_BREAK.finditer(window)]
        cut = start + (breaks[-1] if breaks and breaks[-1] > max_chars // 3 else max_chars)
        yield Span(start, cut)
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if start < end:
        yield Span(start, end)


def chunk_id(source: str, text: str) -> str:
    """Stable across runs and re-orderings: the same text in the same file keeps its id."""
    return hashlib.sha1(f"{source}\x00{text}".encode()).hexdigest()[:20]


class Chunker(Protocol):
    def split_many(self, docs: Sequence[Document]) -> list[list[Chunk]]: ...


class SentenceChunker:
    """Pack whole sentences into chunks of at most ``max_tokens`` tokens.

    ``token_scheme`` names how ``count_tokens`` counts (the tiktoken encoding), so that
    cached chunk boundaries are only reused for the same budget in the same tokens.
    """

    def __init__(
        self,
        count_tokens: Callable[[str], int],
        max_tokens: int = 160,
        overlap_sentences: int = 1,
        token_scheme: str = "",
    ) -> None:
        if max_tokens < 16:
            raise ValueError("chunk_tokens must be at least 16")
        self.count_tokens = count_tokens
        self.max_tokens = max_tokens
        self.overlap = overlap_sentences
        self.token_scheme = token_scheme or getattr(count_tokens, "__qualname__", "custom")

    @property
    def signature(self) -> str:
        return f"{self.token_scheme}:{self.max_tokens}:{self.overlap}"

    def split(self, doc: Document) -> list[Chunk]:
        return chunks_at(doc, self.spans(doc))

    def split_many(self, docs: Sequence[Document]) -> list[list[Chunk]]:
        return [self.split(doc) for doc in docs]

    def spans(self, doc: Document) -> list[Span]:
        """Where each chunk starts and ends in ``doc.text``."""
        return [
            Span(group[first].start, group[last].end)
            for group in self._section_groups(doc)
            for first, last in self._pack(doc.text, group)
        ]

    def _section_groups(self, doc: Document) -> list[list[Span]]:
        bounds = sorted({s.start for s in doc.sections} | {0, len(doc.text)})
        groups: list[list[Span]] = []
        for lo, hi in pairwise(bounds):
            # No cut by characters: the token budget decides which sentences are too long.
            sentences = [Span(lo + s.start, lo + s.end) for s in sentence_spans(doc.text[lo:hi], hi - lo)]
            spans = self._within_budget(doc.text, sentences)
            if spans:
                groups.append(spans)
        return groups

    def _within_budget(self, text: str, spans: list[Span]) -> list[Span]:
        """A sentence longer than the budget is cut at commas (or, failing that, anywhere)."""
        out: list[Span] = []
        for span in spans:
            start = span.start
            while self.count_tokens(text[start : span.end]) > self.max_tokens:
                fits = self._longest_fit(text, start, span.end)
                breaks = [m.end() for m in _SOFT_BREAK.finditer(text, start, fits)]
                cut = breaks[-1] if breaks and breaks[-1] - start > (fits - start) // 3 else fits
                if self.count_tokens(text[start:cut].rstrip()) > self.max_tokens:
                    cut = fits
                out.extend(_trimmed(text, start, cut, cut - start))
                start = cut
                while start < span.end and text[start].isspace():
                    start += 1
            out.extend(_trimmed(text, start, span.end, span.end - start))
        return out

    def _longest_fit(self, text: str, start: int, end: int) -> int:
        """The furthest end whose text from ``start`` is within the budget (at least one character)."""
        lo, hi = start + 1, end
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.count_tokens(text[start:mid].rstrip()) <= self.max_tokens:
                lo = mid
            else:
                hi = mid - 1
        return lo

    def _pack(self, text: str, spans: list[Span]) -> Iterator[tuple[int, int]]:
        # Tokens are not additive (the white space between sentences, merges across
        # them), so a candidate chunk is measured as the text it would be.
        def fits(first: int, last: int) -> bool:
            return self.count_tokens(text[spans[first].start : spans[last].end]) <= self.max_tokens

        first = 0
        while first < len(spans):
            last = first
            while last + 1 < len(spans) and fits(first, last + 1):
                last += 1
            yield first, last
            if last + 1 >= len(spans):
                return
            first = max(last + 1 - self.overlap, first + 1)
            while first <= last and not fits(first, last + 1):
                first += 1


def chunks_at(doc: Document, spans: list[Span]) -> list[Chunk]:
    chunks: list[Chunk] = []
    repeats: dict[str, int] = {}
    for span in spans:
        text = doc.text[span.start : span.end]
        # A passage repeated in one file (a page extracted twice) needs its own id.
        repeat = repeats[text] = repeats.get(text, -1) + 1
        chunks.append(
            Chunk(
                chunk_id=chunk_id(doc.source, f"{text}\x00{repeat}" if repeat else text),
                source=doc.source,
                text=text,
                start=span.start,
                end=span.end,
                section=doc.section_at(span.start),
                position=len(chunks),
                metadata=doc.citation_metadata(),
            )
        )
    return chunks


class CachedChunker:
    """Remembers where a document's chunks fall, by its text, headings and the budget.

    Packing sentences counts tokens over and over; at 50,000 chunks it is the slowest
    part of a re-index in which nothing changed. Ids and citation details are made
    fresh from the boundaries, so a renamed file or a changed record costs nothing more.
    """

    def __init__(self, inner: SentenceChunker, store: SqliteCache) -> None:
        self.inner = inner
        self._store = store
        self._version = f"{code_version(sys.modules[__name__])}:{inner.signature}"

    def split_many(self, docs: Sequence[Document]) -> list[list[Chunk]]:
        keys = [self._key(doc) for doc in docs]
        found = self._store.get_many(keys)
        fresh: dict[str, bytes] = {}
        out = []
        for doc, key in zip(docs, keys, strict=True):
            if key in found:
                spans = [Span(start, end) for start, end in json.loads(found[key])]
            else:
                spans = self.inner.spans(doc)
                fresh[key] = json.dumps([(s.start, s.end) for s in spans]).encode()
            out.append(chunks_at(doc, spans))
        self._store.put_many(fresh)
        return out

    def _key(self, doc: Document) -> str:
        sections = json.dumps([(s.start, s.heading) for s in doc.sections], ensure_ascii=False)
        return hashlib.sha1(f"{self._version}\x00{doc.content_hash}\x00{sections}".encode()).hexdigest()


def sentence_chunker(settings: Settings) -> SentenceChunker:
    counter = TokenCounter(settings.tiktoken_encoding)
    return SentenceChunker(
        counter.count, settings.chunk_tokens, settings.chunk_overlap_sentences, settings.tiktoken_encoding
    )


def make_chunker(settings: Settings) -> CachedChunker:
    return CachedChunker(sentence_chunker(settings), SqliteCache(settings.parse_cache, "chunk_spans"))
