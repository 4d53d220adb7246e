"""The fields of a paper's bibliographic record as papers label them, and the words a reader
asks for them with ("哪本期刊" where the paper prints "出处《新疆大学学报》")."""

from __future__ import annotations

import re

# A paper prints its record (title, authors, journal, DOI, funding, biographies) in its head.
RECORD_WINDOW = 6000
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
