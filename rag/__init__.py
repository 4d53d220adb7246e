"""Retrieval-augmented Q&A over academic papers, with cited passages.

from rag import Assistant
assistant = Assistant.load()
answer = assistant.ask("中国与中亚气候合作的路径有哪些？")

The names below load on first use, so ``import rag`` does not import Chroma, LangChain or
the model (a CLI's ``--help`` and the settings checks stay fast).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "Answer": "rag.schema",
    "Document": "rag.schema",
    "Paper": "rag.schema",
    "PaperRecord": "rag.schema",
    "Passage": "rag.schema",
    "Retrieval": "rag.schema",
    "Turn": "rag.schema",
    "Settings": "rag.config",
    "SettingsError": "rag.config",
    "Assistant": "rag.assistant",
    "QuestionError": "rag.retrieval.query",
    "IngestError": "rag.ingest.readers",
    "IndexUnavailable": "rag.index.paper_index",
    "PaperRetriever": "rag.langchain",
}

__all__ = [
    "Answer",
    "Assistant",
    "Document",
    "IndexUnavailable",
    "IngestError",
    "Paper",
    "PaperRecord",
    "PaperRetriever",
    "Passage",
    "QuestionError",
    "Retrieval",
    "Settings",
    "SettingsError",
    "Turn",
]

if TYPE_CHECKING:
    from .assistant import Assistant
    from .config import Settings, SettingsError
    from .index.paper_index import IndexUnavailable
    from .ingest.readers import IngestError
    from .langchain import PaperRetriever
    from .retrieval.query import QuestionError
    from .schema import Answer, Document, Paper, PaperRecord, Passage, Retrieval, Turn


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'rag' has no attribute {name!r}")
    value = getattr(import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value
