"""Turn retrieved passages into a short answer whose every sentence is cited.

The default answerer needs no LLM: it quotes the sentences of the best passages that
answer the question (semantic similarity plus key-term overlap), marks each with
the number of its passage, and abstains when even the best sentence is weak. Any
answerer takes (question, passages) and returns an ``Answer``, so an LLM answerer
plugs into the same chain.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from .cleaning import CJK
from .keyword import Tokenizer
from .schema import Answer, Passage

NOT_FOUND_ZH = "论文中没有找到能回答这个问题的内容。"
NOT_FOUND_EN = "The papers do not say."
# Share of the sentence score given to overlap with the question's key terms.
LEXICAL_WEIGHT = 0.1
MIN_SENTENCE_CHARS = 8
# Footnotes and reference-list entries are sources, not statements of the paper.
_REFERENCE = re.compile(
    r"https?://|www\.|\[(?:J|M|N|C|D|R|Z|EB/OL)\]|\bet al\b|\b(?:19|20)\d{2}\s*[,，]\s*\d+\s*[（(]\d+[)）]\s*[:：]"
)


class Answerer(Protocol):
    def answer(self, question: str, passages: list[Passage]) -> Answer: ...

    def stream(self, question: str, passages: list[Passage]) -> Iterator[str | Answer]: ...


@dataclass(frozen=True)
class Candidate:
    passage_rank: int
    start: int
    end: int
    score: float


def is_english(text: str) -> bool:
    letters = re.findall(r"[A-Za-z]", text)
    return len(letters) > 2 * len(re.findall(f"[{CJK}]", text))


def not_found_text(question: str) -> str:
    return NOT_FOUND_EN if is_english(question) else NOT_FOUND_ZH


def evidence_score(passages: list[Passage]) -> float:
    return max((float(p.metadata.get("best_sentence", 0.0)) for p in passages), default=0.0)


class ExtractiveAnswerer:
    def __init__(
        self, tokenizer: Tokenizer, min_evidence_score: float, max_sentences: int = 3, max_passages: int = 4
    ) -> None:
        self.tokenizer = tokenizer
        self.min_evidence_score = min_evidence_score
        self.max_sentences = max_sentences
        self.max_passages = max_passages

    def answer(self, question: str, passages: list[Passage]) -> Answer:
        candidates = self._candidates(question, passages[: self.max_passages])
        if not candidates or candidates[0].score < self.min_evidence_score:
            return Answer(question, not_found_text(question), [], False, passages=passages)
        best = candidates[0].score
        chosen = [c for c in candidates if c.score >= best - 0.04][: self.max_sentences]
        chosen.sort(key=lambda c: (c.passage_rank, c.start))
        return compose(question, passages, [(c.passage_rank, c.start, c.end) for c in chosen])

    def stream(self, question: str, passages: list[Passage]) -> Iterator[str | Answer]:
        answer = self.answer(question, passages)
        yield from re.findall(r".+?(?:\[\d+\]|$)", answer.text)
        yield answer

    def _candidates(self, question: str, passages: list[Passage]) -> list[Candidate]:
        terms = set(self.tokenizer.tokens(question))
        out = []
        for rank, passage in enumerate(passages):
            for start, end, similarity in passage.metadata.get("sentences", []):
                sentence = passage.text[start:end]
                if len(sentence) < MIN_SENTENCE_CHARS or _REFERENCE.search(sentence):
                    continue
                overlap = len(terms & set(self.tokenizer.tokens(sentence))) / len(terms) if terms else 0.0
                out.append(Candidate(rank, start, end, similarity + LEXICAL_WEIGHT * overlap))
        return sorted(out, key=lambda c: -c.score)


def compose(question: str, passages: list[Passage], spans: list[tuple[int, int, int]]) -> Answer:
    """Write the quoted sentences with [n] markers numbered in order of first citation."""
    numbers: dict[int, int] = {}
    parts = []
    for rank, start, end in spans:
        number = numbers.setdefault(rank, len(numbers) + 1)
        passages[rank].highlights.append((start, end))
        parts.append(f"{passages[rank].text[start:end].strip()}[{number}]")
    citations = [passages[rank] for rank in sorted(numbers, key=numbers.__getitem__)]
    joiner = " " if is_english("".join(parts)) else ""
    return Answer(question, joiner.join(parts), citations, True, passages=passages)
