"""English questions over Chinese papers: the paper's own English where it has it, else the
Chinese sentence after a one-line English lead that names the paper and the section, so a
reader who does not read Chinese knows whose words these are and where to find them:
"Zhang et al. (2026), § 二、…, state: 据统计，天山冰川……[1]"."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..schema import Paper, Passage
from ..text.script import is_english

# An English sentence is quoted instead of a better-scored Chinese one when within this margin:
# the reader can read it, and the papers' English abstracts say the same thing.
ENGLISH_MARGIN = 0.01


def family(name: str) -> str:
    """ "ZHANG Li-hui" -> "Zhang", "WEI Ling" -> "Wei"; a Chinese name stays as it is."""
    first = name.split()[0] if " " in name else name
    return first.capitalize() if first.isupper() else first


def authors_short(names: Sequence[str]) -> str:
    if not names:
        return "The authors"
    if len(names) == 1:
        return family(names[0])
    if len(names) == 2:
        return f"{family(names[0])} and {family(names[1])}"
    return f"{family(names[0])} et al."


def lead(passage: Passage, papers: Sequence[Paper]) -> str:
    """ "Zhang et al. (2026), § 一、引言, p. 84, state:" for a Chinese passage quoted to an English
    question (the page where it is a PDF's)."""
    record = next((p.record for p in papers if p.paper_id == passage.paper_id), passage.record)
    names = record.authors_en or record.authors
    year = f" ({record.year})" if record.year else ""
    heading = passage.section.rstrip("。.：: ")
    section = f", § {heading}" if heading and passage.section != record.title else ""
    page = f", {passage.page_label}" if passage.pages else ""
    verb = "states" if len(names) == 1 else "state"
    return f"{authors_short(names)}{year}{section}{page}, {verb}:"


def lead_for(papers: Sequence[Paper]) -> Callable[[Passage, str], str]:
    """The lead for a quoted sentence: none for an English one."""
    return lambda passage, sentence: "" if is_english(sentence) else lead(passage, papers)
