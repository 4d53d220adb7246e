"""Read the corpus folder into cleaned ``Document`` objects.

This is the only step that reads files. Bad files are skipped with a reason the
caller can show, never a crash: one unreadable upload must not stop the rest.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import sys
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from scipy import sparse

from . import cleaning, metadata
from .cache import SqliteCache, code_version
from .cleaning import CJK, clean_text
from .config import Settings
from .metadata import PaperRecord, extract_record, find_sections, markdown_headings
from .schema import Document, Section

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".txt", ".md", ".pdf", ".docx")
MAX_FILE_BYTES = 50_000_000
# A file whose text is mostly inside another file is a part of that paper
# (an abstract page, a catalogue record), not a paper of its own.
PART_OF_PAPER_CONTAINMENT = 0.6
_NOT_SKETCHED = re.compile(f"[^{CJK}A-Za-z0-9]+")
_SHINGLE = 8


class IngestError(ValueError):
    """A file that cannot be read as a document; the message says why."""


@dataclass
class Corpus:
    documents: list[Document] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)

    def papers(self) -> dict[str, list[Document]]:
        grouped: dict[str, list[Document]] = {}
        for doc in self.documents:
            grouped.setdefault(doc.paper_id, []).append(doc)
        return grouped


@dataclass
class Parsed:
    """A file's document before it is linked to the other files, and its sketch."""

    document: Document
    sketch: np.ndarray


def read_text(path: Path) -> str:
    _check_readable(path)
    suffix = path.suffix.lower()
    if suffix in (".txt", ".md"):
        return _decode(path)
    if suffix == ".pdf":
        return _read_pdf(path)
    if suffix == ".docx":
        return _read_docx(path)
    raise IngestError(
        f"{path.name}: unsupported type {suffix or '(none)'}; use {', '.join(SUPPORTED_SUFFIXES)}"
    )


def _check_readable(path: Path) -> None:
    if not path.is_file():
        raise IngestError(f"{path.name}: not a file")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise IngestError(f"{path.name}: larger than {MAX_FILE_BYTES // 1_000_000} MB")


def _decode(path: Path) -> str:
    data = path.read_bytes()
    if b"\x00" in data[:4096]:
        raise IngestError(f"{path.name}: binary data, not text")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise IngestError(f"{path.name}: not UTF-8 (or GB18030) text")


def _read_pdf(path: Path) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(path)
        return "\n\n".join(page.extract_text() or "" for page in reader.pages)
    except (PdfReadError, ValueError, OSError) as exc:
        raise IngestError(f"{path.name}: unreadable PDF ({exc})") from exc


def _read_docx(path: Path) -> str:
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError, PackageNotFoundError) as exc:
        raise IngestError(f"{path.name}: unreadable DOCX ({exc})") from exc
    lines = []
    for para in document.paragraphs:
        style = (para.style.name if para.style is not None else "") or ""
        prefix = "# " if style.lower().startswith(("heading", "title")) else ""
        lines.append(prefix + para.text)
    return "\n\n".join(lines)


def load_document(path: Path) -> Document:
    return _parse(path).document


def _parse(path: Path) -> Parsed:
    raw = read_text(path)
    text = clean_text(raw)
    if len(text) < 20:
        raise IngestError(f"{path.name}: empty (no text after cleaning)")
    record = extract_record(text, raw)
    content_hash = hashlib.sha1(text.encode()).hexdigest()
    document = Document(
        source=path.name,
        text=text,
        content_hash=content_hash,
        paper_id=content_hash[:16],
        title=record.title,
        authors=record.authors,
        journal=record.journal,
        year=record.year,
        issue=record.issue,
        doi=record.doi,
        sections=find_sections(text, {clean_text(h) for h in markdown_headings(raw)}),
    )
    return Parsed(document, sketch(text))


def sketch(text: str) -> np.ndarray:
    """Hashes of a third of the text's 8-character shingles, chosen by content, not by
    position, so that the same passage yields the same hashes wherever it starts in either file."""
    compact = _NOT_SKETCHED.sub("", text)
    hashes = {zlib.crc32(compact[i : i + _SHINGLE].encode()) for i in range(len(compact) - _SHINGLE + 1)}
    return np.asarray(sorted(h for h in hashes if h % 3 == 0), dtype=np.uint32)


class DocumentCache:
    """Parsed files by the hash of their bytes.

    Reading, cleaning and sketching a thousand papers takes most of a minute, and a
    re-index of an unchanged corpus should cost only the reading of the bytes. The key
    holds the parsing rules' own version, so a change to them parses every file again.
    """

    def __init__(self, store: SqliteCache) -> None:
        self._store = store
        self._version = code_version(cleaning, metadata, sys.modules[__name__])

    @classmethod
    def open(cls, settings: Settings) -> DocumentCache:
        return cls(SqliteCache(settings.parse_cache, "documents"))

    def key(self, path: Path) -> str:
        _check_readable(path)
        return hashlib.sha1(
            f"{self._version}\x00{path.suffix.lower()}\x00".encode() + path.read_bytes()
        ).hexdigest()

    def get_many(self, keys: Iterable[str]) -> dict[str, Parsed]:
        return {key: _decode_parsed(value) for key, value in self._store.get_many(keys).items()}

    def put_many(self, parsed: dict[str, Parsed]) -> None:
        self._store.put_many({key: _encode_parsed(value) for key, value in parsed.items()})


def _encode_parsed(parsed: Parsed) -> bytes:
    fields = asdict(parsed.document)
    fields["sketch"] = base64.b64encode(parsed.sketch.astype(np.uint32).tobytes()).decode()
    return json.dumps(fields, ensure_ascii=False).encode()


def _decode_parsed(value: bytes) -> Parsed:
    fields = json.loads(value)
    hashes = np.frombuffer(base64.b64decode(fields.pop("sketch")), dtype=np.uint32)
    fields["sections"] = [Section(**s) for s in fields["sections"]]
    return Parsed(Document(**fields), hashes)


def corpus_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise IngestError(f"corpus folder {folder} does not exist")
    return sorted(
        p
        for p in folder.iterdir()
        if p.suffix.lower() in SUPPORTED_SUFFIXES and p.name.lower() != "readme.md"
    )


def load_corpus(folder: Path, cache: DocumentCache | None = None) -> Corpus:
    return load_files(corpus_files(folder), cache)


def load_files(paths: Iterable[Path], cache: DocumentCache | None = None) -> Corpus:
    corpus = Corpus()
    sketches: list[np.ndarray] = []
    by_hash: dict[str, str] = {}
    for path, parsed in _parse_all(list(paths), cache, corpus.skipped):
        doc = parsed.document
        if doc.content_hash in by_hash:
            corpus.skipped[path.name] = f"{path.name}: duplicate of {by_hash[doc.content_hash]}"
            log.warning("skipped %s", corpus.skipped[path.name])
            continue
        by_hash[doc.content_hash] = doc.source
        corpus.documents.append(doc)
        sketches.append(parsed.sketch)
    link_parts_of_papers(corpus.documents, sketches)
    return corpus


def _parse_all(
    paths: list[Path], cache: DocumentCache | None, skipped: dict[str, str]
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
                parsed = _parse(path)
                if key:
                    fresh[key] = parsed
        except (IngestError, OSError) as exc:
            skipped[path.name] = str(exc)
            log.warning("skipped %s", exc)
            continue
        parsed.document.source = path.name  # the same bytes may have been read under another name
        out.append((path, parsed))
    if cache is not None:
        cache.put_many(fresh)
    return out


def link_parts_of_papers(documents: list[Document], sketches: Sequence[np.ndarray]) -> None:
    """Give the files that repeat most of another file that file's paper identity.

    A paper's record is that of its longest file, with gaps filled from its parts.
    """
    whole = _containing_documents(documents, sketches)
    groups: dict[int, list[int]] = {}
    for i in range(len(documents)):
        root = i
        while whole[root] >= 0:
            root = whole[root]
        groups.setdefault(root, []).append(i)
    for root, members in groups.items():
        if len(members) == 1:
            continue
        members.sort(key=lambda i: -len(documents[i].text))
        merged = PaperRecord()
        for i in members:
            merged = merged.merged_with(_record_of(documents[i]))
        for i in members:
            doc = documents[i]
            doc.paper_id = documents[root].paper_id
            doc.title, doc.authors, doc.journal = merged.title, merged.authors, merged.journal
            doc.year, doc.issue, doc.doi = merged.year, merged.issue, merged.doi


def _record_of(doc: Document) -> PaperRecord:
    return PaperRecord(doc.title, doc.authors, doc.journal, doc.year, doc.issue, doc.doi)


def _containing_documents(documents: list[Document], sketches: Sequence[np.ndarray]) -> list[int]:
    """For each file, the longer file that holds most of its sketch (-1 for none).

    The hashes every pair of files shares come from one sparse product, not from a
    set intersection per pair, which took half a minute for a thousand papers.
    """
    n = len(documents)
    sizes = np.asarray([len(s) for s in sketches], dtype=np.int64)
    whole = [-1] * n
    if n < 2 or not sizes.any():
        return whole
    values = np.concatenate(sketches)
    _, cols = np.unique(values, return_inverse=True)
    rows = np.repeat(np.arange(n), sizes)
    member = sparse.csr_matrix(
        (np.ones(len(values), dtype=np.int32), (rows, cols)), shape=(n, int(cols.max()) + 1)
    )
    shared = (member @ member.T).tocoo()
    part, other = shared.row, shared.col
    lengths = np.asarray([len(doc.text) for doc in documents])
    share = shared.data / np.maximum(sizes[part], 1)
    keep = (lengths[other] > lengths[part]) & (share >= PART_OF_PAPER_CONTAINMENT)
    part, other, share = part[keep], other[keep], share[keep]
    # The best share for each part; among equal shares, the first file.
    for i in np.lexsort((-other, share, part)):
        whole[int(part[i])] = int(other[i])
    return whole
