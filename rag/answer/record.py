"""Answers to questions about a paper's bibliographic record, from the parsed record.

"这篇论文的作者是谁？" is answered by the record line that prints the authors, not by a body
sentence that mentions them: each field asked is stated in a short sentence in the question's
language and cited to the passage that prints it, with that span highlighted. A field the
paper does not print is said to be missing (found=False), never filled with some other quote.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from ..schema import Answer, Paper, PaperRecord, Passage, RecordLine, Retrieval
from .base import final_answer
from .record_wording import (
    Part,
    biography_part,
    chinese_part,
    citation_of,
    english_part,
    missing_name,
    paper_label,
)

# The fields that read as one phrase with their neighbours, in the order a citation prints them.
PUBLICATION = ("journal", "year", "volume", "issue", "pages")


class RecordAnswerer:
    def answer(self, retrieval: Retrieval) -> Answer:
        return final_answer(self.stream(retrieval))

    def stream(self, retrieval: Retrieval) -> Iterator[str | Answer]:
        answer = self._answer(retrieval)
        yield answer.text
        yield answer

    def _answer(self, retrieval: Retrieval) -> Answer:
        reading = retrieval.reading
        english = reading.english
        if retrieval.unmatched or not retrieval.papers:
            return _no_such_paper(retrieval)
        sentences: list[Sentence] = []
        for paper in retrieval.papers:
            lines = [line for line in retrieval.record_lines if line.paper_id == paper.paper_id]
            label = paper_label(paper.record, english)
            if reading.record_fields == ("title",):  # which papers: each as a reference
                title = tuple(line for line in lines if line.field == "title")
                sentences.append(Sentence("", label, [Part(citation_of(paper.record, english), title)]))
                continue
            parts = list(_parts(paper, reading.record_fields, lines, reading.question, english))
            lead = label
            if reading.record_fields == ("biographies",):
                lead = (
                    f"According to the author biography in {label}," if english else f"据{label}的作者简介，"
                )
            sentences.append(Sentence(lead, label, parts))
        if reading.record_fields == ("biographies",) and any(
            not p.missing for s in sentences for p in s.parts
        ):
            # A person's biography is printed in one of the papers they wrote: the others lack nothing.
            sentences = [replace(s, parts=[p for p in s.parts if not p.missing]) for s in sentences]
        return _compose(retrieval, sentences, english)


@dataclass(frozen=True)
class Sentence:
    """One paper's part of the answer: how it opens, the paper's name, and what it states."""

    lead: str
    label: str
    parts: list[Part]


def _parts(
    paper: Paper, fields: Sequence[str], lines: list[RecordLine], question: str, english: bool
) -> Iterator[Part]:
    record = paper.record
    by_field = {line.field: line for line in lines}
    asked = list(dict.fromkeys(fields))
    publication = [name for name in PUBLICATION if name in asked]
    for name in asked:
        if name in PUBLICATION and name != publication[0]:
            continue  # stated together with the first publication field
        if name in PUBLICATION:
            yield from _publication(record, publication, by_field, english)
        elif name == "biographies":
            bio_lines = tuple(line for line in lines if line.field == name)
            yield from biography_part(record, bio_lines, question, english)
        elif not getattr(record, name):
            yield Part(missing_name(name, english), (), missing=True)
        else:
            forms = (name, f"{name}_en") if english else (name,)
            cited = [by_field[f] for f in forms if f in by_field]
            wording = english_part if english else chinese_part
            yield Part(wording(record, name), tuple(cited))


def _publication(
    record: PaperRecord, asked: list[str], by_field: dict[str, RecordLine], english: bool
) -> Iterator[Part]:
    """Journal, year, volume, issue and pages as one citation-like phrase ("发表于《太平洋学报》
    2025年第4期，第50-62页"), with the fields asked that the record lacks named as missing."""
    shown = [
        name for name in PUBLICATION if getattr(record, name) and (name in asked or _read_with(name, asked))
    ]
    missing = [name for name in asked if not getattr(record, name)]
    if shown:
        cited = tuple(dict.fromkeys(by_field[name] for name in shown if name in by_field))
        wording = english_part if english else chinese_part
        yield Part(wording(record, "publication", tuple(shown)), cited)
    for name in missing:
        yield Part(missing_name(name, english), (), missing=True)


def _read_with(name: str, asked: list[str]) -> bool:
    """A year goes with an issue, an issue with a volume: "2025年第4期", not "第4期"."""
    return (name == "year" and ("issue" in asked or "volume" in asked)) or (
        name == "volume" and "issue" in asked
    )


def _compose(retrieval: Retrieval, sentences: list[Sentence], english: bool) -> Answer:
    """Each paper's sentence, markers numbered by first use; the cited passages come back with the
    record spans they print highlighted."""
    numbers: dict[str, int] = {}
    cited: dict[str, Passage] = {}
    written = []
    found = False
    for sentence in sentences:
        label = sentence.lead
        stated = [p for p in sentence.parts if not p.missing]
        lacking = [p for p in sentence.parts if p.missing]
        pieces = []
        for part in stated:
            markers = ""
            for line in part.lines:
                key = line.passage.chunk_id
                if f"[{numbers.get(key)}]" in markers:
                    cited[key] = cited[key].highlighted([(line.start, line.end)])
                    continue
                base = cited.get(key, line.passage)
                cited[key] = base.highlighted([(line.start, line.end)])
                markers += f"[{numbers.setdefault(key, len(numbers) + 1)}]"
            pieces.append(part.text + (f" {markers}" if english and markers else markers))
        found = found or bool(stated)
        if pieces:
            joiner = ", " if english else "，"
            body = joiner.join(pieces)
            written.append((f"{label} {body}." if label else f"{body}.") if english else f"{label}{body}。")
        if lacking:
            names = (" or " if english else "或").join(p.text for p in lacking)
            plain = sentence.label
            written.append(f"{plain} does not print {names}." if english else f"{plain}没有印出{names}。")
    citations = tuple(cited[key] for key in sorted(numbers, key=numbers.__getitem__))
    text = (" " if english else "").join(written)
    return Answer(retrieval.question, text, citations, found, passages=retrieval.passages)


def _no_such_paper(retrieval: Retrieval) -> Answer:
    english = retrieval.reading.english
    titles = [paper_label(p.record, english) for p in retrieval.catalog]
    named = retrieval.unmatched
    if english:
        text = f"No paper in the index matches “{named}”. " if named else "No paper in the index matches. "
        text += "The papers are: " + "; ".join(titles) + "." if titles else ""
    else:
        text = f"索引中没有与《{named}》相符的论文。" if named else "索引中没有相符的论文。"
        text += "现有论文：" + "；".join(titles) + "。" if titles else ""
    return Answer(retrieval.question, text.strip(), (), False, passages=retrieval.passages)
