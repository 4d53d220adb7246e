"""A paper's reference list entry, ready to paste: GB/T 7714-2015 for Chinese writing, APA 7 for
English. Built only from what the record prints; a missing field leaves its element out, so a
partial record gives a partial reference and never an invented one. Titles stay as printed: APA's
sentence case would need to know which words are proper nouns."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

from .script import has_cjk

if TYPE_CHECKING:
    from ..schema import PaperRecord

ReferenceStyle = Literal["gbt7714", "apa"]
STYLES: tuple[ReferenceStyle, ...] = ("gbt7714", "apa")

# GB/T 7714-2015 8.1.2: up to three authors, then "等" (", et al" for Latin names).
_GBT_MAX_AUTHORS = 3
# APA 7 9.8: up to twenty authors; beyond, the first nineteen, an ellipsis, and the last.
_APA_MAX_AUTHORS = 20


def default_style(record: PaperRecord) -> ReferenceStyle:
    """GB/T 7714 for a paper with a Chinese title, APA for the rest."""
    return "gbt7714" if has_cjk(record.title) else "apa"


def reference(record: PaperRecord, style: ReferenceStyle | None = None) -> str:
    style = style or default_style(record)
    if style == "gbt7714":
        return gbt7714(record)
    if style == "apa":
        return apa(record)
    raise ValueError(f"unknown reference style {style!r}; choose one of {', '.join(STYLES)}")


def gbt7714(record: PaperRecord) -> str:
    """主要责任者. 题名[J]. 刊名, 年, 卷(期): 起止页码. DOI:…"""
    authors = list(record.authors[:_GBT_MAX_AUTHORS])
    if len(record.authors) > _GBT_MAX_AUTHORS:
        authors.append("等" if has_cjk(record.authors[0]) else "et al")
    title = record.title + ("[J]" if record.title and _is_periodical(record) else "")
    issue = f"({record.issue})" if record.issue else ""
    if record.volume:
        numbering = ", ".join(p for p in (record.year, record.volume + issue) if p)
    else:
        numbering = record.year + issue
    source = ", ".join(p for p in (record.journal, numbering) if p)
    if record.pages:
        source = f"{source}: {_page_range(record.pages, '-')}" if source else _page_range(record.pages, "-")
    elements = [", ".join(authors), title, source]
    text = ". ".join(e for e in elements if e)
    text = f"{text}." if text else ""
    return f"{text} DOI:{record.doi}".strip() if record.doi else text


def apa(record: PaperRecord) -> str:
    """Author, A. A., & Author, B. (Year). Title. Journal, Volume(Issue), pages. https://doi.org/…

    A Chinese paper is cited by the English title page it prints, field by field where it has one."""
    names = [a if has_cjk(a) else apa_name(a) for a in record.authors_en or record.authors]
    title = record.title_en or record.title
    journal = record.journal_en or record.journal
    if not (names or title or journal or record.doi):
        return ""
    year = f"({record.year})." if record.year else "(n.d.)."
    head = [_apa_authors(names), year] if names else [f"{title}.", year] if title else [year]
    elements = [" ".join(head)]
    if names and title:
        elements.append(_period(title))
    numbering = record.volume + (f"({record.issue})" if record.issue else "")
    source = ", ".join(p for p in (journal, numbering, _page_range(record.pages, "–")) if p)
    if source:
        elements.append(_period(source))
    if record.doi:
        elements.append(f"https://doi.org/{record.doi}")
    return " ".join(elements)


def apa_name(name: str) -> str:
    """ "ZHANG Li-hui" -> "Zhang, L.-H."; "Jane A. Smith" -> "Smith, J. A."; "Smith, Jane" -> "Smith, J."

    Chinese journals print English names surname first in capitals; otherwise the surname is last."""
    name = " ".join(name.split())
    if "," in name:
        surname, given = (p.strip() for p in name.split(",", 1))
    else:
        parts = name.split(" ")
        if len(parts) == 1:
            return name
        if parts[0].isupper() and len(parts[0]) > 1 and not parts[1].isupper():
            surname, given = parts[0], " ".join(parts[1:])
        else:
            surname, given = parts[-1], " ".join(parts[:-1])
    initials = " ".join("-".join(f"{p[0].upper()}." for p in word.split("-") if p) for word in given.split())
    surname = surname.title() if surname.isupper() else surname
    return f"{surname}, {initials}" if initials else surname


def _apa_authors(names: list[str]) -> str:
    if len(names) > _APA_MAX_AUTHORS:
        return ", ".join(names[: _APA_MAX_AUTHORS - 1]) + ", . . . " + names[-1]
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + ", & " + names[-1]


def _is_periodical(record: PaperRecord) -> bool:
    return bool(record.journal or record.volume or record.issue)


def _page_range(pages: str, dash: str) -> str:
    return re.sub(r"\s*[-－–—~～]\s*", dash, pages.strip())


def _period(text: str) -> str:
    return text if text.endswith((".", "?", "!")) else f"{text}."
