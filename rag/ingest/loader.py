"""Read the corpus folder into cleaned ``Document`` objects.

Bad files are skipped with a reason the caller can show, never a crash: one unreadable
upload must not stop the rest.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import sys
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from ..cache import SqliteCache, code_version
from ..config import Settings
from ..schema import Document, PageSpan, PaperRecord, Section
from . import cleaning, paged, papers, readers, record, running_matter
from .cleaning import clean_text
from .paged import PagedText
from .papers import link_parts_of_papers, sketch
from .readers import (
    DEFAULT_LIMITS,
    SUPPORTED_SUFFIXES,
    Extracted,
    IngestError,
    Limits,
    check_readable,
    read_file,
)
from .record import extract_record, find_sections, markdown_headings
from .running_matter import drop_running_matter

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Corpus:
    documents: list[Document] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)

    def papers(self) -> dict[str, list[Document]]:
        grouped: dict[str, list[Document]] = {}
        for doc in self.documents:
            grouped.setdefault(doc.paper_id, []).append(doc)
        return grouped


@dataclass(frozen=True)
class Parsed:
    """A file's document before it is linked to the other files, and its sketch."""

    document: Document
    sketch: np.ndarray


def load_document(path: Path, limits: Limits = DEFAULT_LIMITS) -> Document:
    return _parse(path, limits).document


def _parse(path: Path, limits: Limits) -> Parsed:
    raw, text, pages = _cleaned(read_file(path, limits))
    if len(text) < 20:
        raise IngestError(f"{path.name}: empty (no text after cleaning)")
    content_hash = hashlib.sha1(text.encode()).hexdigest()
    document = Document(
        source=path.name,
        text=text,
        content_hash=content_hash,
        paper_id=content_hash[:16],
        record=extract_record(text, raw),
        sections=tuple(find_sections(text, {clean_text(h) for h in markdown_headings(raw)})),
        pages=pages,
    )
    return Parsed(document, sketch(text))


def _cleaned(extracted: Extracted) -> tuple[str, str, tuple[PageSpan, ...]]:
    """The file's text as read (less a PDF's running headers and footers), cleaned, and where
    each page stands in the cleaned text."""
    if not extracted.numbers:
        return extracted.text, clean_text(extracted.text), ()
    pages = drop_running_matter(extracted.pages)
    cleaned = clean_text(PagedText.of_pages(pages, extracted.numbers))
    return "\n\n".join(pages), cleaned.text, cleaned.spans()


class DocumentCache:
    """Parsed files by the hash of their bytes.

    Reading, cleaning and sketching a thousand papers takes most of a minute, and a
    re-index of an unchanged corpus should cost only the reading of the bytes. The key
    holds the parsing rules' own version, so a change to them parses every file again.
    """

    def __init__(self, store: SqliteCache) -> None:
        self._store = store
        self._version = code_version(
            cleaning, paged, running_matter, record, readers, papers, sys.modules[__name__]
        )

    @classmethod
    def open(cls, settings: Settings) -> DocumentCache:
        return cls(SqliteCache(settings.parse_cache, "documents"))

    def key(self, path: Path) -> str:
        check_readable(path)
        return hashlib.sha1(
            f"{self._version}\x00{path.suffix.lower()}\x00".encode() + path.read_bytes()
        ).hexdigest()

    def get_many(self, keys: Iterable[str]) -> dict[str, Parsed]:
        return {key: _decode_parsed(value) for key, value in self._store.get_many(keys).items()}

    def put_many(self, parsed: dict[str, Parsed]) -> None:
        self._store.put_many({key: _encode_parsed(value) for key, value in parsed.items()})


def _encode_parsed(parsed: Parsed) -> bytes:
    fields = asdict(parsed.document)
    fields["record"] = parsed.document.record.to_json()
    fields["sketch"] = base64.b64encode(parsed.sketch.astype(np.uint32).tobytes()).decode()
    return json.dumps(fields, ensure_ascii=False).encode()


def _decode_parsed(value: bytes) -> Parsed:
    fields = json.loads(value)
    hashes = np.frombuffer(base64.b64decode(fields.pop("sketch")), dtype=np.uint32)
    record = PaperRecord.from_json(fields.pop("record"))
    sections = tuple(Section(**s) for s in fields.pop("sections"))
    pages = tuple(PageSpan(**p) for p in fields.pop("pages"))
    return Parsed(Document(**fields, record=record, sections=sections, pages=pages), hashes)


def corpus_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise IngestError(f"corpus folder {folder} does not exist")
    return sorted(p for p in folder.iterdir() if is_corpus_file(p.name))


def is_corpus_file(name: str) -> bool:
    """A file the corpus folder indexes: a supported type, and not the folder's own README.md."""
    return Path(name).suffix.lower() in SUPPORTED_SUFFIXES and name.lower() != "readme.md"


def load_corpus(folder: Path, cache: DocumentCache | None = None, limits: Limits = DEFAULT_LIMITS) -> Corpus:
    return load_files(corpus_files(folder), cache, limits)


def load_files(
    paths: Iterable[Path], cache: DocumentCache | None = None, limits: Limits = DEFAULT_LIMITS
) -> Corpus:
    """A paper is known by its file name, so of two files of one name only the first is read."""
    documents: list[Document] = []
    skipped: dict[str, str] = {}
    sketches: list[np.ndarray] = []
    by_hash: dict[str, str] = {}
    by_name: dict[str, Path] = {}
    unique = []
    for path in paths:
        first = by_name.setdefault(path.name, path)
        if first is path:
            unique.append(path)
        else:
            skipped[f"{path}"] = (
                f"{path}: another file named {path.name} ({first}) is read instead; rename one"
            )
            log.warning("skipped %s", skipped[f"{path}"])
    for path, parsed in _parse_all(unique, cache, skipped, limits):
        doc = parsed.document
        if doc.content_hash in by_hash:
            skipped[path.name] = f"{path.name}: duplicate of {by_hash[doc.content_hash]}"
            log.warning("skipped %s", skipped[path.name])
            continue
        by_hash[doc.content_hash] = doc.source
        documents.append(doc)
        sketches.append(parsed.sketch)
    return Corpus(link_parts_of_papers(documents, sketches), skipped)


def _parse_all(
    paths: list[Path], cache: DocumentCache | None, skipped: dict[str, str], limits: Limits
) -> list[tuple[Path, Parsed]]:
    keys: dict[Path, str] = {}
    if cache is not None:
        for path in paths:
            try:
                keys[path] = cache.key(path)
            except (IngestError, OSError):
                continue  # parsing it says why
    found = cache.get_many(keys.values()) if cache is not None else {}
    fresh: dict[str, Parsed] = {}
    out = []
    for path in paths:
        key = keys.get(path)
        try:
            parsed = found.get(key) if key else None
            if parsed is None:
                parsed = _parse(path, limits)
                if key:
                    fresh[key] = parsed
        except (IngestError, OSError) as exc:
            skipped[path.name] = str(exc)
            log.warning("skipped %s", exc)
            continue
        except Exception as exc:  # a rule that fails on one strange file must not stop the others
            skipped[path.name] = f"{path.name}: could not be read ({type(exc).__name__}: {exc})"[:500]
            log.exception("skipped %s", path.name)
            continue
        # The same bytes may have been read under another name.
        out.append((path, replace(parsed, document=replace(parsed.document, source=path.name))))
    if cache is not None:
        cache.put_many(fresh)
    return out
