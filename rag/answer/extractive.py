"""The default answerer, which needs no LLM: it quotes the sentences of the best passages
that answer the question (semantic similarity plus key-term overlap), marks each with the
number of its passage, and abstains when even the best sentence is weak.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from ..schema import Answer, Passage, Reading, Retrieval
from ..text.directives import steers
from ..text.fields import is_record_line
from ..text.layout import is_heading
from ..text.lists import number_of
from ..text.numbers import MULTIPLIERS, asks_amount_of, units_of
from ..text.reasons import draws_consequence, gives_reason
from ..text.script import is_english
from ..text.sentences import sentence_spans
from ..text.words import Tokenizer
from .base import compose, not_found_text
from .english import ENGLISH_MARGIN, lead_for

# Share of the sentence score given to overlap with the question's key terms.
LEXICAL_WEIGHT = 0.1
# Weight of the question's term coverage by the top passages in the evidence score.
COVERAGE_WEIGHT = 0.1
MIN_SENTENCE_CHARS = 8
# How far below the best sentence a second paper's best may score and still be quoted beside it.
SECOND_PAPER_MARGIN = 0.15
_QUANTITY = re.compile(
    r"\d+(?:\.\d+)?|[一二两三四五六七八九十百千万亿半]+\s*(?:个|名|位|项|次|年|座|家|种|倍|成|%|万|亿)"
)
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
# "第三届峰会", "首届": an ordinal of an event, which another one's ("第二届") does not answer.
_ORDINAL = re.compile(r"(?:第([一二三四五六七八九十\d]+)|(首))([届次轮期批])")
# jieba's tags for the names a who / which-organisation / where question asks for.
_KIND_TAGS = {"person": ("nr",), "organisation": ("nt",), "place": ("ns",)}
_ORGANISATION = re.compile(
    r"[\u4e00-\u9fff]{2,}(?:公司|集团|银行|机构|组织|委员会|基金会|研究院|研究所|大学|联盟|署)"
)
_DATE = re.compile(r"(?:19|20)\d{2}(?:\s*年)?|\d{1,2}\s*月")
_REFERENCE_SECTION = re.compile(r"^\s*(?:参考文献|references|bibliography|注释)\s*$", re.I)
# Footnotes and reference-list entries are sources, not statements of the paper.
_REFERENCE = re.compile(
    r"https?://|www\.|\[(?:J|M|N|C|D|R|Z|EB/OL)\]|\bet al\b"
    r"|\b(?:19|20)\d{2}\s*[,，]\s*\d+\s*[（(]\d+[)）]\s*[:：]"
    # An English reference entry opens with surnames and initials: "Du X Y, Zhou Q. The idea …"
    r"|^\s*(?:-\s*)?(?:\[\d+\]\s*)?[A-Z][a-z]+(?: [A-Z]){1,3}(?:, [A-Z][a-z]+(?: [A-Z]){1,3})*[.,]"
)


@dataclass(frozen=True)
class Candidate:
    passage_rank: int
    start: int
    end: int
    score: float


class ExtractiveAnswerer:
    def __init__(
        self,
        tokenizer: Tokenizer,
        min_evidence_score: float,
        min_evidence_score_en: float,
        max_sentences: int = 3,
        max_passages: int = 4,
        rare_terms: int = 0,
        rare_idf: float = 0.0,
        term_share: float = 0.0,
    ) -> None:
        """English questions get their own threshold: cross-lingual similarities run lower.

        ``rare_terms``: the quoted sentence (or the one before it) must name this many of the
        question's rarest terms, those with an IDF of at least ``rare_idf``: an answer about
        天山 does not answer a question about 帕米尔高原. A question naming something the corpus
        never does (罗贡, COP31) is not answered at all. ``term_share``: and it (with the sentence
        before, its section heading and its paper's title and authors) must hold this share of the
        question's key terms, weighted by IDF: a sentence on the pipeline's throughput does not say
        when its D line is finished.
        """
        self.tokenizer = tokenizer
        self.min_evidence_score = min_evidence_score
        self.min_evidence_score_en = min_evidence_score_en
        self.max_sentences = max_sentences
        self.max_passages = max_passages
        self.rare_terms = rare_terms
        self.rare_idf = rare_idf
        self.term_share = term_share

    def answer(self, retrieval: Retrieval) -> Answer:
        """Sentences are scored against the question as retrieval read it: a follow-up
        ("它的具体内容是什么？") says little on its own."""
        reading, passages = retrieval.reading, retrieval.passages
        unknown = [t for t in retrieval.key_terms if not t.known]
        unmeasured = reading.asks_quantity and any(asks_amount_of(reading.question, t.term) for t in unknown)
        if unmeasured or any(t.specific for t in unknown):
            text = not_found_text(reading.question)
            return Answer(reading.question, text, (), False, passages=passages)
        rare = [t.term for t in retrieval.key_terms if t.known and t.specific and t.idf >= self.rare_idf]
        required = [] if reading.english else rare
        weights = {t.term: t.idf for t in retrieval.key_terms if t.known and t.idf > 0}
        printed = Printed.of(retrieval)
        candidates = self._candidates(
            reading, passages[: self.max_passages], required[: self.rare_terms], weights, printed
        )
        best = candidates[0].score if candidates else 0.0
        best += COVERAGE_WEIGHT * retrieval.coverage if passages else 0.0
        threshold = self.min_evidence_score_en if reading.english else self.min_evidence_score
        if best < threshold:
            text = not_found_text(reading.question)
            return Answer(reading.question, text, (), False, passages=passages, evidence_score=best)
        if reading.english:  # the papers' English text, where it says nearly as much
            english = [c for c in candidates if is_english(passages[c.passage_rank].text[c.start : c.end])]
            if english and english[0].score >= candidates[0].score - ENGLISH_MARGIN:
                candidates = english
        chosen = [c for c in candidates if c.score >= candidates[0].score - 0.04][: self.max_sentences]
        if reading.asks_papers:
            chosen = _from_two_papers(chosen, candidates, passages, self.max_sentences)
        if reading.asks_reason:
            chosen, passages = _with_reason(chosen, retrieval, printed, self.max_sentences)
        chosen.sort(key=lambda c: (c.passage_rank, c.start))
        spans = [(c.passage_rank, c.start, c.end) for c in chosen]
        lead = lead_for(retrieval.catalog) if reading.english else None
        answer = compose(reading.question, passages, spans, lead)
        return replace(answer, evidence_score=best)

    def stream(self, retrieval: Retrieval) -> Iterator[str | Answer]:
        answer = self.answer(retrieval)
        yield from re.findall(r".+?(?:\[\d+\]|$)", answer.text)
        yield answer

    def _candidates(
        self,
        reading: Reading,
        passages: Sequence[Passage],
        required: Sequence[str] = (),
        weights: dict[str, float] | None = None,
        printed: Printed | None = None,
    ) -> list[Candidate]:
        """Sentences that could answer, best first; each distinct sentence once. ``printed``:
        where each file prints its paper's record (authors, affiliations, funding, biographies):
        a content question is never answered with those lines."""
        question, unit = reading.query, reading.unit
        terms = set(self.tokenizer.tokens(question))
        # What the question itself states does not answer it ("2024年春季…多少人": not 2024).
        numbers = _stated(_QUANTITY, question) if reading.asks_quantity else None
        dates = _stated(_DATE, question) if reading.asks_time else None
        years = set(_YEAR.findall(reading.question))
        ordinals = _ordinals(reading.question)
        seen: set[str] = set()
        out = []
        for rank, passage in enumerate(passages):
            if _REFERENCE_SECTION.match(passage.section):
                continue
            for scored in passage.sentences:
                start, end = scored.start, scored.end
                sentence = passage.text[start:end]
                if len(sentence) < MIN_SENTENCE_CHARS or sentence in seen or is_heading(sentence):
                    continue
                if _is_title(sentence, passage.title) or _is_english_heading(sentence):
                    continue
                if numbers is not None and not any(
                    _counts_in(sentence, q, unit) for q in _new(_QUANTITY, sentence, numbers)
                ):
                    continue
                if dates is not None and not _new(_DATE, sentence, dates):
                    continue
                if _is_reference(passage.text, start, end) or steers(sentence, reading.question):
                    continue
                if printed is not None and printed.holds(passage, start, end):
                    continue
                before = passage.text[max(0, _previous_start(passage, start)) : end]
                if any(term not in before for term in required):
                    continue
                if weights and not self._covers(
                    f"{before} {passage.section} {passage.title} {passage.authors}", sentence, weights
                ):
                    continue
                if years and _YEAR.search(before) and not any(year in before for year in years):
                    continue  # a figure of another year ("2023年…") does not answer "2024年…"
                if ordinals and (named := _ordinals(before)) and not ordinals & named:
                    continue
                if reading.asks_kind and not self._names(sentence, reading.asks_kind, question):
                    continue
                seen.add(sentence)
                overlap = len(terms & set(self.tokenizer.tokens(sentence))) / len(terms) if terms else 0.0
                out.append(Candidate(rank, start, end, scored.similarity + LEXICAL_WEIGHT * overlap))
        return sorted(out, key=lambda c: -c.score)

    def _covers(self, context: str, sentence: str, weights: dict[str, float]) -> bool:
        """Whether ``context`` holds ``term_share`` of the key terms by IDF. An English sentence
        passes: the terms are Chinese, and its own words are weighed by its similarity."""
        if self.term_share <= 0 or is_english(sentence):
            return True
        held = sum(idf for term, idf in weights.items() if term in context)
        return held >= self.term_share * sum(weights.values())

    def _names(self, sentence: str, kind: str, question: str) -> bool:
        """Whether the sentence names a person, organisation or place the question does not."""
        tags = _KIND_TAGS[kind]
        named = [
            w for w, flag in self.tokenizer.tagged(sentence) if flag.startswith(tags) and w not in question
        ]
        return bool(named) or (kind == "organisation" and bool(_ORGANISATION.search(sentence)))


def _ordinals(text: str) -> set[tuple[int, str]]:
    return {(1 if first else number_of(number), unit) for number, first, unit in _ORDINAL.findall(text)}


def _with_reason(
    chosen: list[Candidate], retrieval: Retrieval, printed: Printed, limit: int
) -> tuple[list[Candidate], tuple[Passage, ...]]:
    """A why-question's best sentence, when it states the claim and not its cause, with the
    sentence beside it in its section: the next one, or the one before when the best draws a
    consequence ("因此…"). The reason often shares few words with the question, so it is not
    among the candidates (rag.text.reasons). It may stand in the file's next chunk."""
    passages = retrieval.passages
    top = chosen[0]
    passage = passages[top.passage_rank]
    claim = passage.text[top.start : top.end]
    if gives_reason(claim):
        return chosen, passages
    found = _beside(passage, top.start, top.end, draws_consequence(claim), retrieval.file_passages)
    if found is None:
        return chosen, passages
    holder, start, end = found
    sentence = holder.text[start:end]
    if (
        len(sentence) < MIN_SENTENCE_CHARS
        or is_heading(sentence)
        or _is_reference(holder.text, start, end)
        or steers(sentence, retrieval.reading.question)
        or printed.holds(holder, start, end)
    ):
        return chosen, passages
    ranks = {p.chunk_id: n for n, p in enumerate(passages)}
    if holder.chunk_id not in ranks:
        passages = (*passages, holder)
    rank = ranks.get(holder.chunk_id, len(passages) - 1)
    rest = [c for c in chosen[1:] if (c.passage_rank, c.start) != (rank, start)]
    return [top, Candidate(rank, start, end, top.score), *rest][:limit], passages


def _beside(
    passage: Passage, start: int, end: int, before: bool, chunks: Sequence[Passage]
) -> tuple[Passage, int, int] | None:
    """The sentence next to (``before``: in front of) the passage's ``start``..``end`` in its
    file and section, and the chunk to quote it from: the passage itself, else a chunk of the
    file, none across a paragraph break."""
    at, to = passage.start + start, passage.start + end
    holders = [passage] + [
        c
        for c in chunks
        if c.source == passage.source and c.section == passage.section and c.chunk_id != passage.chunk_id
    ]
    best: tuple[int, Passage, int, int] | None = None
    for holder in holders:
        for span in sentence_spans(holder.text):
            gap = at - (holder.start + span.end) if before else holder.start + span.start - to
            if 0 <= gap <= 2 and (best is None or gap < best[0]):
                best = (gap, holder, span.start, span.end)
    if best is None:
        return None
    gap, holder, s, e = best
    if holder.start <= at and to - holder.start <= len(holder.text):  # it holds both
        lo, hi = (e, at - holder.start) if before else (to - holder.start, s)
        if "\n" in holder.text[lo:hi]:
            return None
    elif gap > 1:  # a space between sentences, not the blank line between paragraphs
        return None
    return holder, s, e


def _is_english_heading(sentence: str) -> bool:
    """An English title or heading line: no sentence end ("The Foundation, Value and Path for …")."""
    return is_english(sentence) and not sentence.rstrip().endswith((".", "?", "!", ";", ".”", '."'))


def _previous_start(passage: Passage, start: int) -> int:
    """Where the sentence before the one at ``start`` begins (a subject named there counts)."""
    earlier = [s.start for s in passage.sentences if s.start < start]
    return earlier[-1] if earlier else start


def _stated(pattern: re.Pattern[str], text: str) -> set[str]:
    return {m.group(0) for m in pattern.finditer(text)}


def _new(pattern: re.Pattern[str], sentence: str, stated: set[str]) -> list[re.Match[str]]:
    """The sentence's numbers or dates that are not among those the question ``stated``."""
    return [m for m in pattern.finditer(sentence) if m.group(0) not in stated]


def _counts_in(sentence: str, quantity: re.Match[str], unit: str) -> bool:
    """Whether the quantity is in the asked unit ("11.8万人" for "多少人", not "70年"); any
    quantity counts when the question names no unit. A sentence without the asked unit does
    not answer: "多少兆瓦" is not answered by a figure in years."""
    after = sentence[quantity.end() :]
    units = "|".join(re.escape(u) for u in units_of(unit))
    return not unit or re.match(rf"\s*[{MULTIPLIERS}]*\s*(?:{units})", after) is not None


def _from_two_papers(
    chosen: list[Candidate], candidates: list[Candidate], passages: Sequence[Passage], most: int
) -> list[Candidate]:
    """A question about what two papers say gets the best sentence of a second paper too, when
    one comes near the best: quoting one paper twice does not show that both say it."""

    def paper(c: Candidate) -> str:
        return passages[c.passage_rank].paper_id or passages[c.passage_rank].source

    papers = {paper(c) for c in chosen}
    if len(papers) > 1:
        return chosen
    near = candidates[0].score - SECOND_PAPER_MARGIN
    other = next((c for c in candidates if paper(c) not in papers and c.score >= near), None)
    return chosen if other is None else [*chosen[: most - 1], other]


@dataclass(frozen=True)
class Printed:
    """Where each file prints its paper's record, and the names of its authors, which open
    the lines of their biographies ("ZHANG Jianping Senior Researcher, …")."""

    spans: dict[str, list[tuple[int, int]]]
    authors: dict[str, tuple[str, ...]]

    @classmethod
    def of(cls, retrieval: Retrieval) -> Printed:
        """Of the files the retrieval's passages come from, the only ones its answer quotes
        (the whole catalogue took 7 ms an answer at 1,000 papers)."""
        files = {p.source for p in (*retrieval.passages, *retrieval.file_passages)}
        spans: dict[str, list[tuple[int, int]]] = {}
        authors: dict[str, tuple[str, ...]] = {}
        for paper in retrieval.catalog:
            if files.isdisjoint(paper.sources):
                continue
            for span in paper.record.spans:
                spans.setdefault(span.source, []).append((span.start, span.end))
            names = tuple(_compact(n) for n in (*paper.record.authors, *paper.record.authors_en) if n)
            authors.update(dict.fromkeys(paper.sources, names))
        return cls(spans, authors)

    def holds(self, passage: Passage, start: int, end: int) -> bool:
        at = passage.start + start
        if any(s < passage.start + end and at < e for s, e in self.spans.get(passage.source, ())):
            return True
        line = _compact(passage.text[passage.text.rfind("\n", 0, start) + 1 : end])
        return any(line.startswith(name) for name in self.authors.get(passage.source, ()))


def _compact(text: str) -> str:
    return re.sub(r"\W", "", text).lower()


def _is_title(sentence: str, title: str) -> bool:
    """A paper's title names its subject; quoted as an answer it says nothing."""
    compact = re.sub(r"\W", "", sentence)
    return bool(title) and compact == re.sub(r"\W", "", title)


def _is_reference(text: str, start: int, end: int) -> bool:
    """A reference-list entry, a footnote's source, or a line of the paper's own record (its
    citation line, keywords, DOI): bibliographic details, not statements that answer a question.
    Judged on the whole line: an English reference entry is cut into pieces at its ". "."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line = text[line_start : line_end if line_end >= 0 else len(text)]
    return bool(_REFERENCE.search(line)) or is_record_line(line)
