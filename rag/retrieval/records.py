"""A record question's papers, and the passages that print the fields it asks for.

"这篇论文的DOI是什么？" is about one paper; "两篇论文分别发表在哪本期刊？" about several. The
papers are the ones the question names (rag.retrieval.scope); else every paper, when it asks
about papers in the plural; else the paper of the best passage. Each field's value is cited
from the passage that prints it (the record spans found at ingest), not from whatever passage
the search ranked first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from ..schema import Paper, Passage, RecordLine
from ..text.shingles import compact

ChunkAt = Callable[[str, int, int], Passage | None]

_PLURAL = re.compile(
    r"(?:这几篇|这些|各篇|每篇|两篇|几篇|所有|全部|分别|各自|哪些论文|哪几篇)"
    r"|\b(?:each|all|both|these|the (?:two|three|four|five)) (?:papers|articles)\b"
    r"|\brespectively\b|\bwhich papers\b|\beach paper\b",
    re.I,
)
_TITLE_NAMED = re.compile(r"《([^》]{8,120})》|“([^”]{10,200})”|\"([^\"]{10,200})\"")
# Fields whose value a reader reads as one answer with its neighbour ("2025年第4期"); a field's
# English form ("authors_en") is fetched with it too.
_WITH = {"issue": ("year", "volume"), "volume": ("issue",), "pages": ("year", "issue")}


def record_papers(
    question: str,
    named: Sequence[Paper],
    passages: Sequence[Passage],
    catalog: Sequence[Paper],
    person: bool = False,
) -> tuple[Paper, ...]:
    plural = bool(_PLURAL.search(question))
    top = next((p.paper_id for p in passages if p.paper_id), "")
    if named:
        # Several papers share the authors named; the question's other words chose among them,
        # unless it asks about a person, whose biography may be printed in either.
        best = [paper for paper in named if paper.paper_id == top]
        return tuple(named) if plural or person or not best else tuple(best)
    if plural:
        return tuple(catalog)
    return tuple(paper for paper in catalog if paper.paper_id == top)


def unmatched_title(question: str, catalog: Sequence[Paper]) -> str:
    """A title the question quotes that is no paper's (nor a journal's): "《中亚水资源研究》的作者"."""
    known = [
        compact(text)
        for p in catalog
        for text in (p.record.title, p.record.title_en, p.record.journal)
        if text
    ]
    for match in _TITLE_NAMED.finditer(question):
        quoted = compact(next(g for g in match.groups() if g))
        if quoted and not any(quoted in k or k in quoted for k in known):
            return next(g for g in match.groups() if g)
    return ""


def record_lines(papers: Sequence[Paper], fields: Sequence[str], chunk_at: ChunkAt) -> tuple[RecordLine, ...]:
    """For each paper and field asked (and the fields read with it), the first passage that prints it."""
    wanted = list(dict.fromkeys(f for name in fields for f in (name, f"{name}_en", *_WITH.get(name, ()))))
    lines = []
    for paper in papers:
        for name in wanted:
            for span in paper.record.spans_of(name):
                found = chunk_at(span.source, span.start, span.end)
                if found is None:
                    continue
                passage = replace(found, score=1.0)
                start, end = (
                    max(0, span.start - passage.start),
                    min(len(passage.text), span.end - passage.start),
                )
                lines.append(RecordLine(paper.paper_id, name, passage, start, end))
                if name != "biographies":  # each author's biography is a span of its own
                    break
    return tuple(lines)
