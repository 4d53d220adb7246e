"""The chunk budget of one file: past it, the file is skipped before anything is embedded."""

from __future__ import annotations

from ..ingest import Corpus
from .sentence_chunker import Chunker


def within_budget(corpus: Corpus, chunker: Chunker, max_chunks: int) -> Corpus:
    """The corpus without the files that cut into more than ``max_chunks`` chunks.

    A 6 MB text file cuts into 87,000 chunks, half an hour of embedding on two cores, which
    would stop the index (and the next start) for that long. The chunk boundaries are cached,
    so the sync that follows does not cut them again.
    """
    kept = []
    skipped = dict(corpus.skipped)
    for doc, chunks in zip(corpus.documents, chunker.split_many(corpus.documents), strict=True):
        if len(chunks) > max_chunks:
            skipped[doc.source] = (
                f"{doc.source}: {len(chunks):,} chunks is over the per-file limit of {max_chunks:,}; "
                f"split it or raise RAG_MAX_CHUNKS_PER_FILE"
            )
        else:
            kept.append(doc)
    return Corpus(kept, skipped)
