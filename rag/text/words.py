"""Words of a text for keyword search: jieba words (Chinese) and lower-cased words (English).

Whitespace tokenisation scores Chinese text 0, so Chinese is segmented with jieba's search
mode, which also emits the short words inside long compounds.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any

from .script import CJK
from .stopwords import KEYWORD_STOPWORDS

_TOKEN = re.compile(f"[{CJK}]+|[A-Za-z][A-Za-z0-9\\-]*|\\d+(?:\\.\\d+)?%?")
_HAN_START = re.compile(f"[{CJK}]")


class Tokenizer:
    """One jieba instance per tokenizer, so nothing global is mutated."""

    def __init__(self) -> None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        self._jieba = jieba.Tokenizer()
        self._tagger: Any = None
        self._lock = threading.Lock()

    def frequency(self, word: str) -> int:
        """How common a word is in jieba's dictionary (0 when unknown)."""
        with self._lock:
            self._jieba.check_initialized()
            return int(self._jieba.FREQ.get(word, 0))

    def tagged(self, text: str) -> list[tuple[str, str]]:
        """The text's words with their part of speech (jieba's tags: n, nr, ns, v …)."""
        import jieba.posseg

        with self._lock:
            if self._tagger is None:
                self._tagger = jieba.posseg.POSTokenizer(self._jieba)
            return [(pair.word, pair.flag) for pair in self._tagger.lcut(text)]

    def words(self, text: str) -> list[str]:
        """The text as jieba segments it, every piece kept (punctuation too)."""
        with self._lock:
            return list(self._jieba.lcut(text))

    def tokens(self, text: str) -> list[str]:
        out: list[str] = []
        for piece in _TOKEN.findall(text):
            if _HAN_START.match(piece):
                with self._lock:
                    words = self._jieba.lcut_for_search(piece)
                out.extend(w for w in words if w not in KEYWORD_STOPWORDS and (len(w) > 1 or w.isdigit()))
            elif piece.lower() not in KEYWORD_STOPWORDS:
                out.append(piece.lower())
        return out
