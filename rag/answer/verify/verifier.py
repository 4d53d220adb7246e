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
* sentences of a passage that steer instead of state (``rag.text.directives``: they address
  an AI model, "ignore previous instructions ...", or ask the reader to visit a link, register
  an account, install or send something) are not evidence for anything; a claim that itself
  steers so is removed whatever its passage says, since verification judges what a sentence
  does, not only whether a passage contains it. Links and ways in pass only when the
  question asks for one.

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

from ...schema import Passage
from ...text.directives import addresses_model, directs_reader, steers
from ...text.words import Tokenizer
from .citations import CITATION, append_marker, cited_numbers, expand, strip_citations, take_sentences
from .support import (
    MIN_HIGHLIGHT,
    best_span,
    evidence_text,
    is_not_found_statement,
    key_terms,
    numbers_in,
    support,
)

NOT_FOUND_TOKEN = "NOT_FOUND"
_LIST_MARKER = re.compile(r"^(?:[-*•]\s+|\d{1,2}[.)、）]\s*|[（(]\d{1,2}[)）]\s*|#+\s+)")


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
    # Sentences removed for passing on a request to the reader (a link, an account, an install).
    steering: int = 0
    highlights: dict[int, list[tuple[int, int]]] = field(default_factory=dict)

    @property
    def not_found(self) -> bool:
        """The model said the passages do not answer, and nothing it said otherwise held up."""
        return self.said_not_found and self.kept == 0


class Verifier:
    """Checks an answer as it arrives; ``feed`` returns the verified pieces ready to show.

    Output citations are renumbered in order of first use, so [1] is the first passage the
    answer cites, as in the extractive answers. Sentences that state nothing (a preamble,
    "the passages do not say ...") are held back until a supported sentence follows, so an
    answer that turns out to say nothing shows nothing.
    """

    def __init__(self, passages: Sequence[Passage], tokenizer: Tokenizer, question: str = "") -> None:
        self.tokenizer = tokenizer
        self.question = question
        self.count = len(passages)
        self.evidence = [evidence_text(p.text, question) for p in passages]
        self.texts = [p.text for p in passages]
        self.instruction_passages = [
            i for i, p in enumerate(passages) if addresses_model(p.text) or directs_reader(p.text)
        ]
        self.steering = 0
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
            steering=self.steering,
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
        if steers(claim, self.question):
            self.checked += 1
            self.steering += 1
            self.unsupported.append(claim)
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
            return append_marker(strip_citations(body).strip(), self._markers(sources))
        keep = set(sources)

        def renumber(match: re.Match[str]) -> str:
            indices = [n - 1 for n in expand(match.group(1)) if n - 1 in keep]
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


def verify(text: str, passages: Sequence[Passage], tokenizer: Tokenizer, question: str = "") -> Verified:
    """Check a whole answer at once (the same rules as streaming it)."""
    verifier = Verifier(passages, tokenizer, question)
    verifier.feed(text)
    return verifier.finish()[1]
