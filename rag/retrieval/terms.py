"""The question's key terms and how rare the corpus finds each, for the answer's evidence check.

A reader accepts "the papers do not say" for "罗贡水电站的总投资额" when the papers never name
罗贡, and accepts no answer to "帕米尔高原冰川减少了多少" that only gives 天山's figure: the
answer must name what the question names. Nouns and names count (jieba's tags), not the
question's verbs and function words; an English question's terms are its Chinese ones and
its own names ("COP31", "Namangan").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from ..schema import KeyTerm, Paper
from ..text.words import Tokenizer

# jieba's tags for nouns, names (person, place, organisation, other), abbreviations, Latin words.
_CONTENT = ("n", "j", "eng", "vn")
_NAMES = ("nr", "ns", "nt", "nz", "j", "eng")
# A Latin name with a number in it ("COP31", "SDG13"): no dictionary translates it.
_LATIN_NAME = re.compile(r"\b[A-Za-z]+\d+[A-Za-z\d]*\b")
_ASKING = re.compile(r"哪|什么|多少|几|谁|吗|怎|如何|为何")
# Tags of characters that are not names on their own: jieba glues "论文中都被" into 中都 (a place).
_GLUE_TAGS = ("f", "d", "p", "u", "c", "r", "q", "m")
_QUESTION_NOUNS = frozenset(
    "论文 文章 作者 问题 方面 内容 原因 情况 数据 比例 数量 国家 地区 时候 哪些 什么".split()
)


def key_terms(
    question: str,
    english: bool,
    chinese: Sequence[str],
    tokenizer: Tokenizer,
    idf_of: Callable[[str], float | None],
    retrieved: str = "",
    naming: frozenset[str] = frozenset(),
) -> tuple[KeyTerm, ...]:
    """A term counts as known when the index has all its keywords, or ``retrieved`` (the text
    found for the question) holds it as written: jieba splits 亩均耕地 one way in a question and
    another in a paper. Words in ``naming`` (``naming_words``) say which paper is asked about,
    not what it says, so they are no key terms."""
    if english:
        tagged = [(t, "n") for t in chinese] + [(m.group(0), "eng") for m in _LATIN_NAME.finditer(question)]
    else:
        tagged = tokenizer.tagged(question)
    seen: dict[str, KeyTerm] = {}
    for word, flag in tagged:
        if len(word) < 2 or word in _QUESTION_NOUNS or not flag.startswith(_CONTENT) or word in seen:
            continue
        if word in naming:
            continue
        if _ASKING.search(word) or word.isdigit():  # "哪些项目", "2030": no names
            continue
        tokens = tokenizer.tokens(word) or [word.lower()]
        idfs = [idf_of(t) for t in tokens]
        known = all(i is not None for i in idfs) or word in retrieved or _glued(word, tokenizer, idf_of)
        idf = max((i for i in idfs if i is not None), default=0.0)
        named = flag.startswith(_NAMES) and (known or not _described(word, tokenizer, idf_of))
        seen[word] = KeyTerm(word, idf, known, specific=named)
    return tuple(sorted(seen.values(), key=lambda t: -t.idf))


def naming_words(authors: frozenset[str], named: Sequence[Paper], tokenizer: Tokenizer) -> frozenset[str]:
    """The words a question uses to name a paper: any paper's ``authors`` ("卫玲、梁炜认为…"
    asks what their paper says; the sentence that answers need not name them) and the journal
    of a paper it names ("新疆大学学报那篇文章")."""
    journals = {
        word for paper in named for word, _ in tokenizer.tagged(paper.record.journal) if len(word) >= 2
    }
    return authors | journals


def _indexed(part: str, tokenizer: Tokenizer, idf_of: Callable[[str], float | None]) -> bool:
    """Every keyword of ``part`` is in the index (a numeral like 六国 has none to look up)."""
    return all(idf_of(t) is not None for t in tokenizer.tokens(part))


def _described(word: str, tokenizer: Tokenizer, idf_of: Callable[[str], float | None]) -> bool:
    """A word the corpus has with a verb or adjective run on (冰川+退缩, tagged a name): the
    question describes the thing in its own words, it does not name something new."""
    for i in range(2, len(word) - 1):
        left, right = word[:i], word[i:]
        for known, other in ((left, right), (right, left)):
            verb = tokenizer.tagged(other)[0][1].startswith(("v", "a"))
            if verb and tokenizer.tokens(known) and _indexed(known, tokenizer, idf_of):
                return True
    return False


def _glued(word: str, tokenizer: Tokenizer, idf_of: Callable[[str], float | None]) -> bool:
    """A function word or a measure glued to another one (中+都, 亩+均) or to a word the corpus
    has ("峰会上六国": 上+六国): no name."""

    def function_word(char: str) -> bool:
        return tokenizer.tagged(char)[0][1].startswith(_GLUE_TAGS)

    if len(word) == 2:
        return all(function_word(ch) for ch in word)
    return any(
        function_word(char) and _indexed(rest, tokenizer, idf_of)
        for char, rest in ((word[0], word[1:]), (word[-1], word[:-1]))
    )
