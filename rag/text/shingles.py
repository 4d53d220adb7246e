"""Overlapping character runs, the one measure of how much two texts share.

Used to link a file to the paper it repeats (ingest), to drop a passage that repeats a better
one (retrieval) and to check a model's sentence against its passage (verification).
"""

from __future__ import annotations

import re

from .script import CJK

_NOT_WORD = re.compile(f"[^{CJK}A-Za-z0-9]+")


def compact(text: str) -> str:
    """The text's letters and digits only: extraction moves spaces and punctuation about."""
    return _NOT_WORD.sub("", text)


def shingles(text: str, size: int) -> set[str]:
    """Every run of ``size`` characters of the compacted text."""
    return runs(compact(text), size)


def runs(chars: str | list[str], size: int) -> set[str]:
    return {"".join(chars[i : i + size]) for i in range(max(len(chars) - size + 1, 0))}
