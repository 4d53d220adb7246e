"""Remove a PDF's running headers and footers: the journal's name, the paper's short title and
the page number, printed again at the top or bottom of most pages.

Left in, they cut sentences that run across a page in two and get quoted as answers. A line
is running matter when, digits aside (the page number changes), the same line opens or closes
at least half of the pages.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

# How many lines at the top and at the bottom of a page can be running matter.
ZONE = 2
_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")


def drop_running_matter(pages: Sequence[str]) -> tuple[str, ...]:
    """The pages without the lines repeated at their tops or bottoms (a single page keeps all)."""
    if len(pages) < 2:
        return tuple(pages)
    zones = [_zone(_lines(page)) for page in pages]
    counts = Counter(key for zone in zones for key in {_key(line) for line in zone})
    needed = max(2, (len(pages) + 1) // 2)
    running = {key for key, n in counts.items() if n >= needed}
    return tuple(_without(page, running) for page in pages)


def _without(page: str, running: set[str]) -> str:
    lines = _lines(page)
    dropped = {i for i in _zone(range(len(lines))) if _key(lines[i]) in running}
    return "\n".join(line for i, line in enumerate(lines) if i not in dropped) if dropped else page


def _lines(page: str) -> list[str]:
    return [line for line in page.split("\n") if line.strip()]


def _zone(items: Sequence[T]) -> list[T]:
    """The items at the top and bottom of a page where running matter is printed."""
    return list(items) if len(items) <= 2 * ZONE else [*items[:ZONE], *items[-ZONE:]]


def _key(line: str) -> str:
    """A line as it repeats from page to page: its digits (the page number) and spaces aside."""
    return _DIGITS.sub("#", _SPACE.sub("", line))
