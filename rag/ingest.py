"""Read the corpus folder into cleaned ``Document`` objects.

This is the only step that reads files. Bad files are skipped with a reason the
caller can show, never a crash: one unreadable upload must not stop the rest.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .cleaning import CJK, clean_text
from .metadata import PaperRecord, extract_record, find_sections, markdown_headings
from .schema import Document

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".txt", ".md", ".pdf", ".docx")
MAX_FILE_BYTES = 50_000_000
# A file whose text is mostly inside another file is a part of that paper
# (an abstract page, a catalogue record), not a paper of its own.
PART_OF_PAPER_CONTAINMENT = 0.6


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


def read_text(path: Path) -> str:
    if not path.is_file():
        raise IngestError(f"{path.name}: not a file")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise IngestError(f"{path.name}: larger than {MAX_FILE_BYTES // 1_000_000} MB")
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
    raw = read_text(path)
    text = clean_text(raw)
    if len(text) < 20:
        raise IngestError(f"{path.name}: empty (no text after cleaning)")
    record = extract_record(text, raw)
    content_hash = hashlib.sha1(text.encode()).hexdigest()
    return _document(path.name, text, content_hash, record, raw)


def _document(source: str, text: str, content_hash: str, record: PaperRecord, raw: str) -> Document:
    return Document(
        source=source,
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


def corpus_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise IngestError(f"corpus folder {folder} does not exist")
    return sorted(
        p
        for p in folder.iterdir()
        if p.suffix.lower() in SUPPORTED_SUFFIXES and p.name.lower() != "readme.md"
    )


def load_corpus(folder: Path) -> Corpus:
    return load_files(corpus_files(folder))


def load_files(paths: Iterable[Path]) -> Corpus:
    corpus = Corpus()
    by_hash: dict[str, str] = {}
    for path in paths:
        try:
            doc = load_document(path)
        except (IngestError, OSError) as exc:
            corpus.skipped[path.name] = str(exc)
            log.warning("skipped %s", exc)
            continue
        if doc.content_hash in by_hash:
            corpus.skipped[path.name] = f"{path.name}: duplicate of {by_hash[doc.content_hash]}"
            log.warning("skipped %s", corpus.skipped[path.name])
            continue
        by_hash[doc.content_hash] = doc.source
        corpus.documents.append(doc)
    link_parts_of_papers(corpus.documents)
    return corpus


def link_parts_of_papers(documents: list[Document]) -> None:
    """Give a file that repeats most of another file that file's paper identity."""
    shingles = {doc.source: _shingles(doc.text) for doc in documents}
    for part in sorted(documents, key=lambda d: len(d.text)):
        whole = _containing_document(part, documents, shingles)
        if whole is None:
            continue
        merged = PaperRecord(
            whole.title, whole.authors, whole.journal, whole.year, whole.issue, whole.doi
        ).merged_with(PaperRecord(part.title, part.authors, part.journal, part.year, part.issue, part.doi))
        for doc in (whole, part):
            doc.paper_id = whole.paper_id
            doc.title, doc.authors, doc.journal = merged.title, merged.authors, merged.journal
            doc.year, doc.issue, doc.doi = merged.year, merged.issue, merged.doi


def _containing_document(
    part: Document, documents: list[Document], shingles: dict[str, set[str]]
) -> Document | None:
    own = shingles[part.source]
    if not own:
        return None
    best, best_share = None, PART_OF_PAPER_CONTAINMENT
    for other in documents:
        if other is part or len(other.text) <= len(part.text):
            continue
        share = len(own & shingles[other.source]) / len(own)
        if share >= best_share:
            best, best_share = other, share
    return best


def _shingles(text: str, size: int = 8) -> set[str]:
    """A third of the text's shingles, chosen by content, not by position, so that the
    same passage yields the same shingles wherever it starts in either file."""
    import re
    import zlib

    compact = "".join(re.findall(f"[{CJK}A-Za-z0-9]", text))
    every = (compact[i : i + size] for i in range(max(len(compact) - size + 1, 0)))
    return {s for s in every if zlib.crc32(s.encode()) % 3 == 0}
