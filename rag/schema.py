"""The data that flows between the pipeline's steps.

corpus files -> Document -> Chunk -> (index) -> Passage -> Answer
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Section:
    start: int
    heading: str


@dataclass
class Document:
    """One cleaned file. Several files can belong to one paper (``paper_id``)."""

    source: str
    text: str
    content_hash: str
    paper_id: str
    title: str = ""
    authors: list[str] = field(default_factory=list)
    journal: str = ""
    year: str = ""
    issue: str = ""
    doi: str = ""
    sections: list[Section] = field(default_factory=list)

    def section_at(self, offset: int) -> str:
        heading = ""
        for section in self.sections:
            if section.start > offset:
                break
            heading = section.heading
        return heading

    def citation_metadata(self) -> dict[str, str]:
        return {
            "source": self.source,
            "paper_id": self.paper_id,
            "title": self.title,
            "authors": "、".join(self.authors),
            "journal": self.journal,
            "year": self.year,
            "issue": self.issue,
            "doi": self.doi,
        }


@dataclass(frozen=True)
class Chunk:
    """A span of a document's cleaned text; ``start``/``end`` index into ``Document.text``."""

    chunk_id: str
    source: str
    text: str
    start: int
    end: int
    section: str
    position: int
    metadata: dict[str, str] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class Paper:
    """One paper in the index, with the files it came from."""

    paper_id: str
    title: str
    authors: tuple[str, ...]
    journal: str
    year: str
    issue: str
    doi: str
    sources: tuple[str, ...]


@dataclass
class Passage:
    """A chunk as retrieved for a question, with its score and citation details."""

    chunk_id: str
    text: str
    source: str
    title: str
    score: float
    metadata: dict[str, Any] = field(default_factory=dict)
    highlights: list[tuple[int, int]] = field(default_factory=list)

    @property
    def section(self) -> str:
        return str(self.metadata.get("section", ""))

    @property
    def authors(self) -> str:
        return str(self.metadata.get("authors", ""))

    @property
    def year(self) -> str:
        return str(self.metadata.get("year", ""))

    def cite(self) -> str:
        """A one-line reference a reader can follow back to the paper."""
        parts = [p for p in (self.authors, f"《{self.title}》" if self.title else "", self.year) if p]
        where = f"§ {self.section}" if self.section else ""
        return "，".join(parts) + (f"  {where}" if where else "")


@dataclass
class Answer:
    question: str
    text: str
    citations: list[Passage]
    found: bool
    passages: list[Passage] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unsupported_sentences: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    # Set by the LLM answerer's verification (rag.verification): sentences checked against
    # their passages, citations that were invented or wrong and got fixed, and whether the
    # model failed and this is the extractive answer instead.
    sentences_checked: int = 0
    citations_repaired: int = 0
    fallback: bool = False
    # How strongly the best evidence matched the question; the abstention threshold applies to it.
    evidence_score: float = 0.0
