"""Chunking: ``Document`` -> ``Chunk``s of whole sentences under a tiktoken budget, one section
each, overlapping by a sentence; boundaries cached by content."""

from .budget import within_budget
from .cached import CachedChunker, make_chunker, make_sentence_chunker
from .sentence_chunker import Chunker, SentenceChunker, chunk_id, chunks_at

__all__ = [
    "CachedChunker",
    "Chunker",
    "SentenceChunker",
    "chunk_id",
    "chunks_at",
    "make_chunker",
    "make_sentence_chunker",
    "within_budget",
]
