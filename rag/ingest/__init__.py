"""Ingest: files -> cleaned ``Document``s with their bibliographic record and sections.

readers (one per format) -> cleaning -> record (title, authors, journal...) -> papers (which
files are parts of one paper) -> loader (the corpus folder, with a cache of parsed files).
"""

from .loader import Corpus, DocumentCache, corpus_files, load_corpus, load_document, load_files
from .readers import SUPPORTED_SUFFIXES, IngestError, read_text

__all__ = [
    "SUPPORTED_SUFFIXES",
    "Corpus",
    "DocumentCache",
    "IngestError",
    "corpus_files",
    "load_corpus",
    "load_document",
    "load_files",
    "read_text",
]
