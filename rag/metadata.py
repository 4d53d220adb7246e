"""Find a paper's bibliographic record and section headings in its cleaned text.

Chinese journal papers print their record in a few stable forms (a citation line,
《journal》YYYY年第N期, 文章编号 ISSN(YYYY)NN-..., DOI 10.x/...). These rules read
those forms; anything they cannot find stays empty rather than guessed.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

from .cleaning import CJK, clean_text, is_heading, strip_markup
from .schema import Section

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


# A paper prints its record (title, authors, journal, DOI, funding, biographies) in its head.
RECORD_WINDOW = 6000
# Each record field as papers label it, and the words a reader asks for it with
# ("哪本期刊" where the paper prints "出处《新疆大学学报》").
_FUNDING = re.compile(r"^\W*(?:基金项目|资助项目|基金)")
_BIOGRAPHY = re.compile(r"^\W*(?:作者简介|通讯作者)")
_SOURCE = re.compile(r"^\W*(?:出处|引用格式|本文引用格式)")
_RECEIVED = re.compile(r"^\W*(?:收稿日期|修订日期)")
_FIELD_WORDS = {
    "funding": "基金 资助 项目 fund funding funded grant",
    "biography": "作者简介 简介 职称 学位 author biography",
    "journal": "期刊 刊物 发表 刊登 journal published",
    "doi": "doi",
    "received": "收稿日期 received",
}


def record_terms(text: str, journal: str = "", doi: str = "") -> str:
    """The words for the record fields that ``text`` prints, for the keyword index. The
    journal and DOI count only as the paper's own (``journal``, ``doi``), not a cited work's."""
    fields = set()
    for line in text.splitlines():
        if _FUNDING.search(line):
            fields.add("funding")
        if _BIOGRAPHY.search(line):
            fields.add("biography")
        if _SOURCE.search(line) or (journal and journal in line):
            fields.add("journal")
        if doi and doi in line:
            fields.add("doi")
        if _RECEIVED.search(line):
            fields.add("received")
    return " ".join(words for name, words in _FIELD_WORDS.items() if name in fields)


def is_citation_line(line: str) -> bool:
    """Whether ``line`` is the paper's own "cite this article as" line."""
    return bool(_SOURCE.search(line))


@dataclass
class PaperRecord:
    title: str = ""
    authors: list[str] = field(default_factory=list)
    journal: str = ""
    year: str = ""
    issue: str = ""
    doi: str = ""

    def merged_with(self, other: PaperRecord) -> PaperRecord:
        """Fill this record's gaps from another record of the same paper."""
        return PaperRecord(
            title=self.title or other.title,
            authors=self.authors or other.authors,
            journal=self.journal or other.journal,
            year=self.year or other.year,
            issue=self.issue or other.issue,
            doi=self.doi or other.doi,
        )


def extract_record(text: str, raw: str = "") -> PaperRecord:
    """``raw`` is the uncleaned text, where Markdown still marks the title line."""
    head = text[:RECORD_WINDOW]
    record = PaperRecord()
    record.title = _title(head, raw[:RECORD_WINDOW])
    record.authors = _authors(strip_markup(raw[:RECORD_WINDOW]) if raw else head, record.title)
    if doi := _DOI.search(head):
        record.doi = doi.group(0).rstrip(".,")
    if m := _CATALOGUE_JOURNAL.search(head) or _JOURNAL.search(head):
        record.journal = m.group(1)
    if m := _ARTICLE_NO.search(head) or _YEAR_ISSUE.search(head):
        record.year, record.issue = m.group(1), str(int(m.group(2)))
    if m := _CITATION.search(head):
        record.journal = record.journal or m.group(1)
        record.year = record.year or m.group(2)
        record.issue = record.issue or m.group(3)
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
