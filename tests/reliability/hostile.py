"""Hostile files, generated: each is the smallest file that once crashed, hung or fooled ingest.

Every maker writes one file into ``folder`` and returns its path, so a test (or a probe run
against an older version of the code) can build exactly the inputs it needs.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

PARAGRAPH = "中亚地区的可再生能源合作具有重要的战略意义，天山冰川过去五十年减少了百分之十一点七"


def text_pdf(text: str = "", deflated_content: bytes = b"") -> bytes:
    """A one-page PDF showing ``text`` (ASCII: pypdf writes no CJK fonts), or whose page content
    is the given already-deflated stream."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, EncodedStreamObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(300, 300)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})}
    )
    stream: DecodedStreamObject | EncodedStreamObject
    if deflated_content:
        stream = EncodedStreamObject()
        stream[NameObject("/Filter")] = NameObject("/FlateDecode")
        stream._data = deflated_content
    else:
        stream = DecodedStreamObject()
        stream.set_data(f"BT /F1 10 Tf 10 200 Td ({text}) Tj ET".encode("latin-1"))
    page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


ENGLISH = "Central Asian renewable energy cooperation matters: the Tianshan glaciers shrank by 11.7 percent."


def encrypted_pdf(folder: Path, algorithm: str = "AES-256", password: str = "") -> Path:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(text_pdf(ENGLISH))))
    writer.encrypt(user_password=password, owner_password="owner", algorithm=algorithm)
    path = folder / f"encrypted-{algorithm.lower()}{'-locked' if password else ''}.pdf"
    with path.open("wb") as f:
        writer.write(f)
    return path


def inflating_pdf(folder: Path, inflated_bytes: int = 200_000_000) -> Path:
    """A small PDF whose page content inflates to ``inflated_bytes``."""
    path = folder / "inflating.pdf"
    path.write_bytes(text_pdf(deflated_content=zlib.compress(b" " * inflated_bytes, 9)))
    return path


def truncated_pdf(folder: Path) -> Path:
    path = folder / "truncated.pdf"
    path.write_bytes(text_pdf(ENGLISH)[:300])
    return path


def docx_bytes(paragraphs: list[str], extra_part: tuple[str, int] | None = None) -> bytes:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    if extra_part is None:
        return buffer.getvalue()
    return _with_part(buffer.getvalue(), *extra_part)


def _with_part(data: bytes, name: str, size: int) -> bytes:
    """The package with part ``name`` replaced by ``size`` bytes of XML that compress to little."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            if item.filename != name:
                target.writestr(item, source.read(item))
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        with target.open(info, "w", force_zip64=True) as part:
            part.write(b'<?xml version="1.0"?><w:document xmlns:w="x"><!--')
            block = b"A" * 1_000_000
            for _ in range(size // len(block)):
                part.write(block)
    return out.getvalue()


def zip_bomb_docx(folder: Path, part_bytes: int = 1_000_000_000) -> Path:
    path = folder / "zip-bomb.docx"
    path.write_bytes(docx_bytes(["x"], ("word/document.xml", part_bytes)))
    return path


def bad_xml_docx(folder: Path) -> Path:
    data = docx_bytes([PARAGRAPH])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            body = source.read(item)
            target.writestr(item, body[: len(body) // 2] if item.filename == "word/document.xml" else body)
    path = folder / "bad-xml.docx"
    path.write_bytes(out.getvalue())
    return path


def many_lines_docx(folder: Path, paragraphs: int = 30_000) -> Path:
    """Many paragraphs that rejoin into one: once quadratic in ``join_broken_lines``."""
    path = folder / "many-lines.docx"
    path.write_bytes(docx_bytes([PARAGRAPH + "和"] * paragraphs))
    return path


def single_line_text(folder: Path, megabytes: float = 5) -> Path:
    path = folder / "single-line.txt"
    unit = PARAGRAPH + "，"
    path.write_text(unit * int(megabytes * 1_000_000 / len(unit.encode())), encoding="utf-8")
    return path


def many_chunks_text(folder: Path, megabytes: float = 6) -> Path:
    """A plain text under the size limit that would cut into tens of thousands of chunks."""
    path = folder / "many-chunks.txt"
    sentence = PARAGRAPH + "。\n"
    path.write_text(sentence * int(megabytes * 1_000_000 / len(sentence.encode())), encoding="utf-8")
    return path


def bom_text(folder: Path, encoding: str) -> Path:
    """Text in UTF-16 or UTF-32, with the byte-order mark editors write."""
    path = folder / f"bom-{encoding}.txt"
    path.write_bytes(("\ufeff" + (PARAGRAPH + "。\n") * 5).encode(encoding))
    return path


def binary_junk(folder: Path, name: str = "junk.txt") -> Path:
    path = folder / name
    path.write_bytes(bytes(range(256)) * 64)
    return path


def empty(folder: Path, name: str = "empty.txt") -> Path:
    path = folder / name
    path.write_bytes(b"")
    return path


def symlink_out(folder: Path, target: Path = Path("/etc/passwd"), name: str = "passwd.txt") -> Path:
    path = folder / name
    path.symlink_to(target)
    return path


def paper(folder: Path, name: str, topic: str = "天山冰川") -> Path:
    """A small, readable paper on ``topic``."""
    path = folder / name
    lines = [f"# {topic}研究", f"{topic}过去五十年的变化显著，其面积减少了百分之十一点七。"] * 3
    path.write_text("\n".join([*lines, f"本文讨论{topic}与区域合作的关系。"]), encoding="utf-8")
    return path


Maker = Callable[[Path], Path]
