"""Answers to list questions ("哪三个维度", "有哪些路径", "what dilemmas"): the items, each cited.

The sentence answerer finds where the papers answer (its best sentence, with its calibrated
refusal); this one then looks around that sentence for the list it belongs to: numbered items
in the passage ("1. … 2. …", "第一，…", "一是…", "首先…最后"), a series after a colon, or the
numbered subheadings of the section ("（一）…（二）…"). The answer is the items, each cut to its
own clause and cited, with the lead-in at most as a frame. Without such a list the sentence
answer stands.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from ..schema import Answer, Passage, Retrieval
from ..text.lists import HEADING_ORDER, Listed, heading_level, inline_lists, own_clause, without_marker
from ..text.words import Tokenizer
from .base import Answerer, final_answer

# How far (characters) a list may start after the sentence that anchors it: "……如下：" + items.
_REACH = 120
# Share of the parent heading's words the question must hold to list its subheadings: the
# question asks for what the heading names ("面临哪些制约与挑战" under "（二）制约与挑战").
HEADING_MATCH = 0.5
_MAX_FRAME = 40
# How much a list in the answering sentence itself is preferred (the section's subheadings: 0.5).
ANCHORED = 1.0
_DANGLING = ("从", "在", "对", "向", "为", "即", "有", "包括", "包含", "存在", "面临")


@dataclass(frozen=True)
class Items:
    """A list to answer with: its frame, and each item as (passage, start, end) to quote and cite."""

    frame: str
    items: tuple[tuple[Passage, int, int], ...]
    # A series ("共生单元、共生模式和共生环境") is quoted as printed: the sentence holding it
    # (these offsets), its items highlighted.
    series: tuple[int, int] | None = None


class EnumerationAnswerer:
    """``sentences`` finds where the papers answer; ``otherwise`` answers when there is no list
    (the same extractive answerer, or the LLM one)."""

    def __init__(self, tokenizer: Tokenizer, sentences: Answerer, otherwise: Answerer | None = None) -> None:
        self.tokenizer = tokenizer
        self.sentences = sentences
        self.otherwise = otherwise or sentences

    def answer(self, retrieval: Retrieval) -> Answer:
        return final_answer(self.stream(retrieval))

    def stream(self, retrieval: Retrieval) -> Iterator[str | Answer]:
        base = self.sentences.answer(retrieval)
        found = self._items(retrieval, base) if base.found else None
        if found is None and self.otherwise is not self.sentences:
            yield from self.otherwise.stream(retrieval)
            return
        answer = _compose(retrieval, found, base) if found else base
        yield answer.text
        yield answer

    def _items(self, retrieval: Retrieval, base: Answer) -> Items | None:
        """The best list around any quoted sentence, the one most like the question first: the
        lead-in "仍面临一些制约与挑战" may be quoted second, after a sentence that only resembles it."""
        size = retrieval.reading.list_size
        terms = set(self.tokenizer.tokens(retrieval.reading.query))
        candidates: list[tuple[float, Items]] = []
        for order, (passage, start) in enumerate(_anchors(base)):
            later = -0.01 * order
            end = next((s.end for s in passage.sentences if s.start == start), start)
            for listed in inline_lists(passage.text):
                first = listed.items[0][0]
                if (listed.lead[0] <= start + 1 and first - start <= _REACH) or _inside(listed, start):
                    plain = replace(passage, highlights=())
                    # A list inside the very sentence that answers is the answer, before any headings.
                    within = ANCHORED if start <= first and listed.items[-1][1] <= end else 0.0
                    fit = _fit(len(listed.items), size) + within + later
                    candidates.append((fit, _inline(plain, listed)))
            headings = self._headings(passage, retrieval.outline, terms)
            if headings is not None:
                candidates.append((_fit(len(headings.items), size) + 0.5 + later, headings))
        if not candidates:
            return None
        score, best = max(candidates, key=lambda c: c[0])
        return best if score > 0 else None

    def _headings(self, passage: Passage, outline: Sequence[Passage], terms: set[str]) -> Items | None:
        """The subheadings of the section the passage is in (or of its parent section), when the
        question asks for what that section's heading names ("优化路径有哪些" under
        "四、中国与中亚国家加强气候合作的优化路径")."""
        opened = [p for p in outline if p.source == passage.source]
        heads = [(heading_level(p.section), p) for p in opened]
        for n, ((family, _), opening) in enumerate(heads):
            if opening.section != passage.section or not family:
                continue
            # The passage's own section, and the one above it, may each be the parent.
            parents = [n, *[m for m in range(n - 1, -1, -1) if _outer(heads[m][0][0], family)][:1]]
            for parent in parents:
                children = _children(heads, parent)
                if (
                    len(children) < 2
                    or _overlap(terms, self.tokenizer.tokens(heads[parent][1].section)) < HEADING_MATCH
                ):
                    continue
                frame = without_marker(heads[parent][1].section)
                items = tuple((p, 0, len(p.section)) for p in children)
                return Items(frame, items)
        return None


def _anchors(base: Answer) -> list[tuple[Passage, int]]:
    """The quoted sentences (passage, start), most like the question first: where a list may be."""
    scored = [
        (s.similarity, passage, start)
        for passage in base.citations
        for start, _ in passage.highlights
        for s in passage.sentences
        if s.start == start
    ]
    if not scored:
        first = base.citations[0]
        return [(first, first.highlights[0][0] if first.highlights else 0)]
    scored.sort(key=lambda t: -t[0])
    return [(passage, start) for _, passage, start in scored]


def _inside(listed: Listed, offset: int) -> bool:
    return any(start <= offset < end for start, end in listed.items)


def _fit(found: int, asked: int) -> float:
    """A list with the number of items the question asks for fits best; a wrong count, not at all."""
    if not asked:
        return 1.0
    return 2.0 if found == asked else -1.0


def _outer(family: str, than: str) -> bool:
    return (
        family in HEADING_ORDER
        and than in HEADING_ORDER
        and HEADING_ORDER.index(family) < HEADING_ORDER.index(than)
    )


def _children(heads: list[tuple[tuple[str, int], Passage]], parent: int) -> list[Passage]:
    """The run of same-family headings numbered 1, 2, 3 … right under heading ``parent``."""
    family = heads[parent][0][0]
    kids: list[Passage] = []
    child_family = ""
    for (kind, number), opening in heads[parent + 1 :]:
        if kind == family or _outer(kind, family):
            break
        if not child_family and number == 1:
            child_family = kind
        if kind == child_family and number == len(kids) + 1:
            kids.append(opening)
    return kids


def _overlap(terms: set[str], tokens: list[str]) -> float:
    named = set(tokens)
    return len(terms & named) / len(named) if named else 0.0


def _inline(passage: Passage, listed: Listed) -> Items:
    frame = passage.text[listed.lead[0] : listed.lead[1]].strip()
    if listed.family == "series":
        stop = passage.text.find("。", listed.items[-1][1])
        sentence = (listed.lead[0], stop + 1 if stop >= 0 else len(passage.text))
        return Items("", tuple((passage, start, end) for start, end in listed.items), series=sentence)
    items = []
    for start, end in listed.items:
        clause = own_clause(passage.text[start:end])
        at = passage.text.find(clause, start)
        items.append((passage, at, at + len(clause)))
    return Items(frame, tuple(items))


def _compose(retrieval: Retrieval, found: Items, base: Answer) -> Answer:
    """ "{frame}：item[1]；item[2]。" with markers numbered by first use, items highlighted."""
    english = retrieval.reading.english
    numbers: dict[str, int] = {}
    cited: dict[str, Passage] = {}
    pieces = []
    if found.series:
        passage = found.items[0][0]
        start, end = found.series
        cited[passage.chunk_id] = passage.highlighted([(s, e) for _, s, e in found.items])
        numbers[passage.chunk_id] = 1
        pieces.append(f"{passage.text[start:end].strip().rstrip('。')}[1]")
    for passage, start, end in () if found.series else found.items:
        key = passage.chunk_id
        cited[key] = cited.get(key, passage).highlighted([(start, end)])
        item = passage.text[start:end].strip().rstrip("。；;，,")
        pieces.append(f"{item}[{numbers.setdefault(key, len(numbers) + 1)}]")
    frame = re.sub(r"[：:，,。\s]+$", "", found.frame)
    if len(frame) > _MAX_FRAME or len(frame) < 4 or frame.endswith(_DANGLING):
        frame = ""  # a long lead-in, or one that needs its items to read ("从…"), frames nothing
    body = ("; " if english and not any("\u4e00" <= ch <= "\u9fff" for ch in "".join(pieces)) else "；").join(
        pieces
    )
    text = f"{frame}：{body}。" if frame else f"{body}。"
    citations = tuple(cited[key] for key in sorted(numbers, key=numbers.__getitem__))
    return replace(base, text=text, citations=citations)
