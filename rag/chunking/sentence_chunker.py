"""Split cleaned documents into sentence-aligned chunks under a token budget.

Chunks never cut a sentence (a cited passage must read as whole sentences), never
cross a section heading (so each chunk has one section), and overlap by whole
sentences so that a fact at a boundary is whole in at least one chunk.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from itertools import pairwise
from typing import Protocol

from ..schema import Chunk, Document
from ..text.sentences import SOFT_BREAK, Span, sentence_spans, trimmed


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
        """A sentence longer than the budget is cut at commas (or, failing that, anywhere).

        Each cut is looked for in a window of 32 characters a token, so a sentence of a
        million characters (a file without full stops) costs linear time."""
        out: list[Span] = []
        window = 32 * self.max_tokens
        for span in spans:
            start = span.start
            while span.end - start > window or self.count_tokens(text[start : span.end]) > self.max_tokens:
                fits = self._longest_fit(text, start, min(span.end, start + window))
                breaks = [m.end() for m in SOFT_BREAK.finditer(text, start, fits)]
                cut = breaks[-1] if breaks and breaks[-1] - start > (fits - start) // 3 else fits
                if self.count_tokens(text[start:cut].rstrip()) > self.max_tokens:
                    cut = fits
                out.extend(trimmed(text, start, cut, cut - start))
                start = cut
                while start < span.end and text[start].isspace():
                    start += 1
            out.extend(trimmed(text, start, span.end, span.end - start))
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
                pages=doc.pages_between(span.start, span.end),
            )
        )
    return chunks
