"""The product seen from LangChain: our embedders as LangChain ``Embeddings``, the index as a
``BaseRetriever``, and the whole pipeline as a ``Runnable``. Imported only by whoever asks for
them, so ``import rag`` stays cheap."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableLambda
from pydantic import ConfigDict, Field

from .answer import Answerer
from .assistant import Assistant
from .index import CachedEmbedder
from .schema import Answer, Passage, Retrieval


class LangChainEmbeddings(Embeddings):
    """Lets LangChain components (a vector store of the user's own) use our embedders."""

    def __init__(self, embedder: CachedEmbedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed_passages(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed_query(text).tolist()


class PaperRetriever(BaseRetriever):
    """The hybrid retrieval as a LangChain retriever, so the papers can feed a chain, an agent or
    an evaluation of the user's own. ``PaperRetriever(k=3)`` opens the default index."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    k: int = 3
    assistant: Assistant = Field(default_factory=Assistant.load, exclude=True, repr=False)

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, k: int | None = None
    ) -> list[Document]:
        retrieval = self.assistant.retrieval(query, k=k or self.k)
        return [passage_document(p) for p in retrieval.passages]


def passage_document(passage: Passage) -> Document:
    """A passage as a LangChain ``Document``, its metadata plain JSON. Highlights are the spans
    an answer quoted, or else the sentence closest to the question."""
    best = max(passage.sentences, key=lambda s: s.similarity, default=None)
    spans = passage.highlights or (((best.start, best.end),) if best else ())
    record = passage.record
    metadata: dict[str, Any] = {
        "source": passage.source,
        "paper_id": passage.paper_id,
        "title": record.title,
        "authors": list(record.authors),
        "year": record.year,
        "journal": record.journal,
        "section": passage.section,
        "pages": list(passage.pages),
        "chunk_id": passage.chunk_id,
        "score": passage.score,
        "highlights": [list(span) for span in spans],
    }
    return Document(page_content=passage.text, metadata=metadata, id=passage.chunk_id)


def answer_chain(retrieve: Callable[[str], Retrieval], answerer: Answerer) -> Runnable[str, Answer]:
    """question -> Retrieval -> Answer, as two Runnables piped together."""
    found: Runnable[str, Retrieval] = RunnableLambda(retrieve)
    answered: Runnable[Retrieval, Answer] = RunnableLambda(answerer.answer)
    return found | answered
