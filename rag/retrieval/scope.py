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
from collections.abc import Sequence
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


class PaperNamer:
    """Each identifier is prepared once per list of papers, so that a question is matched
    against a thousand papers in about a millisecond."""

    def __init__(self, translator: TermTranslator) -> None:
        self.translator = translator
        self._prepared: tuple[Sequence[Paper], list[_Entry]] | None = None
        # Each run of DESCRIBED_TITLE_CHARS characters of a title, and the papers whose titles have it.
        self._runs: dict[str, set[int]] = {}
        self._spelled: tuple[Sequence[Paper], dict[str, set[str]]] | None = None
        self._journals: dict[str, list[tuple[str, frozenset[str]]]] = {}

    def named(self, question: str, papers: Sequence[Paper]) -> list[Paper]:
        """The papers the question names (none when it names no paper)."""
        # A name in pinyin and a journal's name in English are two words or more; one Latin
        # word (an acronym in a Chinese question) names nothing and loads no dictionary.
        latin = _LATIN_WORD.findall(question.lower())
        if len(latin) < 2:
            latin = []
        spoken = self._romanised_authors(latin, papers) if latin else set()
        words = {form for word in latin for form in word_forms(word)}
        journals: dict[str, bool] = {}
        squeezed = _compact(question)
        entries = self._entries(papers)
        described = self._described(squeezed)
        scores = []
        for n, entry in enumerate(entries):
            authors = sum(author in question or author in spoken for author in entry.paper.record.authors)
            if entry.journal and entry.journal not in journals:
                journals[entry.journal] = self._names_journal(question, words, entry.journal)
            journal = (bool(entry.journal) and journals[entry.journal]) or bool(
                entry.journal_words and entry.journal_words <= words
            )
            title = n in described or any(t in squeezed for t in entry.titles)
            scores.append((authors + int(journal) + int(title), entry.paper))
        best = max((score for score, _ in scores), default=0)
        if best == 0:
            return []
        named = [paper for score, paper in scores if score == best]
        years = set(_YEAR.findall(question))
        return [paper for paper in named if paper.record.year in years] or named

    def _described(self, squeezed: str) -> set[int]:
        """ "中国与中亚国家加强气候合作那篇论文": a long run of a title's words that no other
        paper's title has names its paper, though the reader did not quote the whole title.
        (Found among the runs prepared with the entries: comparing the question with every
        title, each against the others, took 0.75 s a question at 1,000 papers.)"""
        size = DESCRIBED_TITLE_CHARS
        held = (self._runs.get(squeezed[i : i + size], ()) for i in range(len(squeezed) - size + 1))
        return {next(iter(papers)) for papers in held if len(papers) == 1}

    def _entries(self, papers: Sequence[Paper]) -> list[_Entry]:
        prepared = self._prepared
        if prepared is not None and prepared[0] is papers:
            return prepared[1]
        entries = [
            _Entry(
                paper,
                tuple(
                    t
                    for t in {
                        _compact(paper.record.title),
                        _compact(_MAIN_TITLE.split(paper.record.title)[0]),
                    }
                    if len(t) >= _MIN_TITLE_CHARS
                ),
                _EDITION.sub("", paper.record.journal),
                frozenset(_LATIN_WORD.findall(_EDITION.sub("", paper.record.journal_en).lower()))
                - _GENERIC_JOURNAL_WORDS,
            )
            for paper in papers
        ]
        self._runs = {}
        for n, entry in enumerate(entries):
            for title in entry.titles:
                for i in range(len(title) - DESCRIBED_TITLE_CHARS + 1):
                    self._runs.setdefault(title[i : i + DESCRIBED_TITLE_CHARS], set()).add(n)
        self._prepared = (papers, entries)
        return entries

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
