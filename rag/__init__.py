"""Retrieval-augmented Q&A over academic papers, with cited passages.

from rag import Assistant
assistant = Assistant.load()
answer = assistant.ask("中国与中亚气候合作的路径有哪些？")
"""

from .assistant import Assistant, QuestionError
from .config import Settings
from .conversation import Turn
from .schema import Answer, Document, Paper, Passage

__all__ = ["Answer", "Assistant", "Document", "Paper", "Passage", "QuestionError", "Settings", "Turn"]
