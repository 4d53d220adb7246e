"""How a record answer says each field, in Chinese and in English.

English answers use the paper's own English forms where it prints them (its English title,
the authors' names in pinyin, the journal's English name, the English keywords) and keep the
Chinese beside a name a reader may search for ("Pacific Journal (《太平洋学报》)").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..schema import PaperRecord, RecordLine

FIELD_NAMES: dict[str, tuple[str, str]] = {
    "title": ("题目", "title"),
    "authors": ("作者", "authors"),
    "affiliations": ("作者单位", "affiliations"),
    "journal": ("期刊名称", "journal"),
    "year": ("发表年份", "year"),
    "volume": ("卷号", "volume"),
    "issue": ("期号", "issue"),
    "pages": ("页码", "page range"),
    "doi": ("DOI", "DOI"),
    "keywords": ("关键词", "keywords"),
    "funding": ("基金项目", "funding"),
    "received": ("收稿日期", "date received"),
    "revised": ("修订日期", "date revised"),
    "biographies": ("作者简介", "author biography"),
}

# What a question asks of an author's biography, and the clause of it that answers.
_ASPECTS = {
    "born": (r"出生|生于|哪一?年生|年龄|born|birth|age", r"[（(]\s*(\d{4})\s*[—–\-]"),
    "hometown": (
        r"籍贯|哪里人|何地人|家乡|hometown|native|come from|from where",
        r"([\u4e00-\u9fff]{2,8})人(?=[，,])",
    ),
    "research": (
        r"研究方向|研究领域|研究兴趣|从事|research|speciali|work on|field",
        r"(?:主要研究方向[:：]|主要研究领域为|研究方向为|从事)\s*([^。；;]+)",
    ),
    "title": (
        r"职称|职务|头衔|title|position|rank|professor|院士",
        r"([^，,；;]*(?:教授|研究员|院士|博士后|讲师|主任|博士生导师)[^，,；;]*)",
    ),
    "degree": (r"学位|学历|degree|phd|doctor", r"([^，,；;]*(?:博士|硕士|学士)(?!后|生)[^，,；;]*)"),
    "gender": (r"性别|是男|是女|gender|male|female", r"[，,]\s*(男|女)\s*[，,]"),
}


@dataclass(frozen=True)
class Part:
    """One stated field (or a missing one), and the record lines that print it."""

    text: str
    lines: tuple[RecordLine, ...]
    missing: bool = False


def missing_name(name: str, english: bool) -> str:
    """The field as the sentence "X does not print …" / "X没有印出…" names it."""
    zh, en = FIELD_NAMES[name]
    return f"its {en}" if english else zh


def paper_label(record: PaperRecord, english: bool) -> str:
    if english and record.title_en:
        return f"“{record.title_en}”"
    return f"《{record.title}》" if record.title else "The paper" if english else "该论文"


def citation_of(record: PaperRecord, english: bool) -> str:
    """A paper as a reader names it: authors, title, journal and year."""
    if english:
        authors = _names(record.authors_en or record.authors, True)
        venue = ", ".join(v for v in (record.journal_en or record.journal, record.year) if v)
        return f"{authors}: {paper_label(record, True)}" + (f" ({venue})" if venue else "")
    venue = "，".join(
        v
        for v in (
            f"《{record.journal}》" if record.journal else "",
            f"{record.year}年" if record.year else "",
        )
        if v
    )
    return f"{_names(record.authors, False)}：{paper_label(record, False)}" + (
        f"（{venue}）" if venue else ""
    )


def _names(items: tuple[str, ...], english: bool) -> str:
    if not english:
        return "、".join(items)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def chinese_part(record: PaperRecord, name: str, shown: tuple[str, ...] = ()) -> str:
    if name == "publication":
        journal = f"发表于《{record.journal}》" if "journal" in shown else ""
        when = f"{record.year}年" if "year" in shown else ""
        volume = f"第{record.volume}卷" if "volume" in shown else ""
        issue = f"第{record.issue}期" if "issue" in shown else ""
        pages = f"，第{record.pages}页" if "pages" in shown else ""
        lead = journal or ("刊于" if when or volume or issue else "")
        return f"{lead}{when}{volume}{issue}{pages}".lstrip("，")
    value = getattr(record, name)
    return {
        "title": f"题目为《{record.title}》",
        "authors": f"作者是{_names(value, False)}",
        "affiliations": f"作者单位为{'；'.join(value)}",
        "doi": f"DOI为{value}",
        "keywords": f"关键词为{'；'.join(value)}",
        "funding": f"受{'；'.join(value)}资助",
        "received": f"收稿日期为{value}",
        "revised": f"修订日期为{value}",
    }[name]


def english_part(record: PaperRecord, name: str, shown: tuple[str, ...] = ()) -> str:
    if name == "publication":
        bits = []
        if "journal" in shown:
            journal = record.journal_en or record.journal
            both = (
                f"{record.journal_en} (《{record.journal}》)"
                if record.journal_en and record.journal
                else journal
            )
            bits.append(f"was published in {both}")
        if "year" in shown:
            bits.append(f"in {record.year}")
        if "volume" in shown:
            bits.append(f"Vol. {record.volume}")
        if "issue" in shown:
            bits.append(f"No. {record.issue}")
        if "pages" in shown:
            bits.append(f"pp. {record.pages}")
        text = ", ".join(bits)
        return text if text.startswith("was") else f"appeared {text}"
    value = getattr(record, name)
    if name == "authors":
        pinyin = (
            f"{_names(record.authors_en, True)} ({'、'.join(value)})"
            if record.authors_en
            else _names(value, True)
        )
        return f"was written by {pinyin}"
    if name == "keywords":
        return f"lists the keywords {'; '.join(record.keywords_en or value)}"
    return {
        "title": f"is titled {paper_label(record, True)} (《{record.title}》)",
        "affiliations": f"gives the authors' affiliations as {'; '.join(value)}",
        "doi": f"has the DOI {value}",
        "funding": f"was funded by {'; '.join(value)}",
        "received": f"was received on {value}",
        "revised": f"was revised on {value}",
    }[name]


def biography_part(
    record: PaperRecord, lines: tuple[RecordLine, ...], question: str, english: bool
) -> Iterator[Part]:
    """The biography of the author the question names (else of each author who has one), cut to
    the clause that answers what it asks (born, hometown, research, title, degree)."""
    bios = record.biographies
    named = [a for a in record.authors if a in question] or _named_in_pinyin(record, question)
    if not bios:
        yield Part(missing_name("biographies", english), (), missing=True)
        return
    wanted = named or [a for a in record.authors if any(b.startswith(a) for b in bios)]
    aspect = next((k for k, (ask, _) in _ASPECTS.items() if re.search(ask, question, re.I)), "")
    for author in wanted:
        bio = next((b for b in bios if b.startswith(author)), "")
        label = _pinyin_of(record, author) if english else author
        if not bio:
            yield Part(f"a biography of {label}" if english else f"{author}的简介", (), missing=True)
            continue
        own = [line for line in lines if bio[:20] in line.passage.text[line.start : line.end]]
        cited = (min(own, key=lambda line: line.end - line.start),) if own else lines[:1]
        match = re.search(_ASPECTS[aspect][1], bio) if aspect else None
        if match and aspect == "born":
            text = f"{label} was born in {match.group(1)}" if english else f"{author}生于{match.group(1)}年"
        elif match:
            clause = match.group(1 if match.groups() else 0).strip("，,；; ")
            text = f"{label}'s biography gives: {clause}" if english else f"{author}：{clause}"
        else:
            text = f"{label}'s biography reads: {bio.rstrip('。')}" if english else f"{bio.rstrip('。')}"
        yield Part(text, cited)


def _pinyin_of(record: PaperRecord, author: str) -> str:
    if author in record.authors and len(record.authors_en) == len(record.authors):
        return f"{record.authors_en[record.authors.index(author)]} ({author})"
    return author


def _named_in_pinyin(record: PaperRecord, question: str) -> list[str]:
    squeezed = re.sub(r"[^a-z]", "", question.lower())
    if len(record.authors_en) != len(record.authors):
        return []
    return [
        author
        for author, pinyin in zip(record.authors, record.authors_en, strict=True)
        if re.sub(r"[^a-z]", "", pinyin.lower()) in squeezed
        or re.sub(r"[^a-z]", "", " ".join(reversed(pinyin.split())).lower()) in squeezed
    ]
