"""Read a file of each supported format as text. The only code that opens corpus files.

Every file costs bounded work: its size, what its zip parts unpack to, the characters read
and the reading time have limits (``Limits``), and any error a reader library raises on a
hostile file becomes an ``IngestError`` that names the file, so one file is skipped and the
rest are read.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Settings

if TYPE_CHECKING:
    from pypdf import PdfReader

SUPPORTED_SUFFIXES = (".txt", ".md", ".pdf", ".docx")
MAX_FILE_BYTES = 50_000_000
# Byte-order marks, UTF-32 first: its little-endian mark starts with UTF-16's.
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


class IngestError(ValueError):
    """A file that cannot be read as a document; the message says why."""


@dataclass(frozen=True)
class Extracted:
    """A file's text as read: a PDF's page by page, with the number each page prints; any
    other format's as one page without a number."""

    pages: tuple[str, ...]
    numbers: tuple[int, ...] = ()

    @property
    def text(self) -> str:
        return "\n\n".join(self.pages)


@dataclass(frozen=True)
class Limits:
    """What reading one file may cost (see the fields of the same names in ``Settings``)."""

    max_file_chars: int = 1_000_000
    max_decompressed_mb: int = 200
    max_parse_seconds: float = 120.0

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(settings.max_file_chars, settings.max_decompressed_mb, settings.max_parse_seconds)


DEFAULT_LIMITS = Limits()


class _Clock:
    """The reading time left for one file, checked between pages and paragraphs."""

    def __init__(self, path: Path, limits: Limits) -> None:
        self.path = path
        self.limits = limits
        self.started = time.monotonic()
        self.chars = 0

    def count(self, text: str) -> str:
        self.chars += len(text)
        if self.chars > self.limits.max_file_chars:
            raise IngestError(
                f"{self.path.name}: more than {self.limits.max_file_chars:,} characters of text, over the "
                f"per-file limit; split it or raise RAG_MAX_FILE_CHARS"
            )
        if time.monotonic() - self.started > self.limits.max_parse_seconds:
            raise IngestError(
                f"{self.path.name}: reading took over {self.limits.max_parse_seconds:g} s, the per-file "
                f"limit; split it or raise RAG_MAX_PARSE_SECONDS"
            )
        return text


def read_text(path: Path, limits: Limits = DEFAULT_LIMITS) -> str:
    return read_file(path, limits).text


def read_file(path: Path, limits: Limits = DEFAULT_LIMITS) -> Extracted:
    check_readable(path)
    suffix = path.suffix.lower()
    clock = _Clock(path, limits)
    try:
        if suffix in (".txt", ".md"):
            return Extracted((clock.count(_decode(path)),))
        if suffix == ".pdf":
            return _read_pdf(path, clock)
        if suffix == ".docx":
            return Extracted((_read_docx(path, clock),))
    except (IngestError, OSError):
        raise
    except Exception as exc:  # reader libraries raise many types on hostile files (MemoryError too)
        kind = suffix.lstrip(".").upper()
        raise IngestError(f"{path.name}: unreadable {kind} ({type(exc).__name__}: {exc})"[:500]) from exc
    raise IngestError(
        f"{path.name}: unsupported type {suffix or '(none)'}; use {', '.join(SUPPORTED_SUFFIXES)}"
    )


def check_readable(path: Path) -> None:
    """A link must stay inside its own folder: a corpus or an upload never reads files elsewhere."""
    if path.is_symlink() and not path.resolve().is_relative_to(path.parent.resolve()):
        raise IngestError(f"{path.name}: a link to a file outside its folder ({path.resolve()}), not read")
    if not path.is_file():
        raise IngestError(f"{path.name}: not a file")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise IngestError(f"{path.name}: larger than {MAX_FILE_BYTES // 1_000_000} MB")


def _decode(path: Path) -> str:
    data = path.read_bytes()
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding).lstrip("\ufeff")
            except UnicodeDecodeError as exc:
                raise IngestError(
                    f"{path.name}: starts as {encoding.upper()} but is not ({exc.reason})"
                ) from exc
    if b"\x00" in data[:4096]:
        raise IngestError(f"{path.name}: binary data, not text")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise IngestError(f"{path.name}: not UTF-8 (or GB18030, or UTF-16/32 with a byte-order mark) text")


def _read_pdf(path: Path, clock: _Clock) -> Extracted:
    """pypdf bounds each stream it inflates (75 MB) and raises ``LimitReachedError`` past it."""
    from pypdf import PdfReader

    reader = PdfReader(path)
    if reader.is_encrypted and not reader.decrypt(""):
        raise IngestError(f"{path.name}: the PDF is protected by a password; save an unprotected copy")
    pages = tuple(clock.count(page.extract_text() or "") for page in reader.pages)
    return Extracted(pages, _page_numbers(reader))


def _page_numbers(reader: PdfReader) -> tuple[int, ...]:
    """The numbers the pages print, where the PDF labels its pages in numbers (a journal's
    offprint starts at its page in the volume); else their places in the file, from 1."""
    try:
        labels = reader.page_labels
    except Exception:  # a broken label table leaves the pages readable, numbered by place
        labels = []
    if len(labels) != len(reader.pages) or not all(label.isdigit() for label in labels):
        return tuple(range(1, len(reader.pages) + 1))
    return tuple(int(label) for label in labels)


def _read_docx(path: Path, clock: _Clock) -> str:
    import zipfile

    import docx

    with zipfile.ZipFile(path) as package:
        unpacked = sum(item.file_size for item in package.infolist())
    if unpacked > clock.limits.max_decompressed_mb * 1_000_000:
        raise IngestError(
            f"{path.name}: unpacks to {unpacked / 1e6:,.0f} MB, over the per-file limit of "
            f"{clock.limits.max_decompressed_mb:,} MB; split it or raise RAG_MAX_DECOMPRESSED_MB"
        )
    document = docx.Document(str(path))
    # Paragraph.style looks the styles part up again for every paragraph (3 ms each).
    style_names = {style.style_id: (style.name or "").lower() for style in document.styles}
    lines = []
    for para in document.paragraphs:
        style = style_names.get(para._p.style or "", "")
        # A heading is marked as Markdown marks it, so that one rule (``markdown_headings``)
        # makes sections of both; an empty one would mark the paragraph after it.
        heading = style.startswith(("heading", "title")) and para.text.strip()
        prefix = "# " if heading else ""
        lines.append(clock.count(prefix + para.text))
    return "\n\n".join(lines)
