"""Retrieval: a question -> ``Retrieval``: its reading (follow-ups, what it asks for), the
papers it names (scope), its Chinese terms when asked in English (crosslingual), and the
passages found by dense and keyword search, fused (fusion, hybrid)."""

from .hybrid import HybridRetriever
from .query import QuestionError, check_k, clean_history, clean_question, printable, read_question

__all__ = [
    "HybridRetriever",
    "QuestionError",
    "check_k",
    "clean_history",
    "clean_question",
    "printable",
    "read_question",
]
