"""Citation markers in a model's answer, and where its sentences end as it streams."""

from __future__ import annotations

import re

from ...text.sentences import CLAIM_END

# [1], [1, 2], [1-3], [1][2], full-width 【1】 and ［1］.
CITATION = re.compile(r"[\[【［]\s*(\d{1,3}(?:\s*[,，、;；\-–~]\s*\d{1,3})*)\s*[\]】］]")
# A citation that may still be arriving: "[", "[1", "[1, 2".
_OPEN_CITATION = re.compile(r"[\[【［][\d\s,，、;；\-–~]*$")
_TRAILING_CITATIONS = re.compile(r"(?:[ \t]*" + CITATION.pattern + r")+")
_END_PUNCTUATION = re.compile(r"[。！？!?；.:：]+[”’」』）)\"']*\s*$")


def cited_numbers(text: str) -> list[int]:
    """Every number inside [n]-style markers, in order; ranges like [1-3] are expanded."""
    numbers: list[int] = []
    for match in CITATION.finditer(text):
        numbers.extend(expand(match.group(1)))
    return numbers


def expand(group: str) -> list[int]:
    out: list[int] = []
    for part in re.split(r"\s*[,，、;；]\s*", group.strip()):
        bounds = re.split(r"\s*[\-–~]\s*", part)
        if len(bounds) == 2 and bounds[0].isdigit() and bounds[1].isdigit():
            low, high = int(bounds[0]), int(bounds[1])
            out.extend(range(low, high + 1) if 0 <= high - low <= 10 else [low, high])
        elif part.isdigit():
            out.append(int(part))
    return out


def strip_citations(text: str) -> str:
    return CITATION.sub("", text)


def split_sentences(text: str) -> list[str]:
    """Sentences with the citations that follow their end ("…增长。[1]") attached to them."""
    sentences, rest = take_sentences(text, final=True)
    return [*sentences, rest] if rest.strip() else sentences


def take_sentences(buffer: str, final: bool = False) -> tuple[list[str], str]:
    """The complete sentences at the start of ``buffer``, and what is left to wait for.

    A sentence is complete once something other than white space or a citation follows its
    end: a model often writes the [n] after the full stop, so the end alone is not enough.
    Each sentence keeps the white space before it, so the answer's layout survives.
    """
    sentences: list[str] = []
    while True:
        end = _sentence_end(buffer)
        if end is None:
            break
        rest = buffer[end:]
        waiting = not rest.strip() or _OPEN_CITATION.match(rest.lstrip())
        if waiting and not final:
            break
        sentences.append(buffer[:end])
        buffer = rest
    if final and buffer.strip():
        sentences.append(buffer)
        buffer = ""
    return sentences, buffer


def _sentence_end(text: str) -> int | None:
    start = len(text) - len(text.lstrip())
    match = CLAIM_END.search(text, start)
    if match is None:
        return None
    trailing = _TRAILING_CITATIONS.match(text, match.end())
    return trailing.end() if trailing else match.end()


def append_marker(sentence: str, markers: str) -> str:
    """Put the markers before the sentence's closing punctuation: "…增长了11.7%[1]。"."""
    end = _END_PUNCTUATION.search(sentence)
    if end is None:
        return sentence + markers
    trailing = sentence[end.start() :]
    return sentence[: end.start()] + markers + trailing
