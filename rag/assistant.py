"""The one facade that the web chat, the CLI, the eval and user scripts use."""

from __future__ import annotations

import shutil
import time
import unicodedata
from collections.abc import Iterator, Sequence
from pathlib import Path

from langchain_core.runnables import Runnable, RunnableLambda

from .answer import Answerer, ExtractiveAnswerer
from .chunking import Chunker, make_chunker
from .config import Settings
from .conversation import Turn, retrieval_query
from .crosslingual import TermTranslator
from .embeddings import CachedEmbedder, Progress, make_embedder
from .index import PaperIndex, SyncReport, index_exists
from .ingest import DocumentCache, IngestError, load_corpus, load_files
from .keyword import Tokenizer
from .retrieval import HybridRetriever
from .schema import Answer, Document, Paper, Passage


class QuestionError(ValueError):
    """A question the assistant cannot take; the message is meant for the reader."""


def clean_question(question: str, max_chars: int) -> str:
    if not isinstance(question, str):
        raise QuestionError("the question must be text")
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in question)
    text = " ".join(text.split())
    if not text:
        raise QuestionError("the question is empty: type a question about the papers")
    if len(text) > max_chars:
        raise QuestionError(f"the question is {len(text):,} characters long; the limit is {max_chars:,}")
    return text


class Assistant:
    def __init__(
        self,
        settings: Settings,
        embedder: CachedEmbedder,
        tokenizer: Tokenizer,
        documents: DocumentCache,
        chunker: Chunker,
        index: PaperIndex,
        answerer: Answerer,
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self.tokenizer = tokenizer
        self.documents = documents
        self.chunker = chunker
        self.index = index
        self.retriever = HybridRetriever(index, embedder, settings, TermTranslator(tokenizer.frequency))
        self.answerer = answerer

    @classmethod
    def load(cls, settings: Settings | None = None, progress: Progress | None = None) -> Assistant:
        """Open the index, building it from the corpus folder first if there is none."""
        settings = settings or Settings.from_env()
        embedder = CachedEmbedder(
            make_embedder(settings.embedding_model),
            settings.embedding_cache,
            settings.embedding_batch_size,
        )
        tokenizer = Tokenizer()
        documents = DocumentCache.open(settings)
        chunker = make_chunker(settings)
        if index_exists(settings):
            index = PaperIndex.open(settings, embedder, tokenizer)
        else:
            corpus = load_corpus(settings.corpus_dir, documents)
            index, _ = PaperIndex.build(settings, embedder, tokenizer, corpus, chunker, progress)
        answerer = make_answerer(settings, tokenizer)
        return cls(settings, embedder, tokenizer, documents, chunker, index, answerer)

    # -- questions ---------------------------------------------------------------------

    def retrieve(self, question: str, k: int | None = None, history: Sequence[Turn] = ()) -> list[Passage]:
        question = clean_question(question, self.settings.max_question_chars)
        return self.retriever.retrieve(retrieval_query(question, history, self.settings.history_turns), k)

    def ask(self, question: str, history: Sequence[Turn] = ()) -> Answer:
        answer: Answer | None = None
        for item in self.stream(question, history):
            if isinstance(item, Answer):
                answer = item
        assert answer is not None
        return answer

    def stream(self, question: str, history: Sequence[Turn] = ()) -> Iterator[str | Answer]:
        """Text pieces as they are written, then the final ``Answer`` with its citations."""
        started = time.perf_counter()
        passages = self.retrieve(question, history=history)
        retrieved = time.perf_counter()
        question = clean_question(question, self.settings.max_question_chars)
        for item in self.answerer.stream(question, passages, history=history):
            if isinstance(item, Answer):
                item.timings = {
                    "retrieve_s": retrieved - started,
                    "answer_s": time.perf_counter() - retrieved,
                }
            yield item

    def warm_up(self) -> None:
        """Load what the first question of each kind would otherwise wait for (the bilingual
        dictionary takes about a second); servers call this in the background at start."""
        self.retriever.translator.chinese_terms("climate cooperation")
        self.index.keyword_index()

    def chain(self) -> Runnable[str, Answer]:
        """The same pipeline as a LangChain Runnable: question -> passages -> Answer."""
        retrieve: Runnable[str, dict] = RunnableLambda(
            lambda q: {"question": q, "passages": self.retrieve(q)}
        )
        answer: Runnable[dict, Answer] = RunnableLambda(
            lambda x: self.answerer.answer(
                clean_question(x["question"], self.settings.max_question_chars), x["passages"]
            )
        )
        return retrieve | answer

    # -- documents ------------------------------------------------------------------------

    def papers(self) -> list[Paper]:
        return self.index.papers()

    def reindex(self, progress: Progress | None = None) -> SyncReport:
        return self.index.sync(load_corpus(self.settings.corpus_dir, self.documents), self.chunker, progress)

    def add_files(self, paths: Sequence[Path], progress: Progress | None = None) -> SyncReport:
        """Copy readable, new files into the corpus folder and index them.

        Bad files and duplicates are reported in ``SyncReport.skipped`` and never
        reach the corpus folder, so the index and the folder stay in step.
        """
        incoming = load_files([Path(p) for p in paths])
        indexed = self.index.file_hashes()
        corpus_dir = self.settings.corpus_dir
        skipped = dict(incoming.skipped)
        for doc, path in zip(incoming.documents, _paths_of(incoming.documents, paths), strict=True):
            twin = next((s for s, h in indexed.items() if h == doc.content_hash), None)
            if twin is not None:
                skipped[doc.source] = f"{doc.source}: duplicate of {twin}, already indexed"
                continue
            target = corpus_dir / path.name
            if target.exists() and target.resolve() != path.resolve():
                skipped[doc.source] = f"{doc.source}: a different file of that name is already in the corpus"
                continue
            corpus_dir.mkdir(parents=True, exist_ok=True)
            if target.resolve() != path.resolve():
                shutil.copyfile(path, target)
        report = self.reindex(progress)
        report.skipped.update(skipped)
        return report


def _paths_of(documents: Sequence[Document], paths: Sequence[Path]) -> list[Path]:
    by_name = {Path(p).name: Path(p) for p in paths}
    return [by_name[doc.source] for doc in documents]


def make_answerer(settings: Settings, tokenizer: Tokenizer) -> Answerer:
    """The extractive answerer, or, with an LLM endpoint configured, the LLM one that falls back to it."""
    extractive = ExtractiveAnswerer(
        tokenizer, settings.min_evidence_score, settings.min_evidence_score_en, settings.answer_sentences
    )
    if not settings.llm_enabled:
        return extractive
    from .llm import LLMAnswerer

    return LLMAnswerer.from_settings(settings, tokenizer, extractive)


__all__ = ["Assistant", "IngestError", "QuestionError"]
