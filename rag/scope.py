"""Which papers a question names: "张建平、张旭这篇论文", "In Wei Ling and Liang Wei's
paper", "the Pacific Journal paper".

A reader who names a paper asks about that paper, so retrieval searches only its files.
Without this, a question that names its paper by authors or journal in English matches
every English abstract and reference list in the collection better than the Chinese
passage it asks about. A paper is named by an author (in Chinese, or romanised in pinyin
as "Zhang Lihui", "ZHANG Li-hui" or "Lihui Zhang"), by its journal (in Chinese, or in
English words that cover the Chinese name: 太平洋学报 is "Pacific Journal"), or by its
title. The papers named by the most of these win; a year in the question breaks ties.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .cleaning import CJK
from .crosslingual import TermTranslator, word_forms
from .schema import Paper

# Share of a journal's Chinese name that the question's English words must translate, in
# at least two dictionary words: "Chinese" alone must not name 中国科学院院刊.
JOURNAL_COVERAGE = 0.7
_EDITION = re.compile(r"[（(][^）)]*[）)]")
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
_LATIN_WORD = re.compile(r"[a-z]+")
# A title's part before its subtitle names the paper too; a shorter part is a phrase.
_MAIN_TITLE = re.compile(r"[：:]")
_MIN_TITLE_CHARS = 8


class PaperNamer:
    def __init__(self, translator: TermTranslator) -> None:
        self.translator = translator
        self._patterns: dict[str, re.Pattern[str] | None] = {}
        self._journals: dict[str, list[tuple[str, frozenset[str]]]] = {}

    def named(self, question: str, papers: Sequence[Paper]) -> list[Paper]:
        """The papers the question names (none when it names no paper)."""
        scores = [(self._score(question, paper), paper) for paper in papers]
        best = max((score for score, _ in scores), default=0)
        if best == 0:
            return []
        named = [paper for score, paper in scores if score == best]
        years = set(_YEAR.findall(question))
        return [paper for paper in named if paper.year in years] or named

    def _score(self, question: str, paper: Paper) -> int:
        """How many of the paper's identifiers (each author, the journal, the title) the question names."""
        authors = sum(self._names_author(question, author) for author in paper.authors)
        journal = bool(paper.journal) and self._names_journal(question, paper.journal)
        titles = {paper.title, _MAIN_TITLE.split(paper.title)[0]}
        title = any(
            len(_compact(t)) >= _MIN_TITLE_CHARS and _compact(t) in _compact(question) for t in titles
        )
        return authors + int(journal) + int(title)

    def _names_author(self, question: str, author: str) -> bool:
        if author in question:
            return True
        if not _LATIN_WORD.search(question.lower()):  # no pinyin to match, no dictionary to load
            return False
        if author not in self._patterns:
            self._patterns[author] = self._romanised(author)
        pattern = self._patterns[author]
        return pattern is not None and pattern.search(question.lower()) is not None

    def _romanised(self, name: str) -> re.Pattern[str] | None:
        """A pattern for the name in pinyin, family name first or last."""
        if not re.fullmatch(f"[{CJK}]{{2,4}}", name):
            return None
        syllables = [self.translator.readings(char) for char in name]
        if not all(syllables):
            return None
        alternatives = []
        for split in {1, len(name) - 2} if len(name) == 4 else {1}:
            family = r"[\s-]?".join(_any(s) for s in syllables[:split])
            given = r"[\s-]?".join(_any(s) for s in syllables[split:])
            alternatives += [rf"{family}[\s,]+{given}", rf"{given}\s+{family}"]
        return re.compile(rf"\b(?:{'|'.join(alternatives)})\b")

    def _names_journal(self, question: str, journal: str) -> bool:
        name = _EDITION.sub("", journal)
        if name in question:
            return True
        words = {form for word in _LATIN_WORD.findall(question.lower()) for form in word_forms(word)}
        if not words:
            return False
        if name not in self._journals:
            self._journals[name] = self.translator.english_words(name)
        covered = [len(piece) for piece, senses in self._journals[name] if senses & words]
        return len(covered) >= 2 and sum(covered) >= JOURNAL_COVERAGE * len(name)


def _any(readings: frozenset[str]) -> str:
    return "(?:" + "|".join(sorted(readings)) + ")"


def _compact(text: str) -> str:
    return "".join(re.findall(f"[{CJK}A-Za-z0-9]", text)).lower()
