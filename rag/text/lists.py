"""How Chinese papers enumerate: the markers of a list's items, in a sentence or as headings.

Items are numbered "1. … 2. …", "（1）", "①", "第一，…第二，…", "一是…二是…", "首先…其次…最后",
or are a section's numbered subheadings ("（一）…（二）…"); a series after a colon ("包括A、B
和C") lists them without numbers. These rules find the items and where each stands, so the
answer step can quote the items themselves rather than the sentence that announces them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NUMERALS = "一二三四五六七八九十"
_ORDINAL_WORDS = ("首先", "其次", "再次", "然后", "此外", "最后")
# Each family of item markers, with the number a marker gives (its position in the list).
_FAMILIES: dict[str, re.Pattern[str]] = {
    "arabic": re.compile(r"(?:(?<=^)|(?<=[\s：:；;。]))(\d{1,2})\s*[.．、](?!\d)\s*"),
    "bracket": re.compile(r"[（(](\d{1,2})[)）]\s*"),
    "circled": re.compile(r"([①②③④⑤⑥⑦⑧⑨⑩])\s*"),
    "di": re.compile(rf"第([{NUMERALS}])[，,、：:]"),
    "shi": re.compile(rf"(?:(?<=^)|(?<=[\s：:；;。，,]))([{NUMERALS}])是"),
    "order": re.compile(r"(首先|其次|再次|然后|最后)[，,：:是]?"),
}
# From the outermost: 一、 (一) 1. / 1.1 (by depth) (1).
_HEADING_FAMILIES = {
    "level1": re.compile(rf"^([{NUMERALS}]+)、"),
    "level2": re.compile(rf"^[（(]([{NUMERALS}]+)[)）]"),
    "decimal": re.compile(r"^((?:\d+\.)*\d+)\.?\s*(?=\D)"),
    "bracket": re.compile(r"^[（(](\d+)[)）]"),
}
HEADING_ORDER = ("level1", "level2", "decimal1", "decimal2", "decimal3", "bracket")
_SERIES_LEAD = re.compile(
    r"包括|包含|涵盖|分为|聚焦|主要有|存在|面临|表现为|体现为|涉及|用于|投向|围绕|从|有|为|即|在|：|:"
)
# A series ends at "等", at a count of its items ("三个维度"), or with its clause.
_SERIES_STOP = re.compile(rf"等|[{NUMERALS}两几]+(?:个|大|项|种|方面|维度)|[。；;，,：:\n]")
_LAST_JOIN = re.compile(r"以及|和|及|与")
_SENTENCE_START = re.compile(r"(?:^|(?<=[。！？!?\n]))\s*")
_PREDICATE = re.compile(r"作为|是|构成|组成|共同|均|都|的")
_COUNTED = re.compile(rf"[{NUMERALS}两几]+(?:个|大|项|种|方面|维度)")
_MARKER_START = re.compile(rf"^(?:第[{NUMERALS}]|[{NUMERALS}]是|\d|[（(]|首先)")


@dataclass(frozen=True)
class Listed:
    """A list found in a text: the lead-in before its first item, and each item's span."""

    lead: tuple[int, int]
    items: tuple[tuple[int, int], ...]
    family: str


def number_of(marker: str) -> int:
    """1 for "1", "一", "①" or "首先"; 0 when it is no number."""
    if marker.isdigit():
        return int(marker)
    if marker in _ORDINAL_WORDS:
        return 99 if marker == "最后" else _ORDINAL_WORDS.index(marker) + 1
    if "①" <= marker <= "⑩":
        return ord(marker) - ord("①") + 1
    if marker == "十":
        return 10
    if len(marker) == 2 and marker[0] == "十":
        return 10 + NUMERALS.index(marker[1]) + 1
    return NUMERALS.index(marker) + 1 if marker in NUMERALS else 0


def inline_lists(text: str) -> list[Listed]:
    """The numbered lists in ``text``: runs of markers of one family numbered 1, 2, 3 …"""
    found = []
    for family, pattern in _FAMILIES.items():
        marks = [(m.start(), m.end(), number_of(m.group(1))) for m in pattern.finditer(text)]
        run: list[tuple[int, int, int]] = []
        for mark in marks:
            expected = run[-1][2] + 1 if run else 1
            if mark[2] == expected or (family == "order" and run and mark[2] == 99):
                run.append(mark)
            elif mark[2] == 1:
                found += _listed(text, run, family)
                run = [mark]
        found += _listed(text, run, family)
    return found + _series(text)


def _listed(text: str, run: list[tuple[int, int, int]], family: str) -> list[Listed]:
    if len(run) < 2:
        return []
    items = []
    for n, (_, end, _) in enumerate(run):
        stop = run[n + 1][0] if n + 1 < len(run) else _item_end(text, end)
        items.append((end, stop))
    lead_start = max(text.rfind("。", 0, run[0][0]), text.rfind("\n", 0, run[0][0])) + 1
    return [Listed((lead_start, run[0][0]), tuple(items), family)]


def _item_end(text: str, start: int) -> int:
    """The last item ends with its sentence (or its line)."""
    ends = [i for i in (text.find("。", start), text.find("\n", start)) if i >= 0]
    return min(ends) + 1 if ends else len(text)


def _series(text: str) -> list[Listed]:
    """ "包括A、B、C和D等": three or more items joined by 、 (the last perhaps by 和/及/与)."""
    out = []
    leads = [(m.start(), m.end(), False) for m in _SERIES_LEAD.finditer(text)]
    # A sentence may open with its series when a count closes it: "A、B和C作为三个核心要素".
    leads += [(m.end(), m.end(), True) for m in _SENTENCE_START.finditer(text)]
    for lead_at, begin, counted in leads:
        stop = _SERIES_STOP.search(text, begin, begin + 200)
        if counted and not (stop and _COUNTED.match(stop.group(0))):
            continue
        segment = text[begin : stop.start() if stop else min(len(text), begin + 200)]
        parts = segment.split("、")
        last = _LAST_JOIN.split(parts[-1], maxsplit=1)
        if len(last) == 2 and min(len(last[0]), len(last[1])) >= 2:
            parts[-1:] = last
        if counted:  # the sentence goes on after its last item: "…和共生环境作为…的三个要素"
            parts[-1] = _PREDICATE.split(parts[-1], maxsplit=1)[0]
        if len(parts) < 3 or not all(2 <= len(p) <= 30 for p in parts) or parts[0].startswith("的"):
            continue
        if _MARKER_START.match(parts[0]):
            continue
        items, offset = [], begin
        for part in parts:
            at = text.find(part, offset)
            items.append((at, at + len(part)))
            offset = at + len(part)
        lead_start = max(text.rfind("。", 0, lead_at), text.rfind("\n", 0, lead_at)) + 1
        out.append(Listed((lead_start, begin), tuple(items), "series"))
    return out


def heading_level(heading: str) -> tuple[str, int]:
    """A heading's numbering family and number ("（一）制度协同" -> ("level2", 1)); ("", 0) if unnumbered."""
    for family, pattern in _HEADING_FAMILIES.items():
        match = pattern.match(heading.strip())
        if match and family == "decimal":
            numbers = match.group(1).split(".")
            return f"decimal{min(len(numbers), 3)}", int(numbers[-1])
        if match:
            return family, number_of(match.group(1))
    return "", 0


def without_marker(heading: str) -> str:
    """A heading's words, without its number: "（一）制度协同：搭建多层次联动框架" -> "制度协同：…"."""
    for pattern in _HEADING_FAMILIES.values():
        heading = pattern.sub("", heading.strip(), count=1) if pattern.match(heading.strip()) else heading
    return heading.strip(" 、.。")


def own_clause(text: str, limit: int = 60) -> str:
    """An item cut to its own clause: "主体多元性，打破单一政府主导…" -> "主体多元性"."""
    text = text.strip(" ；;。，,\n")
    cut = re.search(r"[，,：:；;。]", text)
    if cut and cut.start() >= 2:
        return text[: cut.start()]
    return text[:limit]
