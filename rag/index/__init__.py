"""Index: chunks -> vectors (embeddings, with a vector cache) -> Chroma (store), plus BM25
(keyword, keyword_store), the papers (catalog), and bringing it all in line with the corpus
(sync), its self-check on open (health), each chunk's rows in the index's own file (row_file),
and the chunks held in memory for questions (passage_table). ``PaperIndex`` is the one
object the rest of the product holds."""

from .embeddings import CachedEmbedder, Embedder, Progress, make_embedder
from .health import HealthReport
from .paper_index import IndexDamaged, IndexUnavailable, PaperIndex, index_exists
from .passage_table import PassageTable
from .store import chroma_dir
from .sync import SyncReport

__all__ = [
    "CachedEmbedder",
    "Embedder",
    "HealthReport",
    "IndexDamaged",
    "IndexUnavailable",
    "PaperIndex",
    "PassageTable",
    "Progress",
    "SyncReport",
    "chroma_dir",
    "index_exists",
    "make_embedder",
]
