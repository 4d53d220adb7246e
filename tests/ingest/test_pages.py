"""A PDF's passages know the pages they were printed on, without the running headers and footers."""

from __future__ import annotations

import re
from pathlib import Path

import docx
import pytest

from rag import Settings
from rag.chunking.cached import make_sentence_chunker
from rag.ingest import load_document
from rag.ingest.cleaning import clean_text
from rag.ingest.paged import PagedText
from rag.ingest.readers import read_file
from rag.ingest.running_matter import drop_running_matter
from rag.schema import Chunk, Passage, page_metadata
from tests.ingest.pdfs import ACROSS, CUT, JOURNAL, PAGES, write_pdf
from tests.paths import REAL_CORPUS


@pytest.fixture
def paper(tmp_path: Path) -> Path:
    return write_pdf(tmp_path / "glaciers.pdf", PAGES, first_page=84)


def chunks_of(path: Path, max_tokens: int = 160) -> list[Chunk]:
    doc = load_document(path)
    chunker = make_sentence_chunker(Settings(chunk_tokens=max_tokens, chunk_overlap_sentences=0))
    return chunker.split(doc)


def passage_of(chunk: Chunk) -> Passage:
    """The chunk as the index hands it back: its text and the metadata stored with it."""
    meta = {"source": chunk.source, "section": chunk.section, **page_metadata(chunk.pages)}
    return Passage.stored(chunk.chunk_id, chunk.text, meta)


def test_the_pdf_is_read_page_by_page_with_its_printed_page_numbers(paper: Path) -> None:
    extracted = read_file(paper)
    assert extracted.numbers == (84, 85, 86)
    assert all(JOURNAL in page for page in extracted.pages)


def test_running_header_and_page_numbers_are_gone_before_chunking(paper: Path) -> None:
    doc = load_document(paper)
    assert JOURNAL not in doc.text and "第45卷" not in doc.text
    assert not {"84", "85", "86"} & set(doc.text.split("\n"))
    assert ACROSS in doc.text  # the sentence the page break cut is whole again
    assert all(JOURNAL not in c.text for c in chunks_of(paper, 24))


def test_each_passage_knows_its_pages(paper: Path) -> None:
    doc = load_document(paper)
    chunks = chunks_of(paper, 24)
    for chunk in chunks:
        pieces = [p for p in re.split("[。，]", chunk.text) if p]
        printed = {84 + n for n, page in enumerate(PAGES) if any(p in page for p in pieces)}
        if ACROSS[CUT - 2 : CUT + 2] in chunk.text:
            printed |= {84, 85}
        assert chunk.pages == tuple(sorted(printed)), chunk.text
    opening = next(c for c in chunks if "五十年间持续退缩" in c.text)
    closing = next(c for c in chunks if "数据共享机制" in c.text)
    assert passage_of(opening).pages == (84,) and passage_of(opening).cite().endswith("p. 84")
    assert passage_of(closing).page_label == "p. 86"
    assert doc.pages_between(0, len(doc.text)) == (84, 85, 86)


def test_a_passage_across_a_page_break_cites_both_pages(paper: Path) -> None:
    across = next(c for c in chunks_of(paper) if ACROSS in c.text)
    passage = passage_of(across)
    assert passage.pages == (84, 85)
    assert passage.page_label == "pp. 84–85"
    assert "§ 一、引言  pp. 84–85" in passage.cite()


def test_a_text_file_has_no_pages(tmp_path: Path) -> None:
    (tmp_path / "paper.txt").write_text("\n\n".join(PAGES), encoding="utf-8")
    chunks = chunks_of(tmp_path / "paper.txt")
    assert load_document(tmp_path / "paper.txt").pages == ()
    assert chunks and all(c.pages == () for c in chunks)
    assert all("p. " not in passage_of(c).cite() for c in chunks)
    assert page_metadata(chunks[0].pages) == {}


def test_cleaning_a_paged_text_gives_the_text_cleaning_the_string_gives() -> None:
    """The corpus split into pages at paragraph breaks: the same cleaned text, and every page's
    characters still in page order."""
    for path in sorted(REAL_CORPUS.glob("0*.txt")):
        raw = path.read_text(encoding="utf-8")
        a = raw.index("\n", len(raw) // 3)
        b = raw.index("\n", max(a + 1, 2 * len(raw) // 3))
        cleaned = clean_text(PagedText.of_pages([raw[:a], raw[a:b], raw[b:]], (1, 2, 3), separator=""))
        assert cleaned.text == clean_text(raw), path.name
        assert len(cleaned.pages) == len(cleaned.text)
        assert {s.number for s in cleaned.spans()} == {1, 2, 3}
        assert cleaned.pages[0] == 1 and cleaned.pages[-1] == 3


# -- running matter on its own ----------------------------------------------------------------------


def test_lines_repeated_at_page_tops_and_bottoms_go_digits_aside() -> None:
    body = ["冰川持续减少。\n径流不稳定。", "气温升高是主因。\n降水作用小。", "需要跨境合作。\n共享数据。"]
    pages = [f"环境科学研究 第{n}期\n{text}\n— {80 + n} —" for n, text in enumerate(body, 1)]
    assert drop_running_matter(pages) == tuple(body)


def test_a_line_repeated_inside_the_pages_stays() -> None:
    middle = "重复出现在正文中间的一句话。"
    pages = [f"首{n}行。\n次{n}行。\n{middle}\n倒数第二{n}行。\n末{n}行。" for n in "甲乙丙"]
    assert drop_running_matter(pages) == tuple(pages)


def test_a_header_on_fewer_than_half_the_pages_stays() -> None:
    pages = ["期刊名称\n第一页正文。", "第二页正文。", "第三页正文。", "第四页正文。", "期刊名称\n末页正文。"]
    assert drop_running_matter(pages) == tuple(pages)
    assert drop_running_matter(["期刊名称\n只有一页。"]) == ("期刊名称\n只有一页。",)


# -- DOCX headings ----------------------------------------------------------------------------------


def test_docx_heading_styles_become_sections(tmp_path: Path) -> None:
    """Headings without the numbering a Chinese paper's headings have: only their style says so."""
    document = docx.Document()
    document.add_heading("天山冰川变化研究", level=0)
    document.add_paragraph("张立辉，黄建平")
    document.add_heading("研究背景", level=1)
    document.add_paragraph("天山冰川在过去五十年间持续退缩，面积减少了百分之十一点七，引起了广泛关注。")
    document.add_heading("", level=2)
    document.add_paragraph("研究人员在天山北坡布设了长期观测站点，并且结合遥感影像进行了连续监测。")
    document.add_heading("观测方法", level=2)
    document.add_paragraph("监测结果表明，气温升高是冰川退缩的主要原因。")
    document.save(str(tmp_path / "paper.docx"))
    doc = load_document(tmp_path / "paper.docx")
    assert [s.heading for s in doc.sections] == ["天山冰川变化研究", "研究背景", "观测方法"]
    assert doc.section_at(doc.text.index("研究人员")) == "研究背景"
    assert doc.section_at(doc.text.index("监测结果")) == "观测方法"
    assert doc.pages == ()
