"""Whether a claim is backed by passages: its characters, key terms and numbers must be there.

The check is lexical on purpose: fast (no model calls), deterministic and easy to explain.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ...text.directives import steers
from ...text.script import CJK, has_cjk, is_english, script_share
from ...text.sentences import sentence_spans
from ...text.shingles import runs
from ...text.stopwords import META_WORDS
from ...text.words import Tokenizer

_NUMBER = re.compile(r"(?<![\d.])\d+(?:\.\d+)?")
_DIGIT_GROUPS = re.compile(r"(?<=\d)[,，\s](?=\d{3}(?!\d))")
_SMALL_NUMBERS = {str(n): numeral for n, numeral in enumerate("一二三四五六七八九十", 1)}
_NOT_FOUND = re.compile(
    r"^\W*NOT[_ ]FOUND\W*$"
    r"|\b(?:do|does|did)(?: not|n't) "
    r"(?:contain|say|mention|state|provide|include|answer|address|cover|specify)"
    r"|\b(?:is|are)(?: not|n't) (?:mentioned|stated|given|provided|covered|specified|answered)"
    r"|\bno (?:information|mention|passage)\b|\bnot enough information\b"
    r"|\bcannot (?:be )?(?:answer|determine)"
    r"|(?:没有|未|并未|没|未能)(?:找到|提及|提到|涉及|说明|给出|包含|明确)|无法(?:回答|确定|判断|找到)|不包含",
    re.I,
)
# A sentence is supported when, against the passages it cites, both hold: this share of
# its character n-grams and this share of its key terms appear there.
MIN_SIMILARITY = 0.35
MIN_TERMS = 0.5
# Either alone also suffices when it is this high (a close quote, or the same terms reordered).
STRONG_SIMILARITY = 0.7
STRONG_TERMS = 0.8
# A claim with less than this share of its letters in its passages' script is in another language.
CROSS_LANGUAGE_SHARE = 0.3
# A passage sentence is highlighted as the source of a claim above this similarity.
MIN_HIGHLIGHT = 0.3


@dataclass(frozen=True)
class Support:
    """How well one claim is backed by one or more passages."""

    similarity: float
    terms: float
    missing_numbers: tuple[str, ...]
    cross_language: bool
    anchored: bool

    @property
    def supported(self) -> bool:
        if self.missing_numbers:
            return False
        if self.cross_language:
            return self.anchored
        if self.similarity >= STRONG_SIMILARITY or self.terms >= STRONG_TERMS:
            return True
        return self.similarity >= MIN_SIMILARITY and self.terms >= MIN_TERMS

    @property
    def score(self) -> float:
        return self.similarity + self.terms


def is_not_found_statement(claim: str) -> bool:
    return bool(_NOT_FOUND.search(claim))


def evidence_text(passage_text: str, question: str = "") -> str:
    """The passage without its sentences that steer instead of state (``rag.text.directives``)."""
    sentences = (passage_text[s.start : s.end] for s in sentence_spans(passage_text))
    return " ".join(sentence for sentence in sentences if not steers(sentence, question))


def ngrams(text: str, cjk: bool) -> set[str]:
    """Character bigrams of the Chinese (``cjk``) or trigrams of the Latin part of ``text``, with digits."""
    kept = re.findall(f"[{CJK}0-9]" if cjk else "[a-z0-9]", text.lower())
    return runs(kept, 2 if cjk else 3)


def numbers_in(text: str) -> list[str]:
    return _NUMBER.findall(_DIGIT_GROUPS.sub("", text))


def has_number(text: str, number: str) -> bool:
    """``number`` is one of the numbers of ``text``, read the same way (``5`` is not in ``50``,
    ``11`` is not in ``11.7``); 1 to 10 may also be written as Chinese numerals (三大维度).
    """
    if number in numbers_in(text):
        return True
    return number in _SMALL_NUMBERS and _SMALL_NUMBERS[number] in text


def key_terms(claim: str, tokenizer: Tokenizer) -> set[str]:
    """The claim's content words: no numbers (checked on their own) and no words about the passages."""
    tokens = tokenizer.tokens(claim)
    return {t for t in tokens if t not in META_WORDS and not _NUMBER.fullmatch(t.rstrip("%"))}


def support(claim: str, evidence: Sequence[str], tokenizer: Tokenizer) -> Support:
    """How well ``claim`` is backed by the evidence texts taken together.

    Similarity compares the claim's characters in the evidence's script only, so Chinese
    terms quoted in an English sentence still count against a Chinese passage.
    """
    joined = "\n".join(evidence)
    lowered = joined.lower()
    terms = key_terms(claim, tokenizer)
    found_terms = {t for t in terms if _term_in(t, lowered)}
    numbers = numbers_in(claim)
    missing = tuple(n for n in numbers if not has_number(joined, n))
    cjk = not is_english(joined)
    grams = ngrams(claim, cjk)
    similarity = len(grams & ngrams(joined, cjk)) / len(grams) if grams else 0.0
    return Support(
        similarity=similarity,
        terms=len(found_terms) / len(terms) if terms else (1.0 if numbers else 0.0),
        missing_numbers=missing,
        cross_language=script_share(claim, cjk) < CROSS_LANGUAGE_SHARE,
        anchored=bool(found_terms) or bool(numbers),
    )


def _term_in(term: str, lowered_text: str) -> bool:
    if has_cjk(term):
        return term in lowered_text
    return re.search(rf"(?<![a-z0-9]){re.escape(term)}(?![a-z0-9])", lowered_text) is not None


def best_span(claim: str, passage_text: str) -> tuple[int, int, float]:
    """The passage sentence that the claim draws on most, for highlighting."""
    cjk = not is_english(passage_text)
    grams = ngrams(claim, cjk)
    best = (0, 0, 0.0)
    for span in sentence_spans(passage_text):
        own = ngrams(passage_text[span.start : span.end], cjk)
        score = len(grams & own) / len(grams) if grams else 0.0
        if score > best[2]:
            best = (span.start, span.end, score)
    return best
