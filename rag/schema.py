"""The data that flows between the pipeline's stages, every field declared.

corpus files -> Document -> Chunk -> (index) -> Retrieval(Reading, Passage...) -> Answer

All of them are frozen: a stage returns new objects and never changes what it was given, so
the passages a caller holds are the passages it was handed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

from .text.references import ReferenceStyle, reference

# Authors are stored in one metadata string, in the order the paper prints them.
AUTHOR_SEPARATOR = "、"


@dataclass(frozen=True)
class FieldSpan:
    """Where a file prints a record field: character offsets into that file's cleaned text."""

    field: str
    start: int
    end: int
    source: str = ""


@dataclass(frozen=True)
class PaperRecord:
    """A paper's bibliographic record as it prints it; a field it does not print stays empty.

    The ``_en`` fields are the paper's own English versions (its English title page, abstract
    block or citation line); ``spans`` say where each field is printed, so an answer can cite it.
    """

    title: str = ""
    authors: tuple[str, ...] = ()
    journal: str = ""
    year: str = ""
    issue: str = ""
    doi: str = ""
    volume: str = ""
    pages: str = ""
    affiliations: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    funding: tuple[str, ...] = ()
    received: str = ""
    revised: str = ""
    biographies: tuple[str, ...] = ()
    title_en: str = ""
    authors_en: tuple[str, ...] = ()
    journal_en: str = ""
    keywords_en: tuple[str, ...] = ()
    spans: tuple[FieldSpan, ...] = ()

    def merged_with(self, other: PaperRecord) -> PaperRecord:
        """This record with its gaps filled from another record of the same paper."""
        filled = {
            f.name: getattr(other, f.name)
            for f in fields(self)
            if f.name != "spans" and not getattr(self, f.name)
        }
        return replace(self, **filled, spans=(*self.spans, *other.spans))

    def located_in(self, source: str) -> PaperRecord:
        """The record with its spans marked as printed in the file ``source``."""
        return replace(self, spans=tuple(replace(s, source=source) for s in self.spans))

    def spans_of(self, name: str) -> tuple[FieldSpan, ...]:
        return tuple(s for s in self.spans if s.field == name)

    def to_metadata(self) -> dict[str, str]:
        """The citation fields as flat strings, as a vector store's metadata must be."""
        return {name: _flat(getattr(self, name)) for name in CITATION_FIELDS}

    @classmethod
    def from_metadata(cls, meta: Mapping[str, Any]) -> PaperRecord:
        """The record a chunk's metadata holds: whole where it was stored (``record``), else
        the citation fields."""
        if meta.get("record"):
            return cls.from_json(str(meta["record"]))
        values: dict[str, Any] = {name: str(meta.get(name, "")) for name in CITATION_FIELDS}
        values["authors"] = tuple(a for a in values["authors"].split(AUTHOR_SEPARATOR) if a)
        return cls(**values)

    def reference(self, style: ReferenceStyle | None = None) -> str:
        """The reference list entry, in ``style`` ("gbt7714" or "apa"; by default GB/T 7714 for a
        Chinese paper, APA 7 for an English one)."""
        return reference(self, style)

    def to_json(self) -> str:
        """What an index records of the paper (a change re-indexes its files, rag.index.sync).
        Built field by field: ``asdict`` copies deeply, 0.2 ms a record, a fifth of a re-index
        of 1,000 unchanged papers."""
        values: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        values["spans"] = [vars(span) for span in self.spans]
        return json.dumps(values, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> PaperRecord:
        values: dict[str, Any] = json.loads(text)
        spans = tuple(FieldSpan(**s) for s in values.pop("spans", ()))
        known = {f.name for f in fields(cls)}
        kept: dict[str, Any] = {
            k: tuple(v) if isinstance(v, list) else v for k, v in values.items() if k in known
        }
        return cls(**kept, spans=spans)


# What every chunk carries to be cited: the rest of the record is kept once per file.
CITATION_FIELDS = ("title", "authors", "journal", "year", "issue", "doi")


def _flat(value: str | tuple[str, ...]) -> str:
    return AUTHOR_SEPARATOR.join(value) if isinstance(value, tuple) else value


@dataclass(frozen=True)
class Section:
    start: int
    heading: str


@dataclass(frozen=True)
class PageSpan:
    """Characters of a file's cleaned text printed on one page of the PDF, and its page number."""

    start: int
    end: int
    number: int


def page_label(pages: Sequence[int]) -> str:
    """How a citation names the pages a passage stands on: "p. 84", "pp. 84–85", or nothing."""
    if not pages:
        return ""
    return f"p. {pages[0]}" if len(pages) == 1 else f"pp. {pages[0]}–{pages[-1]}"


@dataclass(frozen=True)
class Document:
    """One cleaned file. Several files can belong to one paper (``paper_id``). Only a PDF has
    ``pages``."""

    source: str
    text: str
    content_hash: str
    paper_id: str
    record: PaperRecord = PaperRecord()
    sections: tuple[Section, ...] = ()
    pages: tuple[PageSpan, ...] = ()

    def pages_between(self, start: int, end: int) -> tuple[int, ...]:
        """The numbers of the pages that the text from ``start`` to ``end`` was printed on."""
        return tuple(sorted({p.number for p in self.pages if p.start < end and start < p.end}))

    def section_at(self, offset: int) -> str:
        heading = ""
        for section in self.sections:
            if section.start > offset:
                break
            heading = section.heading
        return heading


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
    pages: tuple[int, ...] = ()


@dataclass(frozen=True)
class Paper:
    """One paper in the index, with the files it came from."""

    paper_id: str
    record: PaperRecord
    sources: tuple[str, ...]

    def reference(self, style: ReferenceStyle | None = None) -> str:
        """The paper's reference to paste into a reference list (see ``PaperRecord.reference``)."""
        return self.record.reference(style)


@dataclass(frozen=True)
class Turn:
    """One earlier exchange of a conversation."""

    question: str
    answer: str = ""


@dataclass(frozen=True)
class ScoredSentence:
    """A sentence of a passage (character offsets into its text) and its similarity to the question."""

    start: int
    end: int
    similarity: float


@dataclass(frozen=True)
class Passage:
    """A chunk as retrieved for a question: its text, citation details and the evidence scores."""

    chunk_id: str
    text: str
    source: str
    score: float
    paper_id: str = ""
    record: PaperRecord = PaperRecord()
    section: str = ""
    # Where the chunk stands in its file's cleaned text, and the PDF pages it was printed on.
    start: int = 0
    end: int = 0
    pages: tuple[int, ...] = ()
    # The chunk's dense similarity and BM25 score for the question (None: not in that ranking).
    dense: float | None = None
    keyword: float | None = None
    sentences: tuple[ScoredSentence, ...] = ()
    # The spans an answer quotes, set by the answer step on its own copy.
    highlights: tuple[tuple[int, int], ...] = ()

    @property
    def title(self) -> str:
        return self.record.title

    @property
    def authors(self) -> str:
        return AUTHOR_SEPARATOR.join(self.record.authors)

    @property
    def year(self) -> str:
        return self.record.year

    @property
    def best_sentence(self) -> float:
        return max((s.similarity for s in self.sentences), default=0.0)

    @classmethod
    def stored(
        cls,
        chunk_id: str,
        text: str,
        meta: Mapping[str, Any],
        score: float = 0.0,
        record: PaperRecord | None = None,
    ) -> Passage:
        """A chunk as the index stores it (its text and metadata), as a passage; ``record``: the
        one its metadata holds, already read (a paper's chunks then share it)."""
        return cls(
            chunk_id=chunk_id,
            text=text,
            source=str(meta["source"]),
            score=score,
            paper_id=str(meta.get("paper_id", "")),
            record=record or PaperRecord.from_metadata(meta),
            section=str(meta.get("section", "")),
            start=int(meta.get("start", 0)),
            end=int(meta.get("end", 0)),
            pages=stored_pages(meta),
        )

    def highlighted(self, spans: Sequence[tuple[int, int]]) -> Passage:
        """This passage with ``spans`` added to its highlights (each once)."""
        return replace(self, highlights=tuple(dict.fromkeys([*self.highlights, *spans])))

    @property
    def page_label(self) -> str:
        return page_label(self.pages)

    def cite(self) -> str:
        """A one-line reference a reader can follow back to the paper, and to its page."""
        parts = [p for p in (self.authors, f"《{self.title}》" if self.title else "", self.year) if p]
        where = [w for w in (f"§ {self.section}" if self.section else "", self.page_label) if w]
        return "  ".join(["，".join(parts), *where])


def page_metadata(pages: Sequence[int]) -> dict[str, str]:
    """A chunk's pages as a vector store's metadata must hold them (flat, "84,85"); none for a
    file without pages."""
    return {"pages": ",".join(map(str, pages))} if pages else {}


def stored_pages(meta: Mapping[str, Any]) -> tuple[int, ...]:
    return tuple(int(n) for n in str(meta.get("pages", "")).split(",") if n)


@dataclass(frozen=True)
class Reading:
    """How the question was read, before anything was searched."""

    question: str
    # The question standing on its own: a follow-up is preceded by the recent questions.
    query: str
    english: bool
    # Only a number answers it (in ``unit`` when it names one: 多少人), or only a date.
    asks_quantity: bool = False
    unit: str = ""
    asks_time: bool = False
    # Only a name of this kind answers it: "person" (谁), "organisation" (哪家公司), "place" (哪里).
    asks_kind: str = ""
    # The bibliographic record fields it asks for (rag.text.fields); () for a content question.
    record_fields: tuple[str, ...] = ()
    # It asks for several items ("哪三个维度"), and how many when it says.
    asks_list: bool = False
    list_size: int = 0
    # It asks what two (or more) papers say ("两篇论文都提到", "both papers"): each should be quoted.
    asks_papers: bool = False
    # It asks why ("为什么", "why"): the reason should be quoted beside the claim (rag.text.reasons).
    asks_reason: bool = False
    # The recent turns of the conversation that the reading could draw on.
    history: tuple[Turn, ...] = ()


@dataclass(frozen=True)
class RecordLine:
    """A passage that prints one field of a paper's record, and where in the passage it stands."""

    paper_id: str
    field: str
    passage: Passage
    start: int
    end: int


@dataclass(frozen=True)
class KeyTerm:
    """One of the question's search terms, and how rare the corpus finds it."""

    term: str
    # BM25 inverse document frequency in the index; the corpus never uses the term when not ``known``.
    idf: float
    known: bool
    # A name, a number or a rare word, not a common one: "罗贡", "COP31", "2030".
    specific: bool = False


@dataclass(frozen=True)
class Retrieval:
    """What retrieval found for one question, and the facts about the question as a whole."""

    reading: Reading
    passages: tuple[Passage, ...]
    # An English question's Chinese key terms (rag.retrieval.crosslingual).
    terms: tuple[str, ...] = ()
    # The papers the question names; the search was limited to them (rag.retrieval.scope).
    named: tuple[Paper, ...] = ()
    # IDF-weighted share of the question's key terms that the top passages contain.
    coverage: float = 0.0
    # The question's own terms (an English question's Chinese ones too), rarest first.
    key_terms: tuple[KeyTerm, ...] = ()
    # For a record question: the papers it is about and the passages that print the fields asked;
    # a title it names that no paper has.
    papers: tuple[Paper, ...] = ()
    record_lines: tuple[RecordLine, ...] = ()
    unmatched: str = ""
    # Every paper in the index, whole records with where each field is printed.
    catalog: tuple[Paper, ...] = ()
    # For a list question: the passage that opens each section of the files the best passages
    # come from, in file order, so that a section's numbered subheadings can be listed; and all
    # those files' passages, for a list whose items open paragraphs over several passages.
    outline: tuple[Passage, ...] = ()
    file_passages: tuple[Passage, ...] = ()

    @property
    def question(self) -> str:
        return self.reading.question


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    citations: tuple[Passage, ...]
    found: bool
    passages: tuple[Passage, ...] = ()
    notes: tuple[str, ...] = ()
    timings: Mapping[str, float] = field(default_factory=dict)
    # How strongly the best evidence matched the question; the abstention threshold applies to it.
    evidence_score: float = 0.0
    # Set by the LLM answerer's verification (rag.answer.verify): sentences checked against
    # their passages, removed as unsupported, and citations that were invented or wrong and got
    # fixed; and whether the model failed and this is the extractive answer instead.
    sentences_checked: int = 0
    unsupported_sentences: int = 0
    citations_repaired: int = 0
    fallback: bool = False
