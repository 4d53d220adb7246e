"""Check a model's answer against the passages it was given, sentence by sentence.

A language model can cite a passage that was never given ([9] of five), state a number
that is in no passage, or repeat an instruction planted in a document. Nothing it writes
reaches a reader before this check:

* every [n] must name a given passage: invented numbers are dropped, and the sentence is
  re-pointed to the passage that supports it, if one does;
* every sentence that states something is checked against the passages it cites: its
  character n-grams (similarity) and its key terms must largely appear there, and every
  number in it must appear there verbatim; unsupported sentences are removed and counted;
* sentences in another language than their passages (an English answer over a Chinese
  paper) cannot be compared by characters, so they must at least carry a number or a term
  found in the passage, and every number must match;
* sentences of a passage that address an AI model ("ignore previous instructions ...") are
  not evidence for anything, so an answer that repeats them is unsupported.

The check is lexical on purpose: it is fast (no model calls), deterministic and easy to
explain, and it catches invented facts, numbers, names and off-topic output. It does not
catch a sentence that reuses a passage's words to say something else (a negation).

``Verifier`` takes the answer in pieces, as a model streams it, and returns each sentence
once it is complete and checked, so a streamed answer is verified before it is shown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .chunking import sentence_spans
from .cleaning import CJK
from .keyword import Tokenizer
from .schema import Passage

# [1], [1, 2], [1-3], [1][2], full-width 【1】 and ［1］.
CITATION = re.compile(r"[\[【［]\s*(\d{1,3}(?:\s*[,，、;；\-–~]\s*\d{1,3})*)\s*[\]】］]")
# A citation that may still be arriving: "[", "[1", "[1, 2".
_OPEN_CITATION = re.compile(r"[\[【［][\d\s,，、;；\-–~]*$")
# Unlike the chunker, "；" does not end a claim: a model cites a ；-joined sentence once, at its end.
_SENTENCE_END = re.compile(r"[。！？!?]+[”’」』）)\"']*|(?<![A-Z])\.(?=\s|$)[\"'”’)]*|\n")
_TRAILING_CITATIONS = re.compile(r"(?:[ \t]*" + CITATION.pattern + r")+")
_END_PUNCTUATION = re.compile(r"[。！？!?；.:：]+[”’」』）)\"']*\s*$")
_LIST_MARKER = re.compile(r"^(?:[-*•]\s+|\d{1,2}[.)、）]\s*|[（(]\d{1,2}[)）]\s*|#+\s+)")
_NUMBER = re.compile(r"(?<![\d.])\d+(?:\.\d+)?")
_DIGIT_GROUPS = re.compile(r"(?<=\d)[,，\s](?=\d{3}(?!\d))")
_SMALL_NUMBERS = {str(n): numeral for n, numeral in enumerate("一二三四五六七八九十", 1)}
_LATIN = re.compile(r"[A-Za-z]")
_HAN = re.compile(f"[{CJK}]")
NOT_FOUND_TOKEN = "NOT_FOUND"
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
# Text in a document that speaks to an AI model; never evidence for an answer.
_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget)\b.{0,20}\b(?:instructions?|prompts?|rules|above|previous)\b"
    r"|\bsystem prompt\b|\byou are now\b|\bnew instructions?\b|\bas an ai\b"
    r"|(?:忽略|无视|忘记|忽视).{0,10}(?:指令|指示|提示|规则|要求|设定)|系统提示|你现在是|新的指令",
    re.I | re.S,
)
# Words about the passages rather than about the papers' content: not claims to check.
_META_TERMS = frozenset(
    str.split(
        "passage passages excerpt excerpts text texts source sources provided given based according mention "
        "mentions mentioned state states stated note notes noted describe describes described indicate "
        "indicates show shows answer question 段落 片段 材料 资料 文献 文段 提供 根据 依据 所述 文中 "
        "本文 文章 该文 指出 提到 表示 答案 问题 回答 以下 如下 内容 显示 说明"
    )
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


@dataclass
class Verified:
    """The outcome for a whole answer; ``text`` is what the reader gets."""

    text: str
    # Passage indices in the order of their [n] in ``text`` ([1] is cited[0]).
    cited: list[int]
    checked: int
    kept: int
    unsupported: list[str]
    # Markers naming a passage that was not given (found in any sentence).
    invented: int
    # Sentences shown with another passage than they cited, or with one where they cited none.
    repointed: int
    # Wrong or missing citations fixed in the shown sentences (a sentence whose invented [9]
    # became [1] is one fix).
    repaired: int
    cross_language: int
    said_not_found: bool
    instruction_passages: list[int]
    highlights: dict[int, list[tuple[int, int]]] = field(default_factory=dict)

    @property
    def not_found(self) -> bool:
        """The model said the passages do not answer, and nothing it said otherwise held up."""
        return self.said_not_found and self.kept == 0


def cited_numbers(text: str) -> list[int]:
    """Every number inside [n]-style markers, in order; ranges like [1-3] are expanded."""
    numbers: list[int] = []
    for match in CITATION.finditer(text):
        numbers.extend(_expand(match.group(1)))
    return numbers


def _expand(group: str) -> list[int]:
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
    match = _SENTENCE_END.search(text, start)
    if match is None:
        return None
    trailing = _TRAILING_CITATIONS.match(text, match.end())
    return trailing.end() if trailing else match.end()


def is_not_found_statement(claim: str) -> bool:
    return bool(_NOT_FOUND.search(claim))


def is_instruction(text: str) -> bool:
    """Text addressed to an AI model ("ignore previous instructions", "忽略之前的指令")."""
    return bool(_INSTRUCTION.search(text))


def evidence_text(passage_text: str) -> str:
    """The passage without its sentences that address an AI model."""
    sentences = (passage_text[s.start : s.end] for s in sentence_spans(passage_text))
    return " ".join(sentence for sentence in sentences if not is_instruction(sentence))


def is_cjk(text: str) -> bool:
    return len(_HAN.findall(text)) * 2 >= len(_LATIN.findall(text))


def script_share(text: str, cjk: bool) -> float:
    """The share of the letters of ``text`` that are Chinese (``cjk``) or Latin (not ``cjk``)."""
    han, latin = len(_HAN.findall(text)), len(_LATIN.findall(text))
    return (han if cjk else latin) / (han + latin) if han + latin else 1.0


def ngrams(text: str, cjk: bool) -> set[str]:
    """Character bigrams of the Chinese (``cjk``) or trigrams of the Latin part of ``text``, with digits."""
    kept = re.findall(f"[{CJK}0-9]" if cjk else "[a-z0-9]", text.lower())
    size = 2 if cjk else 3
    return {"".join(kept[i : i + size]) for i in range(max(len(kept) - size + 1, 0))}


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
    return {t for t in tokens if t not in _META_TERMS and not _NUMBER.fullmatch(t.rstrip("%"))}


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
    cjk = is_cjk(joined)
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
    if _HAN.search(term):
        return term in lowered_text
    return re.search(rf"(?<![a-z0-9]){re.escape(term)}(?![a-z0-9])", lowered_text) is not None


def best_span(claim: str, passage_text: str) -> tuple[int, int, float]:
    """The passage sentence that the claim draws on most, for highlighting."""
    cjk = is_cjk(passage_text)
    grams = ngrams(claim, cjk)
    best = (0, 0, 0.0)
    for span in sentence_spans(passage_text):
        own = ngrams(passage_text[span.start : span.end], cjk)
        score = len(grams & own) / len(grams) if grams else 0.0
        if score > best[2]:
            best = (span.start, span.end, score)
    return best


class Verifier:
    """Checks an answer as it arrives; ``feed`` returns the verified pieces ready to show.

    Output citations are renumbered in order of first use, so [1] is the first passage the
    answer cites, as in the extractive answers. Sentences that state nothing (a preamble,
    "the passages do not say ...") are held back until a supported sentence follows, so an
    answer that turns out to say nothing shows nothing.
    """

    def __init__(self, passages: Sequence[Passage], tokenizer: Tokenizer) -> None:
        self.tokenizer = tokenizer
        self.count = len(passages)
        self.evidence = [evidence_text(p.text) for p in passages]
        self.texts = [p.text for p in passages]
        self.instruction_passages = [i for i, p in enumerate(passages) if is_instruction(p.text)]
        self.numbering: dict[int, int] = {}
        self.highlights: dict[int, list[tuple[int, int]]] = {}
        self.buffer = ""
        self.held: list[str] = []
        self.out: list[str] = []
        self.space = ""
        self.checked = self.kept = self.invented = self.repointed = self.repaired = self.cross_language = 0
        self.unsupported: list[str] = []
        self.said_not_found = False

    def feed(self, text: str) -> list[str]:
        sentences, self.buffer = take_sentences(self.buffer + text)
        return self._process(sentences)

    def finish(self) -> tuple[list[str], Verified]:
        """The last pieces, and the outcome for the whole answer."""
        sentences, self.buffer = take_sentences(self.buffer, final=True)
        pieces = self._process(sentences)
        if self.kept:
            pieces.extend(self._emit(piece) for piece in self.held)
        self.held = []
        verified = Verified(
            text="".join(self.out),
            cited=sorted(self.numbering, key=self.numbering.__getitem__),
            checked=self.checked,
            kept=self.kept,
            unsupported=self.unsupported,
            invented=self.invented,
            repointed=self.repointed,
            repaired=self.repaired,
            cross_language=self.cross_language,
            said_not_found=self.said_not_found,
            instruction_passages=self.instruction_passages,
            highlights=self.highlights,
        )
        return [p for p in pieces if p], verified

    # -- one sentence -------------------------------------------------------------------

    def _process(self, sentences: Iterable[str]) -> list[str]:
        pieces: list[str] = []
        for sentence in sentences:
            piece = self._sentence(sentence)
            if piece:
                pieces.extend(self._emit(held) for held in self.held)
                self.held = []
                pieces.append(self._emit(piece))
        return [p for p in pieces if p]

    def _emit(self, piece: str) -> str:
        """Show a piece; white space after it waits for the next one, so none trails the answer."""
        core = piece.rstrip()
        shown = self.space + core if self.out else core.lstrip()
        self.space = piece[len(core) :]
        self.out.append(shown)
        return shown

    def _sentence(self, sentence: str) -> str:
        """The sentence as the reader should see it, or "" (held back, or removed)."""
        body = sentence.strip()
        if not body:
            return ""
        start = sentence.index(body[0])
        lead, tail = sentence[:start], sentence[start + len(body) :]
        marker = _LIST_MARKER.match(body)
        prefix = lead + (marker.group(0) if marker else "")
        body = body[len(prefix) - len(lead) :]
        numbers = cited_numbers(body)
        valid = list(dict.fromkeys(n - 1 for n in numbers if 1 <= n <= self.count))
        invented = sum(1 for n in numbers if not 1 <= n <= self.count)
        self.invented += invented
        claim = strip_citations(body).strip()
        if not claim:
            return ""
        if not valid and is_not_found_statement(claim):
            self.said_not_found = True
            if claim.strip("*_ ").upper().replace(" ", "_") != NOT_FOUND_TOKEN:
                self.held.append(prefix + claim + tail)
            return ""
        if not key_terms(claim, self.tokenizer) and not numbers_in(claim):
            self.held.append(prefix + claim + tail)
            return ""
        sources = self._sources(claim, valid)
        if sources is None:
            self.unsupported.append(claim)
            return ""
        self.kept += 1
        self.repaired += max(invented, int(sources != valid))
        self._highlight(claim, sources)
        return prefix + self._cite(body, valid, sources) + tail

    def _sources(self, claim: str, cited: list[int]) -> list[int] | None:
        """The passages that back the claim: the cited ones, else the best other one, else None."""
        self.checked += 1
        if cited:
            backing = support(claim, [self.evidence[i] for i in cited], self.tokenizer)
            if backing.supported:
                self.cross_language += backing.cross_language
                return cited
        scored = [(support(claim, [text], self.tokenizer), i) for i, text in enumerate(self.evidence)]
        scored = [(s, i) for s, i in scored if s.supported]
        if not scored:
            return None
        best, index = max(scored, key=lambda si: (si[0].score, -si[1]))
        self.repointed += 1
        self.cross_language += best.cross_language
        return [index]

    def _cite(self, body: str, cited: list[int], sources: list[int]) -> str:
        """The sentence with its markers renumbered; re-pointed sentences get the new marker at the end."""
        if sources != cited:
            return _append_marker(strip_citations(body).strip(), self._markers(sources))
        keep = set(sources)

        def renumber(match: re.Match[str]) -> str:
            indices = [n - 1 for n in _expand(match.group(1)) if n - 1 in keep]
            return self._markers(list(dict.fromkeys(indices)))

        return re.sub(r"(\[\d+\])(?:\1)+", r"\1", CITATION.sub(renumber, body))

    def _markers(self, indices: list[int]) -> str:
        return "".join(f"[{self.numbering.setdefault(i, len(self.numbering) + 1)}]" for i in indices)

    def _highlight(self, claim: str, sources: list[int]) -> None:
        for index in sources:
            start, end, score = best_span(claim, self.texts[index])
            spans = self.highlights.setdefault(index, [])
            if score >= MIN_HIGHLIGHT and (start, end) not in spans:
                spans.append((start, end))


def _append_marker(sentence: str, markers: str) -> str:
    """Put the markers before the sentence's closing punctuation: "…增长了11.7%[1]。"."""
    end = _END_PUNCTUATION.search(sentence)
    if end is None:
        return sentence + markers
    trailing = sentence[end.start() :]
    return sentence[: end.start()] + markers + trailing


def verify(text: str, passages: Sequence[Passage], tokenizer: Tokenizer) -> Verified:
    """Check a whole answer at once (the same rules as streaming it)."""
    verifier = Verifier(passages, tokenizer)
    verifier.feed(text)
    return verifier.finish()[1]
