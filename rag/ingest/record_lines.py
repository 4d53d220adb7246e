"""The labelled lines of a paper's record, read from its cleaned text with where they stand.

Papers print most of their record as labelled lines (关键词：…, 基金项目：…, 收稿日期：…,
作者简介：…, Keywords: …), in citation lines (《太平洋学报》,2025年第4期,第50-62页; "Journal,
2023, 38(9): 1407-1415"; "*Pacific Journal*, Vol.33, No.4, 2025, pp.50-62"; "Recommended
Citation … Vol. 38 : Iss. 9"), in an article number (1000-2820(2026)01-0080-12: year, issue,
first page and page count) and, on a catalogue page, as a label on a line of its own with the
values on the lines below ("关键词" then one keyword a line). Each rule below reads one of those
forms; what no rule finds stays empty.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..text.script import CJK

_LEAD = r"^[\s*#]*"
_KEYWORDS = re.compile(_LEAD + r"关\s*键\s*词\s*[:：]?\s*(.*)$")
_KEYWORDS_EN = re.compile(_LEAD + r"Key\s*words?\s*[:：]?\s*(.*)$", re.I)
_FUNDING = re.compile(_LEAD + r"(?:基金项目|资助项目|基金)\s*[:：]?\s*(.*)$")
_BIOGRAPHY = re.compile(_LEAD + r"(?:作者简介|作者介绍)\s*[:：]\s*(.+)$")
_RECEIVED = re.compile(r"收稿日期\s*[:：]\s*([0-9年月日\-./ ]{6,})")
_REVISED = re.compile(r"(?:修订日期|修回日期|修改稿收到日期)\s*[:：]\s*([0-9年月日\-./ ]{6,})")
_ARTICLE_NO = re.compile(
    r"文章编号\s*[:：]\s*\d{4}-\d{3}[\dX]\s*[（(]((?:19|20)\d{2})[)）]\s*(\d{1,2})-(\d{3,4})-(\d{1,3})"
)
_ISSUE_PAGES = re.compile(
    r"((?:19|20)\d{2})\s*年\s*第\s*(\d{1,2})\s*期\s*[，,]?\s*第?\s*(\d{1,4}\s*[-–—]\s*\d{1,4})\s*页?"
)
_VOLUME_ISSUE_PAGES = re.compile(
    r"((?:19|20)\d{2})\s*[，,]\s*(\d{1,3})\s*[（(](\d{1,2})[)）]\s*[:：]\s*(\d{1,4}\s*[-–]\s*\d{1,4})"
)
# A reference-list entry or a footnote prints another work's record, not this paper's.
_REFERENCE_ENTRY = re.compile(r"^\s*(?:-\s*)?(?:\[\d+\]|[①-⑳])")
_BIOGRAPHY_WORDS = re.compile(r"研究员|教授|博士|硕士|院士|讲师|主任")
_RESEARCH = re.compile(r"研究领域|研究方向|从事")
_ENGLISH_JOURNAL = re.compile(r"^[A-Z][A-Za-z ,.()&-]{8,120}$")
_EN_CITATION = re.compile(
    r"[\"“](?P<title>[^\"”]{10,200}?)[,，]?[\"”]\s*[,，]?\s*\*?(?P<journal>[A-Z][^*:,]{3,80}?)\*?\s*[:,]\s*"
    r"Vol\.?\s*(?P<volume>\d{1,3})\s*[:,]?\s*(?:No|Iss)\.?\s*(?P<issue>\d{1,2})"
    r"(?:\s*,\s*(?:19|20)\d{2}\s*,\s*pp\.\s*(?P<pages>\d{1,4}\s*[-–]\s*\d{1,4}))?"
)
_EN_NAME = re.compile(r"\b([A-Z]{2,}),?\s+([A-Z][a-z]+(?:-[A-Za-z]+)?)\b|\b([A-Z][a-z]+)\s+([A-Z]{2,})\b")
_LIST_SPLIT = re.compile(r"\s*[；;，,、]\s*")
# A grant ends with its number in brackets: "…青年基金“…”(24YJCGJW008)".
_GRANT = re.compile(r"(?:本文系|本文为|本研究为)?\s*(?P<grant>[^；;。]*?[（(][A-Z0-9]{4,}[)）])")
_BIOGRAPHY_START = re.compile(rf"[；;]\s*(?=[{CJK}]{{2,4}}\s*[（(]\s*\d{{4}})")
_BIOGRAPHY_WORDS = re.compile(r"研究员|教授|博士|硕士|院士|讲师|主任")
_RESEARCH = re.compile(r"研究领域|研究方向|从事")
_ENGLISH_JOURNAL = re.compile(r"^[A-Z][A-Za-z ,.()&-]{8,120}$")
_CATALOGUE_LABELS = ("作者", "出处", "基金", "关键词", "摘要", "机构", "作者单位", "分类号")


@dataclass(frozen=True)
class Found:
    """One field as a line prints it: its value and the span of text that prints it."""

    field: str
    value: str | tuple[str, ...]
    start: int
    end: int


@dataclass(frozen=True)
class _Line:
    start: int
    text: str

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def lines_of(text: str) -> list[_Line]:
    out, offset = [], 0
    for line in text.split("\n"):
        if line.strip():
            lead = len(line) - len(line.lstrip())
            out.append(_Line(offset + lead, line.strip()))
        offset += len(line) + 1
    return out


def labelled_fields(text: str, authors: tuple[str, ...], head: int) -> Iterator[Found]:
    """Every record field the labelled lines of ``text`` print, in the order they stand. Citation
    lines count only in the first ``head`` characters, where a paper prints its own."""
    lines = lines_of(text)
    for n, line in enumerate(lines):
        yield from _on_line(line, lines[n + 1 : n + 40], authors)
        if line.start < head and not _REFERENCE_ENTRY.match(line.text):
            yield from _citation_forms(line, lines[n + 1 : n + 4])


def _on_line(line: _Line, after: list[_Line], authors: tuple[str, ...]) -> Iterator[Found]:
    text = line.text
    if m := _KEYWORDS.match(text):
        yield from _listed("keywords", line, m, after)
    elif m := _KEYWORDS_EN.match(text):
        yield from _listed("keywords_en", line, m, after)
    elif m := _FUNDING.match(text):
        value, span = (m.group(1), line) if m.group(1).strip() else _next_value(after)
        grants = tuple(g.group("grant").strip(" 和及与、，,") for g in _GRANT.finditer(value))
        if grants:
            yield Found("funding", grants, span.start, span.end)
    elif m := _BIOGRAPHY.match(text):
        each = tuple(p.strip() for p in _BIOGRAPHY_START.split(m.group(1)))
        yield Found("biographies", each, line.start, line.end)
        for bio in each:  # and where each author's own biography stands
            at = text.find(bio)
            yield Found("biographies", each, line.start + at, line.start + at + len(bio))
    elif _is_unlabelled_biography(text, authors):
        yield Found("biographies", (text,), line.start, line.end)
    if m := _RECEIVED.search(text):
        yield Found("received", _date(m.group(1)), line.start, line.end)
    if m := _REVISED.search(text):
        yield Found("revised", _date(m.group(1)), line.start, line.end)
    if m := _ARTICLE_NO.search(text):
        first, count = int(m.group(3)), int(m.group(4))
        yield Found("pages", f"{first}-{first + count - 1}", line.start, line.end)


def _citation_forms(line: _Line, after: list[_Line]) -> Iterator[Found]:
    """The paper's own citation lines: issue and pages, volume, its English title and journal."""
    text = line.text
    if m := _ISSUE_PAGES.search(text):
        yield Found("pages", _page_range(m.group(3)), line.start, line.end)
        english = next((a for a in after[:2] if _ENGLISH_JOURNAL.match(a.text)), None)
        if english is not None:
            yield Found("journal_en", english.text, english.start, english.end)
    if m := _VOLUME_ISSUE_PAGES.search(text):
        yield Found("volume", m.group(2), line.start, line.end)
        yield Found("pages", _page_range(m.group(4)), line.start, line.end)
    if m := _EN_CITATION.search(text):
        yield Found("title_en", m.group("title").strip(), line.start, line.end)
        yield Found("journal_en", m.group("journal").strip(), line.start, line.end)
        yield Found("volume", m.group("volume"), line.start, line.end)
        if m.group("pages"):
            yield Found("pages", _page_range(m.group("pages")), line.start, line.end)
        names = english_names(text[: m.start()])
        if names:
            yield Found("authors_en", names, line.start, line.end)


def _page_range(raw: str) -> str:
    return re.sub(r"\s+", "", raw).replace("–", "-").replace("—", "-")


def _listed(name: str, line: _Line, match: re.Match[str], after: list[_Line]) -> Iterator[Found]:
    """Keywords on the label's line, or (a catalogue page) one a line below it."""
    if match.group(1).strip():
        items = tuple(k.strip(" .。") for k in _LIST_SPLIT.split(match.group(1)) if k.strip(" .。"))
        yield Found(name, items, line.start, line.end)
        return
    below = []
    for other in after:
        if other.text in _CATALOGUE_LABELS or len(other.text) > 40 or _KEYWORDS_EN.match(other.text):
            break
        below.append(other)
    if not below:
        return
    if name == "keywords" and len(below) > 1 and _KEYWORDS_EN.match(below[0].text) is None:
        chinese = [b for b in below if re.search(f"[{CJK}]", b.text)]
        english = [b for b in below if not re.search(f"[{CJK}]", b.text)]
        if chinese:
            yield Found("keywords", tuple(b.text for b in chinese), chinese[0].start, chinese[-1].end)
        if english:
            yield Found("keywords_en", tuple(b.text for b in english), english[0].start, english[-1].end)
        return
    yield Found(name, tuple(b.text for b in below), below[0].start, below[-1].end)


def _next_value(after: list[_Line]) -> tuple[str, _Line]:
    return (after[0].text, after[0]) if after else ("", _Line(0, ""))


def _is_unlabelled_biography(text: str, authors: tuple[str, ...]) -> bool:
    """ "张建平 商务部国际贸易经济合作研究院学术委员会副主任、研究员…。主要研究领域为…" (a
    biography at the end of a paper, without a label): an author's name, then a career."""
    starts = any(text.startswith(name) and len(text) > len(name) + 20 for name in authors)
    return starts and bool(_BIOGRAPHY_WORDS.search(text[:80])) and bool(_RESEARCH.search(text))


def _date(raw: str) -> str:
    """2025-01-02 and 2023年7月28日 as printed, without trailing punctuation."""
    return raw.strip(" .。；;")


def english_names(text: str) -> tuple[str, ...]:
    """ "ZHANG Lihui, HUANG Jianping," or "ZHANG, Jianping and ZHANG, Xu" as names."""
    names = []
    for m in _EN_NAME.finditer(text):
        family, given = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        names.append(f"{family} {given}")
    return tuple(dict.fromkeys(names))
