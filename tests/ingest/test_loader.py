"""Reading the corpus folder: every supported format, and a clear reason for every file skipped."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import docx
import pytest

from rag import ingest
from rag.cache import SqliteCache
from rag.ingest import (
    IngestError,
    corpus_files,
    load_corpus,
    load_document,
    load_files,
    loader,
    read_text,
    readers,
)
from tests.paths import FIXTURE_CORPUS, REAL_CORPUS

PARAGRAPH = (
    "在全球气候危机加剧背景下，中国与中亚国家依托“一带一路”合作框架，积极构建新型区域气候合作模式。"
    "共同面临的气候挑战构成了合作的内生动力。"
)


def make_pdf(lines: list[str]) -> bytes:
    """A one-page PDF whose text, Chinese included, pypdf reads back through a ToUnicode map."""
    chars = sorted({ch for line in lines for ch in line})
    code = {ch: n + 1 for n, ch in enumerate(chars)}
    shown = " ".join("<" + "".join(f"{code[c]:04X}" for c in line) + "> Tj T*" for line in lines)
    content = f"BT /F1 12 Tf 14 TL 72 760 Td {shown} ET"
    pairs = "\n".join(f"<{code[c]:04X}> <{ord(c):04X}>" for c in chars)
    cmap = (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CMapName /Custom def /CMapType 2 def\n"
        "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
        f"{len(chars)} beginbfchar\n{pairs}\nendbfchar\n"
        "endcmap CMapName currentdict /CMap defineresource pop end end"
    )
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content.encode())} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type0 /BaseFont /Custom /Encoding /Identity-H "
        "/DescendantFonts [6 0 R] /ToUnicode 7 0 R >>",
        "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Custom "
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 >>",
        f"<< /Length {len(cmap.encode())} >>\nstream\n{cmap}\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


# -- formats ---------------------------------------------------------------------------------


def test_txt_and_md_files_are_read_and_cleaned(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(f"菲律 宾的气候合作<sup>[1]</sup>。\n\n{PARAGRAPH}", encoding="utf-8")
    (tmp_path / "b.md").write_text(f"# 中亚国家气候合作的路径研究\n\n**摘要:** {PARAGRAPH}", encoding="utf-8")
    corpus = load_corpus(tmp_path)
    docs = {doc.source: doc for doc in corpus.documents}
    assert docs["a.txt"].text.startswith("菲律宾的气候合作。")
    assert docs["b.md"].record.title == "中亚国家气候合作的路径研究"
    assert [s.heading for s in docs["b.md"].sections] == ["中亚国家气候合作的路径研究"]
    assert "**" not in docs["b.md"].text and "#" not in docs["b.md"].text


def test_docx_headings_and_paragraphs_are_read(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_heading("中国与中亚国家加强气候合作的基础与路径", level=0)
    document.add_paragraph("张立辉，黄建平")
    document.add_heading("一、引言", level=1)
    document.add_paragraph(PARAGRAPH)
    document.save(str(tmp_path / "paper.docx"))
    doc = load_document(tmp_path / "paper.docx")
    assert doc.record.title == "中国与中亚国家加强气候合作的基础与路径"
    assert doc.record.authors == ("张立辉", "黄建平")
    assert "一、引言" in [s.heading for s in doc.sections]
    assert PARAGRAPH in doc.text


def test_english_pdf_is_read_with_its_wrapped_lines_rejoined(tmp_path: Path) -> None:
    (tmp_path / "paper.pdf").write_bytes(
        make_pdf(
            [
                "Climate cooperation between China and the",
                "five Central Asian states has grown steadily",
                "since 2013, when the initiative began.",
            ]
        )
    )
    doc = load_document(tmp_path / "paper.pdf")
    assert doc.text == (
        "Climate cooperation between China and the five Central Asian states has grown steadily "
        "since 2013, when the initiative began."
    )


def test_chinese_pdf_is_read_with_its_wrapped_lines_rejoined(tmp_path: Path) -> None:
    lines = [
        "据统计，天山冰川过去50年减少11.7%，局部区域缩减率8.8%~34.2%，直接",
        "影响中国新疆伊犁河、阿克苏河等河流的径流稳定。",
    ]
    (tmp_path / "paper.pdf").write_bytes(make_pdf(lines))
    assert load_document(tmp_path / "paper.pdf").text == "".join(lines)


def test_gb18030_text_is_decoded(tmp_path: Path) -> None:
    (tmp_path / "gbk.txt").write_bytes(PARAGRAPH.encode("gb18030"))
    assert load_document(tmp_path / "gbk.txt").text == PARAGRAPH


def test_utf8_with_bom_and_crlf_is_read(tmp_path: Path) -> None:
    (tmp_path / "bom.txt").write_bytes(("\ufeff" + PARAGRAPH.replace("。", "。\r\n")).encode("utf-8"))
    assert load_document(tmp_path / "bom.txt").text.startswith("在全球气候危机加剧背景下")


# -- files that are skipped --------------------------------------------------------------------


def bad_files(folder: Path) -> dict[str, str]:
    """Each bad file, with words its reason must contain."""
    rng = random.Random(7)
    (folder / "random.txt").write_bytes(
        bytes([0x80, 0xFF]) + bytes(rng.randrange(128, 256) for _ in range(3000))
    )
    (folder / "image.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200))
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blank.md").write_text("\n\n   \n<sup>[1]</sup>\n", encoding="utf-8")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\n")
    (folder / "random.pdf").write_bytes(bytes(rng.randrange(256) for _ in range(2000)))
    (folder / "broken.docx").write_bytes(b"PK\x03\x04 this is not a zip archive")
    (folder / "text.docx").write_text("a plain text file named .docx", encoding="utf-8")
    return {
        "random.txt": "not UTF-8",
        "image.md": "binary",
        "empty.txt": "empty",
        "blank.md": "empty",
        "broken.pdf": "unreadable PDF",
        "random.pdf": "unreadable PDF",
        "broken.docx": "unreadable DOCX",
        "text.docx": "unreadable DOCX",
    }


def test_bad_files_are_skipped_with_a_reason_and_the_rest_is_read(tmp_path: Path) -> None:
    expected = bad_files(tmp_path)
    (tmp_path / "good.txt").write_text(PARAGRAPH, encoding="utf-8")
    corpus = load_corpus(tmp_path)
    assert [doc.source for doc in corpus.documents] == ["good.txt"]
    assert set(corpus.skipped) == set(expected)
    for name, words in expected.items():
        assert corpus.skipped[name].startswith(f"{name}: ")
        assert words in corpus.skipped[name], corpus.skipped[name]


def test_read_text_raises_ingest_error_for_each_bad_file(tmp_path: Path) -> None:
    for name in bad_files(tmp_path):
        if name not in ("empty.txt", "blank.md"):  # these read fine; they are empty after cleaning
            with pytest.raises(IngestError, match=name):
                read_text(tmp_path / name)


def test_unsupported_types_and_folders_are_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.rtf").write_text("{\\rtf1 text}", encoding="utf-8")
    with pytest.raises(IngestError, match=r"unsupported type \.rtf; use \.txt, \.md, \.pdf, \.docx"):
        read_text(tmp_path / "notes.rtf")
    with pytest.raises(IngestError, match="not a file"):
        read_text(tmp_path)


def test_oversized_files_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers, "MAX_FILE_BYTES", 1_000_000)
    (tmp_path / "huge.txt").write_bytes(b"a" * 1_000_001)
    with pytest.raises(IngestError, match="larger than 1 MB"):
        read_text(tmp_path / "huge.txt")


def test_a_duplicate_under_another_name_is_skipped(tmp_path: Path) -> None:
    shutil.copy(FIXTURE_CORPUS / "new_energy.md", tmp_path / "new_energy.md")
    shutil.copy(FIXTURE_CORPUS / "new_energy.md", tmp_path / "new_energy copy.md")
    corpus = load_corpus(tmp_path)
    assert [doc.source for doc in corpus.documents] == ["new_energy copy.md"]
    assert corpus.skipped == {"new_energy.md": "new_energy.md: duplicate of new_energy copy.md"}


def test_a_copy_that_differs_only_in_extraction_noise_is_a_duplicate(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(PARAGRAPH, encoding="utf-8")
    noisy = PARAGRAPH.replace("中亚国家", "中亚 国家").replace("框架，", "框架<sup>[2]</sup>, ")
    (tmp_path / "b.txt").write_bytes(noisy.encode("gb18030"))
    assert load_corpus(tmp_path).skipped == {"b.txt": "b.txt: duplicate of a.txt"}


def test_a_missing_corpus_folder_is_an_ingest_error(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="does not exist"):
        load_corpus(tmp_path / "nowhere")


def test_corpus_files_lists_supported_files_but_not_the_readme(tmp_path: Path) -> None:
    for name in ("README.md", "b.PDF", "a.txt", "c.docx", "d.md", "e.rtf", "f"):
        (tmp_path / name).write_bytes(b"x")
    assert [p.name for p in corpus_files(tmp_path)] == ["a.txt", "b.PDF", "c.docx", "d.md"]


def test_files_outside_a_folder_can_be_loaded(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(PARAGRAPH, encoding="utf-8")
    corpus = load_files([tmp_path / "a.txt", tmp_path / "missing.txt"])
    assert [doc.source for doc in corpus.documents] == ["a.txt"]
    assert "missing.txt: not a file" in corpus.skipped["missing.txt"]


# -- files that are parts of a paper -------------------------------------------------------------


def test_the_real_catalogue_record_000_joins_the_paper_in_001() -> None:
    papers = load_corpus(REAL_CORPUS).papers()
    assert len(papers) == 4
    by_source = {doc.source[:3]: doc for docs in papers.values() for doc in docs}
    catalogue, paper = by_source["000"], by_source["001"]
    assert catalogue.paper_id == paper.paper_id == paper.content_hash[:16]
    assert (
        catalogue.record.title
        == paper.record.title
        == "高质量共建“一带一路”背景下中国与中亚国家加强气候合作的基础、价值与路径"
    )
    assert catalogue.record.doi == paper.record.doi == "10.13568/j.cnki.issn1000-2820.2026.01.009"
    assert paper.record.journal == "新疆大学学报（哲学社会科学版）"


def test_the_fixture_catalogue_joins_its_paper_too() -> None:
    """The fixture paper is an excerpt, so the shared passages start at other offsets than in 000/001."""
    docs = {doc.source: doc for doc in load_corpus(FIXTURE_CORPUS).documents}
    catalogue, paper = docs["climate_cooperation_catalogue.txt"], docs["climate_cooperation.txt"]
    assert catalogue.paper_id == paper.paper_id
    assert catalogue.record.title == paper.record.title
    assert catalogue.record.authors == ("张立辉", "黄忠伟", "黄建平")
    assert docs["new_energy.md"].paper_id != paper.paper_id


def test_unrelated_papers_keep_their_own_identity() -> None:
    docs = load_corpus(REAL_CORPUS).documents
    ids = {doc.source[:3]: doc.paper_id for doc in docs}
    assert len({ids["002"], ids["003"], ids["004"], ids["001"]}) == 4
    for doc in docs:
        assert doc.content_hash and len(doc.paper_id) == 16


def test_a_file_inside_a_part_of_a_paper_joins_the_same_paper(tmp_path: Path) -> None:
    """A catalogue record inside an abstract page inside the full paper: one paper, not two."""
    paper = (FIXTURE_CORPUS / "climate_cooperation.txt").read_text(encoding="utf-8")
    (tmp_path / "full.txt").write_text(paper, encoding="utf-8")
    (tmp_path / "abstract.txt").write_text(paper[: len(paper) // 2], encoding="utf-8")
    (tmp_path / "record.txt").write_text(paper[: len(paper) // 5], encoding="utf-8")
    docs = {doc.source: doc for doc in load_corpus(tmp_path).documents}
    assert docs["record.txt"].paper_id == docs["abstract.txt"].paper_id == docs["full.txt"].paper_id
    assert docs["full.txt"].paper_id == docs["full.txt"].content_hash[:16]


# -- the cache of parsed files ----------------------------------------------------------------


@pytest.fixture
def document_cache(tmp_path: Path) -> ingest.DocumentCache:
    return ingest.DocumentCache(SqliteCache(tmp_path / "cache" / "parsed.sqlite", "documents"))


@pytest.fixture
def parse_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files actually read and cleaned."""
    calls: list[str] = []
    parse = loader._parse

    def counted(path: Path, limits: ingest.Limits) -> loader.Parsed:
        calls.append(path.name)
        return parse(path, limits)

    monkeypatch.setattr(loader, "_parse", counted)
    return calls


def test_an_unchanged_corpus_is_read_from_the_cache_with_the_same_result(
    corpus_dir: Path, document_cache: ingest.DocumentCache, parse_calls: list[str]
) -> None:
    first = load_corpus(corpus_dir, document_cache)
    parsed = len(parse_calls)
    again = load_corpus(corpus_dir, document_cache)
    assert parsed == len(corpus_files(corpus_dir)) and len(parse_calls) == parsed
    assert again.documents == first.documents == load_corpus(corpus_dir).documents
    assert len(again.papers()) == len(first.papers()) < len(first.documents)


def test_a_changed_file_is_read_again_and_a_renamed_one_keeps_its_new_name(
    corpus_dir: Path, document_cache: ingest.DocumentCache, parse_calls: list[str]
) -> None:
    load_corpus(corpus_dir, document_cache)
    parse_calls.clear()
    changed = corpus_dir / "new_energy.md"
    changed.write_text(changed.read_text(encoding="utf-8") + "\n\n新增的一段文字，用于检验缓存。\n", "utf-8")
    (corpus_dir / "climate_cooperation.txt").rename(corpus_dir / "renamed.txt")
    docs = {doc.source: doc for doc in load_corpus(corpus_dir, document_cache).documents}
    assert parse_calls == ["new_energy.md"]
    assert "新增的一段文字" in docs["new_energy.md"].text
    assert docs["renamed.txt"].paper_id == docs["climate_cooperation_catalogue.txt"].paper_id


def test_bad_files_are_skipped_with_their_reason_whether_or_not_cached(
    tmp_path: Path, document_cache: ingest.DocumentCache
) -> None:
    expected = bad_files(tmp_path)
    for _ in range(2):
        corpus = load_corpus(tmp_path, document_cache)
        assert set(corpus.skipped) == set(expected)
