"""The query facade that the web chat, the CLI, the eval and user scripts use."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from .answer import Answerer, ExtractiveAnswerer, final_answer
from .answer.enumeration import EnumerationAnswerer
from .answer.record import RecordAnswerer
from .answer.router import RoutedAnswerer
from .chunking import make_chunker
from .config import Settings
from .index import CachedEmbedder, IndexDamaged, PaperIndex, Progress, index_exists, make_embedder
from .ingest import DocumentCache
from .library import Library
from .retrieval import HybridRetriever, check_k, clean_history, clean_question, read_question
from .retrieval.crosslingual import TermTranslator
from .schema import Answer, Paper, Passage, Retrieval, Turn
from .text.words import Tokenizer

if TYPE_CHECKING:
    from langchain_core.runnables import Runnable

    from .langchain import PaperRetriever

log = logging.getLogger(__name__)


class Assistant:
    def __init__(
        self,
        settings: Settings,
        index: PaperIndex,
        embedder: CachedEmbedder,
        tokenizer: Tokenizer,
        answerer: Answerer,
        library: Library,
    ) -> None:
        self.settings = settings
        self.index = index
        self.tokenizer = tokenizer
        self.retriever = HybridRetriever(
            index, embedder, settings, TermTranslator(tokenizer.frequency, settings.dictionary_cache)
        )
        self.answerer = answerer
        self.library = library

    @classmethod
    def load(
        cls, settings: Settings | None = None, progress: Progress | None = None, repair: bool = False
    ) -> Assistant:
        """Open the index, building it from the corpus folder first if there is none.

        A damaged index raises ``IndexDamaged``, whose message names the fix; with ``repair``
        (`rag index`, the web app's start) it is built again instead, from the corpus and the
        vector cache."""
        settings = settings or Settings.from_env()
        embedder = CachedEmbedder(
            make_embedder(settings.embedding_model, settings.query_threads, settings.passage_threads),
            settings.embedding_cache,
            settings.embedding_batch_size,
        )
        tokenizer = Tokenizer()
        documents = DocumentCache.open(settings)
        chunker = make_chunker(settings)
        index: PaperIndex | None = None
        damaged = False
        if index_exists(settings):
            try:
                index = PaperIndex.open(settings, embedder, tokenizer)
            except IndexDamaged as exc:
                if not repair:
                    raise
                log.warning("%s Building it again now.", exc)
                damaged = True
        if index is None:
            corpus = Library.corpus_of(settings, documents, chunker)
            index, built = PaperIndex.build(settings, embedder, tokenizer, corpus, chunker, progress)
            if damaged:
                log.warning("index %s built again: %s", settings.index_dir, built.summary())
        library = Library(settings, index, documents, chunker)
        return cls(settings, index, embedder, tokenizer, make_answerer(settings, tokenizer), library)

    # -- questions ---------------------------------------------------------------------

    def retrieval(self, question: str, k: int | None = None, history: Sequence[Turn] = ()) -> Retrieval:
        """What retrieval found for the question, and how it read it."""
        k = check_k(k, self.settings.max_k)
        question = clean_question(question, self.settings.max_question_chars)
        turns = clean_history(history, self.settings.max_question_chars)
        reading = read_question(question, turns, self.settings.history_turns, self.tokenizer)
        with self.index.lock.reading():
            return self.retriever.retrieve(reading, k)

    def retrieve(self, question: str, k: int | None = None, history: Sequence[Turn] = ()) -> list[Passage]:
        return list(self.retrieval(question, k, history).passages)

    def ask(self, question: str, history: Sequence[Turn] = ()) -> Answer:
        return final_answer(self.stream(question, history))

    def stream(self, question: str, history: Sequence[Turn] = ()) -> Iterator[str | Answer]:
        """Text pieces as they are written, then the final ``Answer`` with its citations."""
        started = time.perf_counter()
        retrieval = self.retrieval(question, history=history)
        retrieved = time.perf_counter()
        for item in self.answerer.stream(retrieval):
            if isinstance(item, Answer):
                timings = {"retrieve_s": retrieved - started, "answer_s": time.perf_counter() - retrieved}
                item = replace(item, timings=timings)
            yield item

    def warm_up(self) -> None:
        """Load what the first question of each kind would otherwise wait for (the bilingual
        dictionary's first parse on a machine takes two seconds); servers call this in the
        background at start."""
        self.retriever.translator.chinese_terms("climate cooperation")
        self.index.keyword_index()

    def chain(self) -> Runnable[str, Answer]:
        """The same pipeline as a LangChain Runnable: question -> Retrieval -> Answer."""
        from .langchain import answer_chain

        return answer_chain(self.retrieval, self.answerer)

    def as_retriever(self, k: int = 3) -> PaperRetriever:
        """This assistant's retrieval as a LangChain ``BaseRetriever`` returning ``k`` passages."""
        from .langchain import PaperRetriever

        return PaperRetriever(k=k, assistant=self)

    def papers(self) -> list[Paper]:
        with self.index.lock.reading():
            return self.index.papers()

    def cited_papers(self, passages: Sequence[Passage]) -> list[Paper]:
        """The papers the passages come from, each once in order, with their whole records: a
        passage carries only the fields it is cited by, a reference needs pages and volume too."""
        catalog = {paper.paper_id: paper for paper in self.papers()}
        cited = {
            p.paper_id: catalog.get(p.paper_id) or Paper(p.paper_id, p.record, (p.source,)) for p in passages
        }
        return list(cited.values())


def make_answerer(settings: Settings, tokenizer: Tokenizer) -> Answerer:
    """Record questions to the record answerer; the rest to the extractive answerer, or, with an
    LLM endpoint configured, to the LLM one that falls back to it."""
    extractive = ExtractiveAnswerer(
        tokenizer,
        settings.min_evidence_score,
        settings.min_evidence_score_en,
        settings.answer_sentences,
        rare_terms=settings.answer_rare_terms,
        rare_idf=settings.answer_rare_idf,
        term_share=settings.answer_term_share,
    )
    default: Answerer = extractive
    if settings.llm_enabled:
        from .answer.llm import LLMAnswerer

        default = LLMAnswerer.from_settings(settings, tokenizer, extractive)
    return RoutedAnswerer(default, RecordAnswerer(), EnumerationAnswerer(tokenizer, extractive, default))
