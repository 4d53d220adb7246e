"""Answer: ``Retrieval`` -> ``Answer`` with cited passages. The extractive answerer quotes the
papers; the LLM answerer (llm/) writes and is checked against them (verify/)."""

from .base import NOT_FOUND_EN, NOT_FOUND_ZH, Answerer, compose, final_answer, not_found_text
from .extractive import ExtractiveAnswerer

__all__ = [
    "NOT_FOUND_EN",
    "NOT_FOUND_ZH",
    "Answerer",
    "ExtractiveAnswerer",
    "compose",
    "final_answer",
    "not_found_text",
]
