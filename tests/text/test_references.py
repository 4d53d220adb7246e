"""References a researcher can paste, from the records the real papers print, and from records
with fields missing: the entry leaves out what is missing and adds nothing."""

from __future__ import annotations

import re

import pytest

from rag.ingest import load_corpus
from rag.schema import Paper, PaperRecord
from rag.text.references import apa_name
from tests.paths import REAL_CORPUS


@pytest.fixture(scope="module")
def records() -> dict[str, PaperRecord]:
    return {d.record.doi: d.record for d in load_corpus(REAL_CORPUS).documents}


def test_a_chinese_paper_gets_gbt_7714_with_volume_issue_pages_and_doi(
    records: dict[str, PaperRecord],
) -> None:
    record = records["10.16418/j.issn.1000-3045.20230526006"]
    assert Paper("p", record, ("f.txt",)).reference() == (
        "张建平, 张旭. “一带一路”共建国家应对气候变化国际合作经验借鉴及启示[J]. 中国科学院院刊, "
        "2023, 38(9): 1407-1415. DOI:10.16418/j.issn.1000-3045.20230526006"
    )


def test_apa_cites_the_papers_own_english_title_page(records: dict[str, PaperRecord]) -> None:
    record = records["10.13568/j.cnki.issn1000-2820.2026.01.009"]
    assert record.reference("apa") == (
        "Zhang, L.-H., Huang, Z.-W., & Huang, J.-P. (2026). The Foundation, Value and Path for "
        "Strengthening Climate Cooperation between China and Central Asia in High-Quality BRI Cooperation. "
        "Journal of Xinjiang University(Philosophy and Social Sciences), (1), 80–91. "
        "https://doi.org/10.13568/j.cnki.issn1000-2820.2026.01.009"
    )


def test_every_real_paper_has_both_references_holding_its_own_fields(
    records: dict[str, PaperRecord],
) -> None:
    assert len(records) == 4
    for record in records.values():
        gbt, apa = record.reference("gbt7714"), record.reference("apa")
        assert gbt.startswith("、".join(record.authors[:1])) and f"{record.title}[J]" in gbt
        assert gbt.endswith(f"DOI:{record.doi}") and apa.endswith(f"https://doi.org/{record.doi}")
        assert f"({record.year})." in apa and record.title_en in apa
        first, last = record.pages.split("-")
        assert f"{first}-{last}" in gbt and f"{first}–{last}" in apa


def test_a_record_without_journal_leaves_the_journal_out(records: dict[str, PaperRecord]) -> None:
    record = records["10.13885/j.issn.1000-2804.2026.01.004"]
    assert record.journal == ""
    assert "[J]. 2026(1): 43-51. DOI:" in record.reference("gbt7714")
    assert "Modernization. (1), 43–51. https://doi.org" in record.reference("apa")


@pytest.mark.parametrize(
    ("record", "gbt", "apa"),
    [
        (PaperRecord(), "", ""),
        (PaperRecord(title="气候合作"), "气候合作.", "气候合作. (n.d.)."),
        (
            PaperRecord(title="气候合作", authors=("王一",), year="2024"),
            "王一. 气候合作. 2024.",
            "王一 (2024). 气候合作.",
        ),
        (
            PaperRecord(title="气候合作", journal="太平洋学报", pages="5－9"),
            "气候合作[J]. 太平洋学报: 5-9.",
            "气候合作. (n.d.). 太平洋学报, 5–9.",
        ),
        (
            PaperRecord(title="Climate", authors=("A B", "C D", "E F", "G H"), volume="3", doi="10.1/x"),
            "A B, C D, E F, et al. Climate[J]. 3. DOI:10.1/x",
            "B, A., D, C., F, E., & H, G. (n.d.). Climate. 3. https://doi.org/10.1/x",
        ),
    ],
)
def test_a_partial_record_gives_the_partial_reference(record: PaperRecord, gbt: str, apa: str) -> None:
    assert record.reference("gbt7714") == gbt
    assert record.reference("apa") == apa


def test_more_than_three_chinese_authors_end_with_deng() -> None:
    record = PaperRecord(title="题", authors=("甲", "乙", "丙", "丁"), year="2020")
    assert record.reference() == "甲, 乙, 丙, 等. 题. 2020."


def test_apa_lists_twenty_authors_then_elides_to_the_last() -> None:
    authors = tuple(f"Jane Author{n}" for n in range(1, 23))
    entry = PaperRecord(title="T", authors_en=authors, year="2020").reference("apa")
    assert entry.startswith("Author1, J., Author2, J.,") and ", . . . Author22, J. (2020). T." in entry
    assert "Author20," not in entry and len(re.findall(r"Author\d+", entry)) == 20


@pytest.mark.parametrize(
    ("name", "apa"),
    [
        ("ZHANG Li-hui", "Zhang, L.-H."),
        ("HUANG Jianping", "Huang, J."),
        ("Jane A. Smith", "Smith, J. A."),
        ("Smith, Jane", "Smith, J."),
        ("Plato", "Plato"),
    ],
)
def test_english_names_become_surname_and_initials(name: str, apa: str) -> None:
    assert apa_name(name) == apa


def test_an_unknown_style_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="gbt7714, apa"):
        PaperRecord(title="T").reference("mla")  # type: ignore[arg-type]
