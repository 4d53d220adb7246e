"""The eval question set: loading, validation, and the relevance rule.

A passage is relevant when it contains the question's evidence quote. Quotes are
copied from the raw files and passages come from the cleaned text, so both sides
are compared after dropping white space and punctuation; a quote cut by a chunk
boundary still counts when most of it is in the passage.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

REQUIRED = ("id", "question", "lang", "type", "source", "evidence", "answers")
TYPES = {"fact", "number", "list", "why", "metadata", "multi", "unanswerable"}
# Share of an evidence quote that must lie in one passage when a chunk boundary cuts it.
BOUNDARY_SHARE = 0.6


@dataclass(frozen=True)
class Evidence:
    source: str
    quote: str
    # The same fact where the paper states it again, in other words (its English abstract):
    # a passage with any of them holds this evidence.
    also: tuple[tuple[str, str], ...] = ()

    @property
    def quotes(self) -> list[tuple[str, str]]:
        return [(self.source, self.quote), *self.also]

    def found_in(self, passage_text: str) -> bool:
        return any(contains_evidence(passage_text, quote) for _, quote in self.quotes)


@dataclass
class Question:
    id: str
    question: str
    lang: str
    type: str
    answers: list[str]
    evidence: list[Evidence] = field(default_factory=list)
    # For an unanswerable question, how it misses: near-miss, off-topic, wrong-paper, future, record-gap.
    kind: str = ""

    @property
    def answerable(self) -> bool:
        return bool(self.evidence)


# Kept when answers are compared, so that "1/3" is not "13" and "11.7%" is not "117".
_KEPT_IN_ANSWERS = "/.%"
# An accepted answer found more often than this in the corpus, outside its evidence, is no
# evidence that the answer is right: it must carry its unit or context ("24个国家", not "24").
MAX_OCCURRENCES_ELSEWHERE = 3


def normalize(text: str, keep: str = "") -> str:
    """Case-folded letters and digits (and the characters in ``keep``): quotes come from the raw
    files, passages and answers from cleaned text, so spaces and punctuation may differ."""
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in text if ch.isalnum() or ch in keep)


def load_questions(path: Path) -> list[Question]:
    questions = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        missing = [k for k in REQUIRED if k not in row]
        if missing:
            raise ValueError(f"{path.name}:{n}: missing fields {missing}")
        evidence = []
        if row["evidence"]:
            evidence.append(_evidence(row))
        evidence += [_evidence(e) for e in row.get("extra", [])]
        questions.append(
            Question(
                row["id"],
                row["question"],
                row["lang"],
                row["type"],
                row["answers"],
                evidence,
                row.get("kind", ""),
            )
        )
    return questions


def _evidence(row: dict) -> Evidence:
    return Evidence(
        row["source"], row["evidence"], tuple((e["source"], e["evidence"]) for e in row.get("also", []))
    )


def validate(questions: list[Question], corpus_dir: Path) -> list[str]:
    """Problems with the question file; empty when it is sound."""
    problems = []
    seen: set[str] = set()
    texts: dict[str, str] = {}
    for q in questions:
        if q.id in seen:
            problems.append(f"{q.id}: duplicate id")
        seen.add(q.id)
        if q.type not in TYPES:
            problems.append(f"{q.id}: unknown type {q.type}")
        if q.lang not in {"zh", "en"}:
            problems.append(f"{q.id}: unknown lang {q.lang}")
        if (q.type == "unanswerable") == q.answerable or (q.answerable and not q.answers):
            problems.append(
                f"{q.id}: answerable questions need evidence and answers, unanswerable ones neither"
            )
        for source, quote in (pair for ev in q.evidence for pair in ev.quotes):
            if source not in texts:
                path = corpus_dir / source
                texts[source] = path.read_text(encoding="utf-8") if path.is_file() else ""
            if quote not in texts[source]:
                problems.append(f"{q.id}: evidence not found verbatim in {source}")
    return problems


def contains_evidence(passage_text: str, quote: str) -> bool:
    needle, hay = normalize(quote), normalize(passage_text)
    if not needle:
        return False
    if needle in hay:
        return True
    match = SequenceMatcher(None, needle, hay, autojunk=False).find_longest_match(0, len(needle), 0, len(hay))
    at_edge = match.a == 0 or match.a + match.size == len(needle)
    return at_edge and match.size >= BOUNDARY_SHARE * len(needle)


def accepted_in(text: str, accepted: list[str]) -> bool:
    """Whether ``text`` contains one of the accepted answers."""
    squeezed = normalize(text, _KEPT_IN_ANSWERS)
    return any(
        normalize(a, _KEPT_IN_ANSWERS) and normalize(a, _KEPT_IN_ANSWERS) in squeezed for a in accepted
    )


def unspecific_answers(questions: list[Question], corpus_dir: Path) -> list[str]:
    """Accepted answers that the corpus holds more than MAX_OCCURRENCES_ELSEWHERE times outside
    the question's evidence quotes: an unrelated quote would contain them too."""
    texts = {
        p.name: normalize(p.read_text(encoding="utf-8"), _KEPT_IN_ANSWERS) for p in corpus_dir.glob("*.*")
    }
    problems = []
    for q in questions:
        outside = dict(texts)
        for source, quote in (pair for ev in q.evidence for pair in ev.quotes):
            if source in outside:
                outside[source] = outside[source].replace(normalize(quote, _KEPT_IN_ANSWERS), " ")
        for answer in q.answers:
            needle = normalize(answer, _KEPT_IN_ANSWERS)
            count = sum(text.count(needle) for text in outside.values()) if needle else 0
            if count > MAX_OCCURRENCES_ELSEWHERE:
                problems.append(f"{q.id}: {answer!r} occurs {count} times outside its evidence")
    return problems
