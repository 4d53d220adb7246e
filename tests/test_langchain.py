"""The index as a LangChain retriever: LangChain's own standard tests, and the metadata a
user's chain reads, on the session assistant over the fixture corpus."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.documents import Document
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import RunnableLambda, RunnablePassthrough
from langchain_tests.integration_tests import RetrieversIntegrationTests

from rag import Assistant, PaperRetriever, Passage
from rag.langchain import passage_document

QUESTION = "天山冰川过去50年减少了多少？"


class TestPaperRetrieverStandard(RetrieversIntegrationTests):
    @pytest.fixture(autouse=True)
    def _over_the_fixture_corpus(self, assistant: Assistant) -> None:
        self.assistant = assistant

    @property
    def retriever_constructor(self) -> type[BaseRetriever]:
        return PaperRetriever

    @property
    def retriever_constructor_params(self) -> dict[str, Any]:
        return {"assistant": self.assistant, "k": 2}

    @property
    def retriever_query_example(self) -> str:
        return QUESTION


def test_documents_carry_the_citation_as_plain_json(assistant: Assistant) -> None:
    documents = assistant.as_retriever(k=3).invoke(QUESTION)
    assert len(documents) == 3
    top = documents[0]
    assert "11.7%" in top.page_content and top.id == top.metadata["chunk_id"]
    meta = json.loads(json.dumps(top.metadata, ensure_ascii=False))
    assert meta["source"] == "climate_cooperation.txt" and meta["paper_id"]
    assert meta["title"].startswith("高质量共建") and meta["authors"] == ["张立辉", "黄忠伟", "黄建平"]
    assert meta["year"] and meta["journal"] and meta["section"] and meta["pages"] == []
    (start, end), *_ = meta["highlights"]
    assert "11.7%" in top.page_content[start:end]
    scores = [d.metadata["score"] for d in documents]
    assert scores == sorted(scores, reverse=True)


def test_the_retriever_matches_the_assistant_it_wraps(assistant: Assistant) -> None:
    passages = assistant.retrieve(QUESTION, k=4)
    documents = assistant.as_retriever(k=4).invoke(QUESTION)
    assert [d.metadata["chunk_id"] for d in documents] == [p.chunk_id for p in passages]


async def test_async_gives_the_same_documents(assistant: Assistant) -> None:
    retriever = assistant.as_retriever(k=2)
    assert await retriever.ainvoke(QUESTION) == retriever.invoke(QUESTION)


def test_the_retriever_drops_into_a_plain_lcel_chain(assistant: Assistant) -> None:
    def joined(documents: list[Document]) -> str:
        return "\n".join(f"[{d.metadata['title']}] {d.page_content}" for d in documents)

    prompt = ChatPromptTemplate.from_template("Context:\n{context}\n\nQuestion: {question}")
    chain = {"context": assistant.as_retriever(k=2) | joined, "question": RunnablePassthrough()} | prompt
    text = (chain | RunnableLambda(lambda p: p.to_string())).invoke(QUESTION)
    assert "11.7%" in text and text.endswith(QUESTION)


def test_a_pdf_passage_document_holds_its_pages() -> None:
    passage = Passage("c1", "引用句。", "paper.pdf", 0.5, pages=(84, 85))
    assert passage_document(passage).metadata["pages"] == [84, 85]
    assert passage_document(Passage("c2", "引用句。", "paper.txt", 0.5)).metadata["pages"] == []
