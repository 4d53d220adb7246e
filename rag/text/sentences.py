"""Where sentences end, for the three readers of a sentence.

* ``sentence_spans``: the sentences a chunk is packed from and the answer quotes. A Chinese
  sentence ends at 。！？； (plus closing quotes); an English one at .?! followed by white
  space or the end, so 11.7%, 1.1 headings, DOIs and URLs stay whole. Inside a line, ". " after
  a Chinese character separates the fields of a reference entry (GB/T 7714: "张建平, 张旭.
  题名. 刊名, 2023"), not sentences.
* ``LINE_END``: the characters after which a broken line is not continued (cleaning): a
  line ending in ： or ） is finished even though it is no sentence end for the chunker.
* ``CLAIM_END``: where a language model's claim ends (verification). Unlike the chunker,
  "；" does not end a claim: a model cites a ；-joined sentence once, at its end.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from .script import CJK

# "Vol. 33", "pp. 50", "Zhang et al. (2026)", "e.g. this": a full stop after these ends no sentence.
_ABBREVIATIONS = ("Vol", "vol", "No", "no", "pp", "al", "Fig", "Eq", r"e\.g", r"i\.e")
_ABBREVIATED = "".join(rf"(?<!\b{a})" for a in _ABBREVIATIONS)
# "1. 主体多元性" and "(2) ..." number the items of a list; a lone digit before the stop is no sentence.
_LIST_NUMBER = r"(?<![\s：:；;，,（(]\d)(?<![\s：:；;，,（(]\d\d)(?<!^\d)(?<!^\d\d)"
_SENTENCE_END = re.compile(
    rf"[。！？；!?][”’」』）)\"']*|(?<![A-Z{CJK}]){_ABBREVIATED}{_LIST_NUMBER}\.(?=\s|$)[\"'”’)]*"
    rf"|(?<=[{CJK}])\.(?=\n|$)|…{{1,2}}[”’]?|\n",
    re.M,
)
SOFT_BREAK = re.compile(r"[，、：,:]")
LINE_END = "。！？；：”」』）)"
CLAIM_END = re.compile(rf"[。！？!?]+[”’」』）)\"']*|(?<![A-Z]){_ABBREVIATED}\.(?=\s|$)[\"'”’)]*|\n")


@dataclass(frozen=True)
class Span:
    start: int
    end: int


def sentence_spans(text: str, max_chars: int = 400) -> list[Span]:
    """Sentences as character spans of ``text``; over-long ones are cut at commas."""
    spans: list[Span] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        spans.extend(trimmed(text, start, match.end(), max_chars))
        start = match.end()
    spans.extend(trimmed(text, start, len(text), max_chars))
    return spans


def trimmed(text: str, start: int, end: int, max_chars: int) -> Iterator[Span]:
    """The span without its outer white space, cut at a comma every ``max_chars``."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start >= end:
        return
    while end - start > max_chars:
        window = text[start : start + max_chars]
        breaks = [m.end() for m in SOFT_BREAK.finditer(window)]
        cut = start + (breaks[-1] if breaks and breaks[-1] > max_chars // 3 else max_chars)
        yield Span(start, cut)
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if start < end:
        yield Span(start, end)
