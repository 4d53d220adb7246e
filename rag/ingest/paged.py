"""Text whose every character remembers the page it was printed on.

Cleaning deletes, replaces, inserts and moves characters (rejoined lines, footnotes held
after a paragraph), so a page's character range in the extracted text says nothing about
where it stands in the cleaned text. Carrying a page number with each character through the
same edits does: the cleaned text's page ranges are read off at the end.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..schema import PageSpan

Replacement = str | Callable[[re.Match[str]], str]


@dataclass(frozen=True)
class PagedText:
    """``pages[i]`` is the page number of ``text[i]``; inserted characters take their neighbour's."""

    text: str
    pages: tuple[int, ...]

    @classmethod
    def of_pages(cls, texts: Sequence[str], numbers: Sequence[int], separator: str = "\n\n") -> PagedText:
        """The pages' texts joined as one text, each separator counted to the page before it."""
        parts = [cls(text, (number,) * len(text)) for text, number in zip(texts, numbers, strict=True)]
        return cls.join(separator, parts)

    @classmethod
    def join(cls, separator: str, parts: Sequence[PagedText]) -> PagedText:
        text: list[str] = []
        pages: list[int] = []
        for n, part in enumerate(parts):
            if n and separator:
                text.append(separator)
                pages.extend((pages[-1] if pages else part._page_at(0),) * len(separator))
            text.append(part.text)
            pages.extend(part.pages)
        return cls("".join(text), tuple(pages))

    def __str__(self) -> str:
        return self.text

    def __radd__(self, other: str) -> PagedText:
        return PagedText(other + self.text, (self._page_at(0),) * len(other) + self.pages)

    def _page_at(self, i: int) -> int:
        if not self.pages:
            return 0
        return self.pages[min(i, len(self.pages) - 1)]

    def sub(self, pattern: re.Pattern[str], repl: Replacement) -> PagedText:
        """``pattern.sub(repl, text)``: a replacement of the same length keeps its characters'
        pages, any other takes the page its match starts on."""
        text: list[str] = []
        pages: list[int] = []
        position = 0
        for match in pattern.finditer(self.text):
            start, end = match.span()
            new = repl(match) if callable(repl) else match.expand(repl)
            text += [self.text[position:start], new]
            pages.extend(self.pages[position:start])
            same_length = len(new) == end - start
            pages.extend(self.pages[start:end] if same_length else (self._page_at(start),) * len(new))
            position = end
        if not position and not text:
            return self
        text.append(self.text[position:])
        pages.extend(self.pages[position:])
        return PagedText("".join(text), tuple(pages))

    def keep(self, wanted: Callable[[str], bool]) -> PagedText:
        kept = [i for i, ch in enumerate(self.text) if wanted(ch)]
        return PagedText("".join(self.text[i] for i in kept), tuple(self.pages[i] for i in kept))

    def split(self, separator: str) -> list[PagedText]:
        out = []
        position = 0
        for piece in self.text.split(separator):
            out.append(self[position : position + len(piece)])
            position += len(piece) + len(separator)
        return out

    def strip(self) -> PagedText:
        start = len(self.text) - len(self.text.lstrip())
        return self[start : start + len(self.text.strip())]

    def __getitem__(self, where: slice) -> PagedText:
        return PagedText(self.text[where], self.pages[where])

    def spans(self) -> tuple[PageSpan, ...]:
        """The runs of characters from one page, in text order (a page whose footnotes were
        moved has more than one)."""
        out: list[PageSpan] = []
        start = 0
        for i in range(1, len(self.pages) + 1):
            if i == len(self.pages) or self.pages[i] != self.pages[start]:
                out.append(PageSpan(start, i, self.pages[start]))
                start = i
        return tuple(out)
