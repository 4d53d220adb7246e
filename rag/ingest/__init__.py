"""Ingest: files -> cleaned ``Document``s with their bibliographic record and sections.

readers (one per format) -> cleaning -> record (title, authors, journal...) -> papers (which
files are parts of one paper) -> loader (the corpus folder, with a cache of parsed files).
"""

from .loader import (
    Corpus,
    DocumentCache,
    corpus_files,
    is_corpus_file,
    load_corpus,
    load_document,
    load_files,
)
from .readers import SUPPORTED_SUFFIXES, IngestError, Limits, read_text

__all__ = [
    "SUPPORTED_SUFFIXES",
    "Corpus",
    "DocumentCache",
    "IngestError",
    "Limits",
    "corpus_files",
    "is_corpus_file",
    "load_corpus",
    "load_document",
    "load_files",
    "read_text",
]
