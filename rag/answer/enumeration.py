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
from ..text.script import has_cjk
from ..text.words import Tokenizer
from .base import Answerer, final_answer
from .english import lead

# How far (characters) a list may start after the sentence that anchors it: "……如下：" + items.
_REACH = 120
# Share of the parent heading's words the question must hold to list its subheadings: the
# question asks for what the heading names ("面临哪些制约与挑战" under "（二）制约与挑战").
HEADING_MATCH = 0.5
_MAX_FRAME = 40
# Characters an item's marker may take before the item ("(1) ", "第一，").
_MARKER = 6
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
        """The best list around the quoted sentence most like the question. Around the other
        quoted sentences only a list under a heading the question names counts: the lead-in
        "仍面临一些制约与挑战" may be quoted second, but a series in a sentence quoted second
        is no more than a sentence that resembles the question."""
        size = retrieval.reading.list_size
        # An English question is compared with the headings by its Chinese terms as well.
        terms = set(self.tokenizer.tokens(" ".join([retrieval.reading.query, *retrieval.terms])))
        candidates: list[tuple[float, Items]] = []
        for order, (passage, start) in enumerate(_anchors(base)):
            later = -0.01 * order
            end = next((s.end for s in passage.sentences if s.start == start), start)
            named = self._heading_named(passage, terms)
            for listed in inline_lists(passage.text) if order == 0 else ():
                first = listed.items[0][0]
                if _near(listed, start, end):
                    plain = replace(passage, highlights=())
                    # A list inside the very sentence that answers is the answer, before any headings.
                    within = ANCHORED if start <= first and listed.items[-1][1] <= end else 0.0
                    fit = _fit(len(listed.items), size) + within + later
                    candidates.append((fit, _inline(plain, listed)))
            spread = _section_list(passage, start, retrieval.file_passages, named)
            if spread is not None and (order == 0 or named):
                # More of the same list than one passage holds: a little better than its part.
                fit = _fit(len(spread.items), size) + later + 0.001 * len(spread.items)
                candidates.append((fit, spread))
            # Around a sentence quoted second, the question must hold all of the heading's words.
            need = HEADING_MATCH if order == 0 else 1.0
            headings = self._headings(passage, retrieval.outline, terms, need)
            if headings is not None:
                candidates.append((_fit(len(headings.items), size) + 0.5 + later, headings))
        if not candidates:
            return None
        score, best = max(candidates, key=lambda c: c[0])
        return best if score > 0 else None

    def _heading_named(self, passage: Passage, terms: set[str]) -> bool:
        return _overlap(terms, self.tokenizer.tokens(passage.section)) >= HEADING_MATCH

    def _headings(
        self, passage: Passage, outline: Sequence[Passage], terms: set[str], need: float
    ) -> Items | None:
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
                    or _overlap(terms, self.tokenizer.tokens(heads[parent][1].section)) < need
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


def _section_list(
    passage: Passage, start: int, chunks: Sequence[Passage], heading_named: bool
) -> Items | None:
    """A numbered list whose items open paragraphs of the passage's section, over several
    passages ("(1) 气候治理技术发展不平衡。……(2) 气候投资不均衡……"), each item cited to its own.

    The quoted sentence must introduce the list or be an item's own opening, unless the
    question names the section's heading: a sentence deep inside one item asks about that
    item, not for the list."""
    section = [c for c in chunks if c.source == passage.source and c.section == passage.section]
    joined = _joined(section) if len(section) > 1 else None
    if joined is None:
        return None
    text, base = joined
    at = passage.start + start - base
    end = at + next((s.end - s.start for s in passage.sentences if s.start == start), 0)
    for listed in inline_lists(text):
        if listed.family == "series" or not _near(listed, at, end) or listed.items[-1][1] <= at:
            continue
        opening = any(s - _MARKER <= at < s + len(own_clause(text[s:e])) for s, e in listed.items)
        if not (heading_named or opening or not _inside(listed, at)):
            continue
        items = []
        for item_start, item_end in listed.items:
            clause = own_clause(text[item_start:item_end])
            begin = base + text.find(clause, item_start)
            home = next((c for c in section if c.start <= begin and begin + len(clause) <= c.end), None)
            if home is None or not home.text[begin - home.start :].startswith(clause):
                break
            items.append((replace(home, highlights=()), begin - home.start, begin - home.start + len(clause)))
        else:
            return Items(text[listed.lead[0] : listed.lead[1]].strip(), tuple(items))
    return None


def _joined(chunks: Sequence[Passage]) -> tuple[str, int] | None:
    """The text of consecutive, overlapping chunks as printed once, and where it starts; None
    when the chunks' texts are not the file's characters at their offsets (then the items
    could not be cited where they stand)."""
    if any(len(c.text) != c.end - c.start for c in chunks):
        return None
    base = cursor = chunks[0].start
    text = ""
    for chunk in chunks:
        if chunk.start > cursor:
            return None
        if chunk.end > cursor:
            if not text.endswith(chunk.text[: cursor - chunk.start]):
                return None
            text += chunk.text[cursor - chunk.start :]
            cursor = chunk.end
    return text, base


def _near(listed: Listed, start: int, end: int) -> bool:
    """The list belongs to the sentence at ``start:end``: it is inside it, or its lead-in is
    that sentence or the next one ("…合作效率低下。主要表现为第一，…")."""
    if _inside(listed, start):
        return True
    return listed.lead[0] <= max(start, end) + 1 and listed.items[0][0] - start <= _REACH


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
    chinese = has_cjk("".join(pieces))
    body = ("；" if chinese or not english else "; ").join(pieces)
    text = f"{frame}：{body}。" if frame else f"{body}。"
    citations = tuple(cited[key] for key in sorted(numbers, key=numbers.__getitem__))
    if english and chinese:  # whose words these are, for a reader who does not read them
        text = f"{lead(citations[0], retrieval.catalog)} {text}"
    return replace(base, text=text, citations=citations)
