"""What a user would build instead, measured with the same questions and metrics.

The plain LangChain pipeline: RecursiveCharacterTextSplitter(1000, 200) over the
raw files, the same e5 model, Chroma similarity top-k, and the top passage shown
as the answer (it has no way to abstain). The dense-only and BM25-only baselines are the
product's own Assistant with a ranking switched off (eval/quality/harness.py).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import chromadb
from chromadb.config import Settings as ChromaSettings
from langchain_chroma import Chroma
from langchain_core.documents import Document as LCDocument
from langchain_text_splitters import RecursiveCharacterTextSplitter

from rag import Answer, Passage
from rag.answer.verify import split_sentences
from rag.config import Settings
from rag.index import CachedEmbedder, make_embedder
from rag.ingest import corpus_files, read_text
from rag.langchain import LangChainEmbeddings


class PlainLangChain:
    name = "plain LangChain"

    def __init__(self, settings: Settings, chunk_size: int = 1000, overlap: int = 200) -> None:
        files = corpus_files(settings.corpus_dir)
        fingerprint = hashlib.sha1(
            "".join(f"{p.name}{p.stat().st_size}{p.stat().st_mtime_ns}" for p in files).encode()
        ).hexdigest()[:12]
        path = settings.index_dir / "baselines" / f"plain-{chunk_size}-{overlap}-{fingerprint}"
        self.embedder = CachedEmbedder(
            make_embedder(settings.embedding_model), settings.embedding_cache, settings.embedding_batch_size
        )
        client = chromadb.PersistentClient(str(path), ChromaSettings(anonymized_telemetry=False))
        self.store = Chroma(
            "plain",
            LangChainEmbeddings(self.embedder),
            client=client,
            collection_metadata={"hnsw:space": "cosine"},
        )
        if self.count() == 0:
            self._build(files, chunk_size, overlap)

    def _build(self, files: list[Path], chunk_size: int, overlap: int) -> None:
        splitter = RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=overlap)
        docs = splitter.split_documents(
            [LCDocument(page_content=read_text(p), metadata={"source": p.name}) for p in files]
        )
        for start in range(0, len(docs), 128):
            self.store.add_documents(docs[start : start + 128])

    def count(self) -> int:
        return len(self.store.get(include=[])["ids"])

    def retrieve(self, question: str, k: int) -> list[str]:
        return [doc.page_content for doc in self.store.similarity_search(question, k=k)]

    def ask(self, question: str) -> Answer:
        """The top passage as the answer, each of its sentences citing it: what a reader of this
        pipeline is shown, in the form the answer metrics read."""
        doc, score = self.store.similarity_search_with_relevance_scores(question, k=1)[0]
        passage = Passage(doc.id or "", doc.page_content, doc.metadata["source"], score)
        text = " ".join(f"{sentence.strip()}[1]" for sentence in split_sentences(doc.page_content))
        return Answer(question, text, (passage,), True, (passage,))
