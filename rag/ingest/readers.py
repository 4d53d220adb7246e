"""Read a file of each supported format as text. The only code that opens corpus files."""

from __future__ import annotations

from pathlib import Path

SUPPORTED_SUFFIXES = (".txt", ".md", ".pdf", ".docx")
MAX_FILE_BYTES = 50_000_000


class IngestError(ValueError):
    """A file that cannot be read as a document; the message says why."""


def read_text(path: Path) -> str:
    check_readable(path)
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


def check_readable(path: Path) -> None:
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
