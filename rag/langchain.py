"""The product seen from LangChain: our embedders as LangChain ``Embeddings``, and the whole
pipeline as a ``Runnable``. Imported only by whoever asks for them, so ``import rag`` stays cheap."""

from __future__ import annotations

from collections.abc import Callable

from langchain_core.embeddings import Embeddings
from langchain_core.runnables import Runnable, RunnableLambda

from .answer import Answerer
from .index import CachedEmbedder
from .schema import Answer, Retrieval


class LangChainEmbeddings(Embeddings):
    """Lets LangChain components (a vector store of the user's own) use our embedders."""

    def __init__(self, embedder: CachedEmbedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed_passages(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed_query(text).tolist()


def answer_chain(retrieve: Callable[[str], Retrieval], answerer: Answerer) -> Runnable[str, Answer]:
    """question -> Retrieval -> Answer, as two Runnables piped together."""
    found: Runnable[str, Retrieval] = RunnableLambda(retrieve)
    answered: Runnable[Retrieval, Answer] = RunnableLambda(answerer.answer)
    return found | answered
