"""Which script a text is written in, and so which language a question is asked in."""

from __future__ import annotations

import re

CJK = r"\u3400-\u9fff\uf900-\ufaff"
CJK_PUNCT = r"\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\u2014\u2018\u2019\u201c\u201d\u2026"
_HAN = re.compile(f"[{CJK}]")
_LATIN = re.compile(r"[A-Za-z]")


def is_english(text: str) -> bool:
    """Mostly Latin letters: an English question mentioning 冰川 is still English."""
    return len(_LATIN.findall(text)) > 2 * len(_HAN.findall(text))


def script_share(text: str, cjk: bool) -> float:
    """The share of the letters of ``text`` that are Chinese (``cjk``) or Latin (not ``cjk``)."""
    han, latin = len(_HAN.findall(text)), len(_LATIN.findall(text))
    return (han if cjk else latin) / (han + latin) if han + latin else 1.0


def has_cjk(text: str) -> bool:
    return _HAN.search(text) is not None
