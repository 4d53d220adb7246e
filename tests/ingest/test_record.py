"""Each paper's bibliographic record and its sections, read from its own text."""

from __future__ import annotations

from dataclasses import replace

import pytest

from rag.ingest import Corpus, load_corpus
from rag.ingest.cleaning import clean_text
from rag.ingest.record import extract_record, find_sections, markdown_headings
from rag.schema import Document, PaperRecord
from rag.text.fields import record_terms
from tests.paths import REAL_CORPUS


@pytest.fixture(scope="module")
def real() -> dict[str, Document]:
    corpus: Corpus = load_corpus(REAL_CORPUS)
    return {doc.source[:3]: doc for doc in corpus.documents}


def record_of(raw: str) -> PaperRecord:
    return extract_record(clean_text(raw), raw)


# -- the real corpus -----------------------------------------------------------------------


def test_001_full_record(real: dict[str, Document]) -> None:
    doc = real["001"]
    assert doc.record.title == "高质量共建“一带一路”背景下中国与中亚国家加强气候合作的基础、价值与路径"
    assert doc.record.authors == ("张立辉", "黄忠伟", "黄建平")
    assert doc.record.journal == "新疆大学学报（哲学社会科学版）"  # from the catalogue record, 000
    assert (doc.record.year, doc.record.issue) == ("2026", "1")
    assert doc.record.doi == "10.13568/j.cnki.issn1000-2820.2026.01.009"


def test_002_full_record(real: dict[str, Document]) -> None:
    doc = real["002"]
    assert doc.record.title == "“一带一路”共建国家应对气候变化国际合作经验借鉴及启示"
    assert doc.record.authors == ("张建平", "张旭")
    assert doc.record.journal == "中国科学院院刊"
    assert (doc.record.year, doc.record.issue) == ("2023", "9")
    assert doc.record.doi == "10.16418/j.issn.1000-3045.20230526006"


def test_003_full_record_leaves_the_unprinted_journal_empty(real: dict[str, Document]) -> None:
    doc = real["003"]
    assert doc.record.title == "中国—中亚新能源合作的战略价值与路径选择：推进共同现代化的视角"
    assert doc.record.authors == ("卫玲", "梁炜")
    assert doc.record.journal == ""  # the file never names it: nothing is guessed
    assert (doc.record.year, doc.record.issue) == ("2026", "1")
    assert doc.record.doi == "10.13885/j.issn.1000-2804.2026.01.004"


def test_004_full_record(real: dict[str, Document]) -> None:
    doc = real["004"]
    assert doc.record.title == '"一带一路"共建国家应对气候危机的困境与战略选择：基于国际共生理论的分析'
    assert doc.record.authors == ("张立辉", "黄建平")
    assert doc.record.journal == "太平洋学报"
    assert (doc.record.year, doc.record.issue) == ("2025", "4")
    assert doc.record.doi == "10.14015/j.cnki.1004-8049.2025.04.004"


def test_000_catalogue_record_is_read_from_its_labelled_fields() -> None:
    raw = (REAL_CORPUS / "000_4af636635f89b5c1.txt").read_text(encoding="utf-8")
    record = record_of(raw)
    assert record.authors == ("张立辉", "黄忠伟", "黄建平")
    assert record.journal == "新疆大学学报（哲学社会科学版）"
    assert (record.year, record.issue) == ("2026", "1")
    assert record.title == ""  # the journal's name is not the paper's title


def test_sections_of_the_real_papers(real: dict[str, Document]) -> None:
    headings = {key: [s.heading for s in doc.sections] for key, doc in real.items()}
    assert headings["000"] == []
    assert headings["001"][0] == "一、引言" and headings["001"][-1] == "五、结语"
    assert "（一）制度协同：搭建多层次联动框架" in headings["001"]
    assert "1.1 国际气候谈判与战略规划对接" in headings["002"]
    assert "1. 强化战略对接与顶层设计。" in headings["003"]  # a Markdown heading in the source
    assert "(1)发展水平不同" in headings["004"]
    for doc in real.values():
        starts = [s.start for s in doc.sections]
        assert starts == sorted(starts)
        for section in doc.sections:
            assert doc.text[section.start :].startswith(section.heading)


def test_section_at_gives_the_heading_in_force(real: dict[str, Document]) -> None:
    doc = real["001"]
    offset = doc.text.index("天山冰川过去50年减少11.7%")
    assert doc.section_at(offset) == "一、引言"
    assert doc.section_at(0) == ""


# -- the forms a record takes ----------------------------------------------------------------


def test_citation_line_gives_journal_year_and_issue() -> None:
    record = record_of(
        "# 中亚国家水资源合作的现状与前景分析\n\n王小明 李华\n\n"
        "引用格式：王小明, 李华. 中亚国家水资源合作的现状与前景分析. 地理研究, 2022, 41(3): 100-110.\n\n"
        "DOI: 10.11821/dlyj020220101。\n"
    )
    assert replace(record, spans=()) == PaperRecord(
        title="中亚国家水资源合作的现状与前景分析",
        authors=("王小明", "李华"),
        journal="地理研究",
        year="2022",
        issue="3",
        doi="10.11821/dlyj020220101",
        volume="41",
        pages="100-110",
    )


def test_journal_issue_line_and_numbered_authors() -> None:
    record = record_of(
        "一带一路倡议下的能源合作研究进展与展望\n\n张三1,2，李四2\n\n《世界地理研究》2021年第5期\n\n摘要：本文……"
    )
    assert record.title == "一带一路倡议下的能源合作研究进展与展望"
    assert record.authors == ("张三", "李四")
    assert (record.journal, record.year, record.issue) == ("世界地理研究", "2021", "5")


def test_article_number_gives_year_and_issue() -> None:
    record = record_of("文章编号：1004-8049(2025)04-0050-13\n")
    assert (record.year, record.issue) == ("2025", "4")


@pytest.mark.parametrize(
    ("line", "doi"),
    [
        (
            "DOI: https://doi.org/10.16418/j.issn.1000-3045.20230526006",
            "10.16418/j.issn.1000-3045.20230526006",
        ),
        ("DOI：10.13885/j.issn.1000-2804.2026.01.004。", "10.13885/j.issn.1000-2804.2026.01.004"),
        ("doi:10.1000/xyz123.", "10.1000/xyz123"),
    ],
)
def test_doi_is_read_whole_without_trailing_punctuation(line: str, doi: str) -> None:
    assert record_of(f"正文开始的一段文字，介绍研究背景。\n\n{line}\n").doi == doi


def test_a_file_with_no_record_has_empty_fields() -> None:
    record = record_of("这只是一段普通的说明文字，没有任何题录信息。")
    assert record == PaperRecord()


def test_merged_with_fills_only_gaps() -> None:
    full = PaperRecord(title="题目", authors=("张三",), journal="", year="2024", issue="", doi="")
    catalogue = PaperRecord(
        title="别的", authors=("李四",), journal="地理学报", year="2020", issue="2", doi="10.1/x"
    )
    merged = full.merged_with(catalogue)
    assert merged == PaperRecord("题目", ("张三",), "地理学报", "2024", "2", "10.1/x")


def test_markdown_headings_count_as_sections() -> None:
    raw = "# 标题\n\n正文第一句。\n\n#### 1. 强化战略对接与顶层设计。\n\n正文第二句。"
    text = clean_text(raw)
    sections = find_sections(text, {clean_text(h) for h in markdown_headings(raw)})
    assert [s.heading for s in sections] == ["标题", "1. 强化战略对接与顶层设计。"]


# -- record fields, by the words readers ask for them with ----------------------------------


def test_record_fields_are_named_by_their_labels() -> None:
    assert record_terms("基金项目：国家社会科学基金重大招标项目(24VLS023)").split()[:2] == ["基金", "资助"]
    assert "biography" in record_terms("作者简介：卫玲(1970-), 女，教授").split()
    assert "期刊" in record_terms("出处\n\n《新疆大学学报(哲学社会科学版)》").split()
    assert "received" in record_terms("收稿日期：2025-11-27").split()


def test_only_the_papers_own_journal_and_doi_count() -> None:
    own = "DOI: 10.14015/j.cnki.1004-8049.2025.04.004\n\n《太平洋学报》,2025年第4期，第50-62页。"
    assert set(record_terms(own, "太平洋学报", "10.14015/j.cnki.1004-8049.2025.04.004").split()) >= {
        "doi",
        "期刊",
    }
    cited = "参见王某：《中亚灌溉》,《水利规划与设计》2024年第9期。doi: 10.1000/xyz"
    assert record_terms(cited, "太平洋学报", "10.14015/j.cnki.1004-8049.2025.04.004") == ""


def test_body_text_names_no_record_field() -> None:
    assert record_terms("作者认为，基金投向中小生态项目见效快。") == ""


# -- the whole record, and where each field is printed ------------------------------------


def printed(doc: Document, field: str) -> list[str]:
    """The text of each span that prints ``field``, in the file it names."""
    texts = {d.source: d.text for d in load_corpus(REAL_CORPUS).documents}
    return [texts[s.source][s.start : s.end] for s in doc.record.spans_of(field)]


def test_the_chinese_head_block_gives_every_labelled_field(real: dict[str, Document]) -> None:
    record = real["004"].record
    assert (record.volume, record.pages) == ("33", "50-62")
    assert record.keywords == ('"一带一路"', "气候危机", "国际共生理论")
    assert (record.received, record.revised) == ("2025-01-02", "2025-04-16")
    assert [grant[-13:] for grant in record.funding] == ["(24YJCGJW008)", "(GZC20231017)"]
    assert [bio[:16] for bio in record.biographies] == [
        "张立辉(1993—),甘肃秦安人",
        "黄建平(1962—),福建漳平人",
    ]
    assert record.affiliations == ("兰州大学，甘肃兰州 760000",)
    assert record.journal_en == "Pacific Journal" and record.authors_en == ("ZHANG Lihui", "HUANG Jianping")
    assert all(
        "第50-62页" in text or "50-62" in text or "0050-13" in text for text in printed(real["004"], "pages")
    )


def test_the_article_number_gives_the_page_range() -> None:
    assert record_of("文章编号：1000-2820(2026)01-0080-12\n").pages == "80-91"


def test_markdown_labels_give_received_date_funding_and_biography(real: dict[str, Document]) -> None:
    record = real["003"].record
    assert record.received == "2025-11-27"
    assert record.keywords == (
        "“中国—中亚精神”",
        "新能源",
        "高质量发展",
        "共同现代化",
    )  # not the next paragraph
    assert [grant[-10:] for grant in record.funding] == ["(24VLS023)", "(72204198)"]
    assert record.biographies[0].startswith("卫玲(1970-)") and record.journal == ""
    assert record.title_en.startswith("The Strategic Value and Pathways") and record.authors_en == (
        "WEI Ling",
        "LIANG Wei",
    )


def test_the_english_recommended_citation_gives_volume_issue_and_journal(real: dict[str, Document]) -> None:
    record = real["002"].record
    assert (record.journal, record.volume, record.issue, record.pages) == (
        "中国科学院院刊",
        "38",
        "9",
        "1407-1415",
    )
    assert record.journal_en == "Bulletin of Chinese Academy of Sciences (Chinese Version)"
    assert record.authors_en == ("ZHANG Jianping", "ZHANG Xu") and record.revised == "2023年7月28日"
    assert record.funding == ("国家重点研发计划（2018YFA0606504）",)
    assert record.biographies[0].startswith(
        "张建平商务部国际贸易经济合作研究院"
    )  # printed at the end, unlabelled


def test_the_catalogue_page_fills_the_full_texts_gaps_and_says_where(real: dict[str, Document]) -> None:
    record = real["001"].record
    assert record.journal == "新疆大学学报（哲学社会科学版）" and record.pages == "80-91"
    assert record.journal_en == "Journal of Xinjiang University(Philosophy and Social Sciences)"
    assert {s.source for s in record.spans_of("journal")} == {"000_4af636635f89b5c1.txt"}
    assert printed(real["001"], "doi") == ["10.13568/j.cnki.issn1000-2820.2026.01.009"]
    assert record.received == "" and record.keywords_en[-1] == "A Community of Shared Future"


def test_a_record_line_is_never_joined_to_the_paragraph_after_it() -> None:
    body = "在世界百年未有之大变局加速演进的当下，各国日益认识到现代化不应是一国一家的现代化。"
    raw = f"**关键词:** 新能源; 共同现代化\n\n**DOI:** 10.1/x\n\n{body}"
    assert record_of(raw).keywords == ("新能源", "共同现代化")
