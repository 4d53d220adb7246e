"""Find a paper's bibliographic record and section headings in its cleaned text.

Chinese journal papers print their record in a few stable forms (a citation line,
《journal》YYYY年第N期, 文章编号 ISSN(YYYY)NN-..., DOI 10.x/...). These rules read
those forms; anything they cannot find stays empty rather than guessed.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from ..schema import PaperRecord, Section
from ..text.fields import RECORD_WINDOW
from ..text.layout import is_heading
from ..text.script import CJK
from .cleaning import clean_text, strip_markup

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
_NOT_TITLE = re.compile(
    r"^(摘\s*要|关键词|引用格式|作者|出处|基金|DOI|中图分类号|文献标识码|文章编号|收稿日期|《[^》]+》$)"
)


def extract_record(text: str, raw: str = "") -> PaperRecord:
    """``raw`` is the uncleaned text, where Markdown still marks the title line."""
    head = text[:RECORD_WINDOW]
    title = _title(head, raw[:RECORD_WINDOW])
    found: dict[str, Any] = {
        "title": title,
        "authors": tuple(_authors(strip_markup(raw[:RECORD_WINDOW]) if raw else head, title)),
    }
    if doi := _DOI.search(head):
        found["doi"] = doi.group(0).rstrip(".,")
    if m := _CATALOGUE_JOURNAL.search(head) or _JOURNAL.search(head):
        found["journal"] = m.group(1)
    if m := _ARTICLE_NO.search(head) or _YEAR_ISSUE.search(head):
        found["year"], found["issue"] = m.group(1), str(int(m.group(2)))
    record = PaperRecord(**found)
    if m := _CITATION.search(head):
        record = record.merged_with(PaperRecord(journal=m.group(1), year=m.group(2), issue=m.group(3)))
    return record


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
