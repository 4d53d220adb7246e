"""Which papers a question names: "张建平、张旭这篇论文", "In Wei Ling and Liang Wei's
paper", "the Pacific Journal paper".

A reader who names a paper asks about that paper, so retrieval searches only its files.
Without this, a question that names its paper by authors or journal in English matches
every English abstract and reference list in the collection better than the Chinese
passage it asks about. A paper is named by an author (in Chinese, or romanised in pinyin
as "Zhang Lihui", "ZHANG Li-hui" or "Lihui Zhang"), by its journal (in Chinese, or in
English words that cover the Chinese name: 太平洋学报 is "Pacific Journal"), or by its
title, whole or a long run of it. The papers named by the most of these win; a year in the
question breaks ties.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..schema import Paper
from ..text.script import CJK
from ..text.shingles import compact
from .crosslingual import TermTranslator, word_forms

# Share of a journal's Chinese name that the question's English words must translate, in
# at least two dictionary words: "Chinese" alone must not name 中国科学院院刊.
JOURNAL_COVERAGE = 0.7
_EDITION = re.compile(r"[（(][^）)]*[）)]")
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
_LATIN_WORD = re.compile(r"[a-z]+")
# A title's part before its subtitle names the paper too; a shorter part is a phrase.
_MAIN_TITLE = re.compile(r"[：:]")
_MIN_TITLE_CHARS = 8
# A run of a title this long, which no other title has, names its paper ("…加强气候合作那篇").
DESCRIBED_TITLE_CHARS = 10
# Words many journals' English names share; the rest of a name names its journal.
_GENERIC_JOURNAL_WORDS = frozenset(
    "journal journals of the and university sciences science social philosophy edition version chinese china"
    " academy review studies research international".split()
)


@dataclass(frozen=True)
class _Entry:
    paper: Paper
    titles: tuple[str, ...]  # compacted: the title and its part before the subtitle
    journal: str  # without its edition, "（哲学社会科学版）"
    # The words of the journal's English name that name it ("pacific", "bulletin", "xinjiang").
    journal_words: frozenset[str]


@dataclass(frozen=True)
class _Catalogue:
    """A list of papers' identifiers, each pointing at its papers (by their number), so
    that a question is matched by looking up its own runs of characters rather than by
    searching it for each paper's authors and titles (at 1,000 papers: 0.09 ms a question against 0.9)."""

    entries: tuple[_Entry, ...]
    by_author: dict[str, tuple[int, ...]]
    by_title: dict[str, frozenset[int]]
    # Each run of DESCRIBED_TITLE_CHARS characters of a title, and the papers whose titles have it.
    runs: dict[str, frozenset[int]]
    # Papers by their journal and its English words, which are matched once for all of them.
    journals: dict[tuple[str, frozenset[str]], tuple[int, ...]]
    authors: frozenset[str]
    author_lengths: frozenset[int]
    title_lengths: frozenset[int]

    @classmethod
    def of(cls, papers: Sequence[Paper]) -> _Catalogue:
        entries = tuple(_entry(paper) for paper in papers)
        by_author: dict[str, list[int]] = {}
        by_title: dict[str, set[int]] = {}
        runs: dict[str, set[int]] = {}
        journals: dict[tuple[str, frozenset[str]], list[int]] = {}
        for n, entry in enumerate(entries):
            for author in dict.fromkeys(entry.paper.record.authors):
                by_author.setdefault(author, []).append(n)
            for title in entry.titles:
                by_title.setdefault(title, set()).add(n)
                for i in range(len(title) - DESCRIBED_TITLE_CHARS + 1):
                    runs.setdefault(title[i : i + DESCRIBED_TITLE_CHARS], set()).add(n)
            journals.setdefault((entry.journal, entry.journal_words), []).append(n)
        return cls(
            entries,
            {author: tuple(ns) for author, ns in by_author.items()},
            {title: frozenset(ns) for title, ns in by_title.items()},
            {run: frozenset(ns) for run, ns in runs.items()},
            {key: tuple(ns) for key, ns in journals.items()},
            frozenset(by_author),
            frozenset(len(author) for author in by_author),
            frozenset(len(title) for title in by_title),
        )

    def authors_in(self, question: str) -> set[str]:
        """The papers' authors that the question writes."""
        return _runs_in(question, self.by_author, self.author_lengths)

    def titles_in(self, squeezed: str) -> set[int]:
        """The papers whose title, or the part before its subtitle, the question holds whole;
        and those it describes: "中国与中亚国家加强气候合作那篇论文", a long run of a title's
        words that no other paper's title has, though the reader did not quote the whole title."""
        quoted = {
            n for title in _runs_in(squeezed, self.by_title, self.title_lengths) for n in self.by_title[title]
        }
        size = DESCRIBED_TITLE_CHARS
        held = (self.runs.get(squeezed[i : i + size], ()) for i in range(len(squeezed) - size + 1))
        return quoted | {next(iter(papers)) for papers in held if len(papers) == 1}


def _runs_in(text: str, keys: Mapping[str, object], lengths: frozenset[int]) -> set[str]:
    """The keys that occur in ``text``: its runs of each of the keys' ``lengths``, looked up."""
    runs = (text[i : i + size] for size in lengths for i in range(len(text) - size + 1))
    return {run for run in runs if run in keys}


def _entry(paper: Paper) -> _Entry:
    record = paper.record
    titles = {_compact(record.title), _compact(_MAIN_TITLE.split(record.title)[0])}
    return _Entry(
        paper,
        tuple(t for t in titles if len(t) >= _MIN_TITLE_CHARS),
        _EDITION.sub("", record.journal),
        frozenset(_LATIN_WORD.findall(_EDITION.sub("", record.journal_en).lower())) - _GENERIC_JOURNAL_WORDS,
    )


class PaperNamer:
    """Each identifier is prepared once per list of papers (see _Catalogue), so that a
    question is matched against a thousand papers in a fraction of a millisecond."""

    def __init__(self, translator: TermTranslator) -> None:
        self.translator = translator
        self._catalogue: tuple[Sequence[Paper], _Catalogue] | None = None
        self._spelled: tuple[Sequence[Paper], dict[str, set[str]]] | None = None
        self._journals: dict[str, list[tuple[str, frozenset[str]]]] = {}

    def named(self, question: str, papers: Sequence[Paper]) -> list[Paper]:
        """The papers the question names (none when it names no paper)."""
        # A name in pinyin and a journal's name in English are two words or more; one Latin
        # word (an acronym in a Chinese question) names nothing and loads no dictionary.
        latin = _LATIN_WORD.findall(question.lower())
        if len(latin) < 2:
            latin = []
        words = {form for word in latin for form in word_forms(word)}
        catalogue = self._prepared(papers)
        authors = catalogue.authors_in(question)
        if latin:
            authors |= self._romanised_authors(latin, papers)
        titled = catalogue.titles_in(_compact(question))
        journal_named = {
            n
            for (journal, journal_words), members in catalogue.journals.items()
            if (journal and self._names_journal(question, words, journal))
            or (journal_words and journal_words <= words)
            for n in members
        }
        candidates = {n for author in authors for n in catalogue.by_author.get(author, ())}
        scores = {
            n: sum(a in authors for a in catalogue.entries[n].paper.record.authors)
            + int(n in journal_named)
            + int(n in titled)
            for n in sorted(candidates | titled | journal_named)
        }
        best = max(scores.values(), default=0)
        if best == 0:
            return []
        named = [catalogue.entries[n].paper for n, score in scores.items() if score == best]
        years = set(_YEAR.findall(question))
        return [paper for paper in named if paper.record.year in years] or named

    def authors(self, papers: Sequence[Paper]) -> frozenset[str]:
        """Every author of ``papers`` (gathered once per paper list: 0.8 ms at 1,000 papers)."""
        return self._prepared(papers).authors

    def _prepared(self, papers: Sequence[Paper]) -> _Catalogue:
        if self._catalogue is None or self._catalogue[0] is not papers:
            self._catalogue = (papers, _Catalogue.of(papers))
        return self._catalogue[1]

    def _romanised_authors(self, latin: list[str], papers: Sequence[Paper]) -> set[str]:
        """The authors whose pinyin the question writes: runs of two to four of its Latin
        words, joined ("ZHANG Li-hui" -> "zhanglihui"), looked up among the authors' spellings."""
        spelled = self._spelled
        if spelled is None or spelled[0] is not papers:
            index: dict[str, set[str]] = {}
            for author in {author for paper in papers for author in paper.record.authors}:
                for spelling in self._spellings(author):
                    index.setdefault(spelling, set()).add(author)
            spelled = self._spelled = (papers, index)
        runs = {
            "".join(latin[i:j]) for i in range(len(latin)) for j in range(i + 2, min(i + 5, len(latin) + 1))
        }
        return {author for run in runs for author in spelled[1].get(run, ())}

    def _spellings(self, name: str) -> set[str]:
        """The name in pinyin, family name first or last, every reading of each character."""
        spellings: set[str] = set()
        if re.fullmatch(f"[{CJK}]{{2,4}}", name):
            syllables = [self.translator.readings(char) for char in name]
            for split in {1, len(name) - 2} if len(name) == 4 else {1}:
                for family in _joined(syllables[:split]):
                    for given in _joined(syllables[split:]):
                        spellings |= {family + given, given + family}
        return spellings

    def _names_journal(self, question: str, words: set[str], name: str) -> bool:
        if name in question:
            return True
        if not words:
            return False
        if name not in self._journals:
            self._journals[name] = self.translator.english_words(name)
        covered = [len(piece) for piece, senses in self._journals[name] if senses & words]
        return len(covered) >= 2 and sum(covered) >= JOURNAL_COVERAGE * len(name)


def _joined(syllables: list[frozenset[str]]) -> set[str]:
    """Every spelling of a run of characters (empty when one has no known reading)."""
    spellings = {""}
    for readings in syllables:
        spellings = {s + r for s in spellings for r in readings}
    return spellings


def _compact(text: str) -> str:
    return compact(text).lower()
