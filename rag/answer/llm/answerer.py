"""Answers written by a language model behind an OpenAI-compatible endpoint, verified before shown.

Used instead of the extractive answerer when ``RAG_LLM_BASE_URL`` and ``RAG_LLM_MODEL`` are
set; the rest of the pipeline (retrieval, citations, the API, the web chat) does not change.

* The prompt: a fixed system message, and a user message in which the retrieved passages,
  the recent conversation and the question sit in delimited data blocks. A document that
  says "ignore previous instructions" is quoted data; it cannot become part of the system
  message or close its own block.
* The model's text is checked sentence by sentence (``rag.answer.verify``) as it streams:
  the reader sees only sentences whose citations exist and whose passages support them,
  renumbered [1], [2] ... in order of use, as the extractive answers are.
* Any fault (unreachable endpoint, time-out, 429/500, unreadable or empty output, nothing
  supported) gives the extractive answer instead, with a note saying why. Nothing raises
  to the caller and nothing waits past the configured time-outs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Generator, Iterator, Sequence
from contextlib import closing
from dataclasses import replace

import httpx
import openai
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from pydantic import SecretStr

from ...config import Settings
from ...schema import Answer, Passage, Retrieval
from ...text.words import Tokenizer
from ..base import Answerer, final_answer, not_found_text
from ..verify import Verified, Verifier
from .deadline import AnswerTimeout, within
from .prompt import build_messages

log = logging.getLogger(__name__)

# One retry, after this pause, for a fault that may pass (429, 5xx, a dropped connection), and
# only when the deadline leaves room for it: the client's own retries would not know the deadline.
MAX_RETRIES = 1
RETRY_PAUSE_S = 0.25
_PASSING = (openai.RateLimitError, openai.InternalServerError, openai.APIConnectionError)


def fault_reason(exc: BaseException, timeout_s: float) -> str:
    """What went wrong, in words a reader can act on."""
    if isinstance(exc, openai.APITimeoutError | httpx.TimeoutException | AnswerTimeout | TimeoutError):
        return f"no reply within the time limit ({timeout_s:g} s)"
    if isinstance(exc, openai.RateLimitError):
        return "the endpoint is rate-limited (HTTP 429)"
    if isinstance(exc, openai.APIStatusError):
        return f"the endpoint answered HTTP {exc.status_code}"
    if isinstance(exc, openai.APIConnectionError | httpx.TransportError | OSError):
        return "the endpoint could not be reached"
    return "its reply could not be read"


def _text_of(chunk: BaseMessage) -> str:
    content = chunk.content
    if isinstance(content, str):
        return content
    return "".join(part if isinstance(part, str) else str(part.get("text", "")) for part in content)


class LLMAnswerer:
    """An ``Answerer`` that asks a chat model, verifies its answer, and falls back when it must."""

    def __init__(
        self,
        model: BaseChatModel,
        tokenizer: Tokenizer,
        fallback: Answerer,
        *,
        timeout_s: float = 30.0,
        total_timeout_s: float | None = None,
    ) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.fallback = fallback
        self.timeout_s = timeout_s
        # The client's time-out bounds each wait; this bounds the whole call, retries included.
        self.total_timeout_s = total_timeout_s if total_timeout_s is not None else timeout_s

    @classmethod
    def from_settings(cls, settings: Settings, tokenizer: Tokenizer, fallback: Answerer) -> LLMAnswerer:
        """A ``ChatOpenAI`` client for the configured endpoint.

        The key is always passed explicitly (a placeholder for local servers that need none),
        so a key from the environment is never sent to an endpoint it was not meant for.
        """
        from langchain_openai import ChatOpenAI

        model = ChatOpenAI(
            model=settings.llm_model,
            base_url=settings.llm_base_url,
            api_key=SecretStr(settings.llm_api_key or "not-needed"),
            timeout=settings.llm_timeout_s,
            max_retries=0,
            temperature=settings.llm_temperature,
        )
        return cls(model, tokenizer, fallback, timeout_s=settings.llm_timeout_s)

    def answer(self, retrieval: Retrieval) -> Answer:
        return final_answer(self._run(retrieval, streaming=False))

    def stream(self, retrieval: Retrieval) -> Iterator[str | Answer]:
        """Verified sentences as the model writes them, then the final ``Answer``."""
        yield from self._run(retrieval, streaming=True)

    # -- the run ---------------------------------------------------------------------------

    def _run(self, retrieval: Retrieval, streaming: bool) -> Iterator[str | Answer]:
        question, passages = retrieval.question, retrieval.passages
        if not passages:
            yield from self.fallback.stream(retrieval)
            return
        messages = build_messages(question, passages, retrieval.reading.history)
        verifier = Verifier(passages, self.tokenizer, question)
        shown = False
        try:
            with closing(self._model_text(messages, streaming)) as texts:
                for text in texts:
                    for piece in verifier.feed(text):
                        shown = True
                        yield piece
            pieces, verified = verifier.finish()
        except Exception as exc:
            log.warning("LLM answer failed, using the extractive answer: %r", exc)
            yield from self._fall_back(retrieval, fault_reason(exc, self.timeout_s), shown)
            return
        yield from pieces
        if verified.not_found:
            text = not_found_text(question)
            yield text
            yield self._answer(question, passages, verified, text, found=False)
        elif not verified.kept:
            reason = (
                "none of its sentences were supported by the passages"
                if verified.checked
                else "it was empty or said nothing about the passages"
            )
            yield from self._fall_back(retrieval, reason, shown or bool(pieces), verified)
        else:
            yield self._answer(question, passages, verified, verified.text, found=True)

    def _model_text(self, messages: list[BaseMessage], streaming: bool) -> Generator[str, None, None]:
        """The model's reply, in pieces as it streams (or whole), all within the deadline."""
        deadline = time.monotonic() + self.total_timeout_s
        return within(self.total_timeout_s, lambda: self._attempts(messages, streaming, deadline))

    def _attempts(self, messages: list[BaseMessage], streaming: bool, deadline: float) -> Iterator[str]:
        for attempt in range(MAX_RETRIES + 1):
            started = False
            try:
                if not streaming:
                    yield _text_of(self.model.invoke(messages))
                    return
                for chunk in self.model.stream(messages):
                    started = True
                    yield _text_of(chunk)
                return
            except _PASSING as exc:
                late = time.monotonic() + RETRY_PAUSE_S >= deadline
                if started or late or attempt == MAX_RETRIES or isinstance(exc, openai.APITimeoutError):
                    raise
                time.sleep(RETRY_PAUSE_S)

    def _answer(
        self, question: str, passages: Sequence[Passage], verified: Verified, text: str, found: bool
    ) -> Answer:
        """The one place where citations are settled: numbering, highlights and the notes."""
        spans = verified.highlights if found else {}
        shown = tuple(p.highlighted(spans[i]) if i in spans else p for i, p in enumerate(passages))
        return Answer(
            question,
            text,
            tuple(shown[i] for i in verified.cited) if found else (),
            found,
            passages=shown,
            notes=tuple(verification_notes(verified, passages)),
            sentences_checked=verified.checked,
            unsupported_sentences=len(verified.unsupported),
            citations_repaired=verified.repaired,
        )

    def _fall_back(
        self, retrieval: Retrieval, reason: str, shown: bool, verified: Verified | None = None
    ) -> Iterator[str | Answer]:
        if shown:
            yield "\n\n"
        for item in self.fallback.stream(retrieval):
            if isinstance(item, Answer):
                notes = [
                    f"The language model's answer was not used ({reason}); this answer quotes the papers."
                ]
                item = replace(item, fallback=True)
                if verified is not None:
                    notes += verification_notes(verified, retrieval.passages)
                    item = replace(
                        item,
                        sentences_checked=verified.checked,
                        unsupported_sentences=len(verified.unsupported),
                        citations_repaired=verified.repaired,
                    )
                item = replace(item, notes=(*item.notes, *notes))
            yield item


def verification_notes(verified: Verified, passages: Sequence[Passage]) -> list[str]:
    """What the check changed, for the reader: removed sentences, fixed citations, suspicious passages."""
    notes = []
    if verified.unsupported:
        n = len(verified.unsupported)
        verb = "was" if n == 1 else "were"
        notes.append(
            f"{n} of {verified.checked} sentences of the model's answer {verb} removed: "
            "the passages do not support them."
        )
    if verified.invented:
        notes.append(
            f"{verified.invented} citation(s) to passages that were not given were removed or corrected."
        )
    if verified.repointed:
        notes.append(f"{verified.repointed} sentence(s) were re-cited to the passage that supports them.")
    if verified.cross_language:
        notes.append(
            f"{verified.cross_language} sentence(s) are in another language than their passages, so only "
            "their numbers and terms could be checked."
        )
    if verified.steering:
        notes.append(
            f"{verified.steering} sentence(s) passed on a request to the reader (a link, an account, "
            "something to install or send) that the question did not ask for, and were removed."
        )
    for index in verified.instruction_passages:
        title = passages[index].title or passages[index].source
        notes.append(
            f"A passage of 《{title}》 contains instructions to an AI model or to its reader; "
            "they were treated as data."
        )
    return notes
