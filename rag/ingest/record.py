"""Find a paper's bibliographic record and section headings in its cleaned text.

Chinese journal papers print their record in a few stable forms (a citation line,
《journal》YYYY年第N期, 文章编号 ISSN(YYYY)NN-..., DOI 10.x/...). These rules read
those forms; anything they cannot find stays empty rather than guessed.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from ..schema import FieldSpan, PaperRecord, Section
from ..text.fields import RECORD_WINDOW
from ..text.layout import is_heading
from ..text.script import CJK
from .cleaning import clean_text, strip_markup
from .record_lines import english_names, labelled_fields, lines_of

_DOI = re.compile(r"\b10\.\d{4,9}/[^\s，。；;<>\"“”()（）]+")
_JOURNAL = re.compile(r"《([^》]{2,40}?(?:学报|院刊|杂志|论坛|研究|评论|科学)[^》]{0,12})》")
_CATALOGUE_JOURNAL = re.compile(r"出处\s*\n\s*《([^》]{2,40})》")
_YEAR_ISSUE = re.compile(r"(20\d{2}|19\d{2})\s*年\s*第\s*(\d{1,2})\s*期")
_CITATION = re.compile(
    rf"([{CJK}]{{2,20}}(?:学报|院刊|杂志|论坛|研究|评论))[，,]\s*((?:19|20)\d{{2}})[，,]\s*\d+\s*[（(](\d+)[)）]"
)
_ARTICLE_NO = re.compile(r"文章编号[:：]\s*\d{4}-\d{3}[\dX]\s*[（(]((?:19|20)\d{2})[)）]\s*0?(\d{1,2})-")
# Names of 2-4 characters, each after a separator or an affiliation number: a title with
# no punctuation must not read as a list of names.
_NAME = rf"[{CJK}]{{2,4}}(?:\s*\d+(?:[,，、]\d+)*)?"
_AUTHOR_LINE = re.compile(rf"^{_NAME}(?:(?:\s*[,，、 ]\s*|(?<=\d)){_NAME}){{0,7}}\s*[,，、]?$")
_AFFILIATION_SPLIT = re.compile(r"\s*[;；]\s*")
_AFFILIATION_NUMBER = re.compile(r"^\s*\d{1,2}\s*[.、]?\s*(?=\D)")
_EN_NAME_LINE = re.compile(
    r"(?:(?:[A-Z]{2,}\s+[A-Z][a-z]+(?:-[a-z]+)?|[A-Z][a-z]+(?:-[a-z]+)?\s+[A-Z]{2,})(?:\s*(?:,|;|and)\s*|\s+)?)+"
)
_NOT_TITLE = re.compile(
    r"^(摘\s*要|关键词|引用格式|作者|出处|基金|DOI|中图分类号|文献标识码|文章编号|收稿日期|《[^》]+》$)"
)


def extract_record(text: str, raw: str = "") -> PaperRecord:
    """``raw`` is the uncleaned text, where Markdown still marks the title line and spaces still
    separate authors' names. Every field found also records the span that prints it."""
    head = text[:RECORD_WINDOW]
    found = _Collected()
    title = _title(head, raw[:RECORD_WINDOW])
    found.put("title", title, _find(head, title))
    authors = tuple(_authors(strip_markup(raw[:RECORD_WINDOW]) if raw else head, title))
    found.put("authors", authors, _authors_span(head, authors, title))
    if doi := _DOI.search(head):
        found.put("doi", doi.group(0).rstrip(".,"), (doi.start(), doi.end()))
    if m := _CATALOGUE_JOURNAL.search(head) or _JOURNAL.search(head):
        found.put("journal", m.group(1), _line_around(head, m.start(1)))
    if m := _ARTICLE_NO.search(head) or _YEAR_ISSUE.search(head):
        found.put("year", m.group(1), _line_around(head, m.start()))
        found.put("issue", str(int(m.group(2))), _line_around(head, m.start()))
    if m := _CITATION.search(head):
        span = _line_around(head, m.start())
        found.put("journal", m.group(1), span)
        found.put("year", m.group(2), span)
        found.put("issue", m.group(3), span)
    if affiliations := _affiliations(head, found.spans.get("authors")):
        found.put("affiliations", affiliations[0], affiliations[1])
    for item in labelled_fields(text, authors, RECORD_WINDOW):
        found.put(item.field, item.value, (item.start, item.end))
    for field, value, span in _english_block(text):
        found.put(field, value, span)
    return found.record()


class _Collected:
    """The first value found for each field, and where it is printed; later finds of the same
    value add where else it is printed."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.spans: dict[str, tuple[int, int]] = {}
        self.where: list[FieldSpan] = []

    def put(self, name: str, value: Any, span: tuple[int, int] | None) -> None:
        if not value or span is None:
            return
        if name not in self.values:
            self.values[name] = value
            self.spans[name] = span
        if self.values[name] == value and FieldSpan(name, *span) not in self.where:
            self.where.append(FieldSpan(name, *span))

    def record(self) -> PaperRecord:
        return PaperRecord(**self.values, spans=tuple(self.where))


def _find(text: str, needle: str) -> tuple[int, int] | None:
    at = text.find(needle) if needle else -1
    return (at, at + len(needle)) if at >= 0 else None


def _line_around(text: str, offset: int) -> tuple[int, int]:
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return start, end if end >= 0 else len(text)


def _authors_span(head: str, authors: tuple[str, ...], title: str) -> tuple[int, int] | None:
    """The line (or, on a catalogue page, the lines) that print the authors, after the title."""
    if not authors:
        return None
    after = head.find(title) + len(title) if title and title in head else 0
    first = head.find(authors[0], after)
    if first < 0:
        return None
    last = head.find(authors[-1], first)
    start, _ = _line_around(head, first)
    _, end = _line_around(head, max(last, first))
    return start, end


def _affiliations(
    head: str, authors: tuple[int, int] | None
) -> tuple[tuple[str, ...], tuple[int, int]] | None:
    """The bracketed line under the authors ("（1.兰州大学…;2.…）") or numbered lines ("1 对外经济
    贸易大学…"), one affiliation each."""
    if authors is None:
        return None
    lines = lines_of(head[authors[1] :])
    if not lines:
        return None
    first = lines[0]
    offset = authors[1]
    if first.text.startswith(("（", "(")) and first.text.endswith(("）", ")")):
        parts = _AFFILIATION_SPLIT.split(first.text[1:-1])
        found = tuple(_AFFILIATION_NUMBER.sub("", p).strip() for p in parts if p.strip())
        return found, (offset + first.start, offset + first.end)
    numbered = []
    for line in lines[:4]:
        if not _AFFILIATION_NUMBER.match(line.text) or len(line.text) > 80:
            break
        numbered.append(line)
    if numbered:
        found = tuple(_AFFILIATION_NUMBER.sub("", line.text).strip() for line in numbered)
        return found, (offset + numbered[0].start, offset + numbered[-1].end)
    return None


def _english_block(text: str) -> list[tuple[str, Any, tuple[int, int]]]:
    """The paper's English title and authors: a line of names such as "ZHANG Li-hui, HUANG
    Zhong-wei" or "WEI Ling LIANG Wei", the English title on the line above it."""
    out: list[tuple[str, Any, tuple[int, int]]] = []
    lines = lines_of(text)
    for n, line in enumerate(lines):
        names_part = line.text.split("(")[0].strip(" *")
        match = _EN_NAME_LINE.fullmatch(names_part)
        if not match or len(names_part) < 6:
            continue
        names = english_names(names_part)
        if len(names) < 1 or (len(names) == 1 and n > 0 and "Authors" not in lines[n - 1].text):
            continue
        out.append(("authors_en", names, (line.start, line.end)))
        above = lines[n - 1] if n else None
        if above is not None and _is_english_title(above.text):
            out.append(("title_en", above.text.lstrip("# ").strip(), (above.start, above.end)))
    return out


def _is_english_title(line: str) -> bool:
    words = line.lstrip("# ").split()
    return (
        len(words) >= 5
        and not re.search(f"[{CJK}]", line)
        and not line.lower().startswith(("abstract", "keywords", "see next", "this research", "available"))
        and not line.rstrip().endswith(".")
    )


def _title(head: str, raw_head: str) -> str:
    for line in raw_head.splitlines():
        if line.startswith("# "):
            candidate = _clean_title(clean_text(line.lstrip("# ")))
            if _cjk_share(candidate) > 0.5 and candidate in head:
                return candidate
    for line in head.splitlines()[:60]:
        line = _clean_title(line)
        if (
            8 <= len(line) <= 60
            and _cjk_share(line) > 0.6
            and not _NOT_TITLE.match(line)
            and not line.endswith(("。", "；", "："))
            and not _AUTHOR_LINE.match(line)
        ):
            return line
    return ""


def _clean_title(line: str) -> str:
    return re.sub(rf"(?<=[{CJK}])\s+(?=[{CJK}])", "", line.strip().rstrip("*").strip())


def _authors(head: str, title: str) -> list[str]:
    lines = [line.strip() for line in head.splitlines() if line.strip()]
    compact = [clean_text(line.lstrip("# ")) for line in lines]
    start = next((i + 1 for i, line in enumerate(compact) if title and line.startswith(title)), 0)
    for line in lines[start : start + 4]:
        if _AUTHOR_LINE.match(line) and not _NOT_TITLE.match(line):
            return [n for n in re.split(r"[\d\s,，、]+", line) if n]
    catalogue = re.search(rf"作者\s*\n((?:\s*[{CJK}]{{2,4}}\s*\n)+)", head)
    if catalogue:
        return catalogue.group(1).split()
    return []


def _cjk_share(text: str) -> float:
    return len(re.findall(f"[{CJK}]", text)) / max(len(text), 1)


def markdown_headings(raw: str) -> set[str]:
    return {m.group(1).strip() for m in re.finditer(r"^#{1,6}\s+(.+)$", raw, re.M)}


def find_sections(text: str, known_headings: Collection[str] = ()) -> list[Section]:
    """``known_headings`` are lines the source format marked as headings (Markdown)."""
    sections: list[Section] = []
    offset = 0
    for line in text.split("\n"):
        if is_heading(line) or (line.strip() and line.strip() in known_headings):
            sections.append(Section(start=offset, heading=line.strip()))
        offset += len(line) + 1
    return sections
