"""A question that names a paper, by author, journal or title, in Chinese or English, is about that paper."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.retrieval.crosslingual import TermTranslator
from rag.retrieval.scope import PaperNamer
from rag.schema import Paper, PaperRecord
from rag.text.words import Tokenizer


def paper(paper_id: str, title: str, authors: str, journal: str, year: str) -> Paper:
    record = PaperRecord(title, tuple(authors.split("、")), journal, year, "1")
    return Paper(paper_id, record, (f"{paper_id}.txt",))


PAPERS = [
    paper(
        "climate",
        "高质量共建“一带一路”背景下中国与中亚国家加强气候合作的基础、价值与路径",
        "张立辉、黄忠伟、黄建平",
        "新疆大学学报（哲学社会科学版）",
        "2026",
    ),
    paper(
        "experience",
        "“一带一路”共建国家应对气候变化国际合作经验借鉴及启示",
        "张建平、张旭",
        "中国科学院院刊",
        "2023",
    ),
    paper(
        "energy", "中国—中亚新能源合作的战略价值与路径选择：推进共同现代化的视角", "卫玲、梁炜", "", "2026"
    ),
    paper(
        "symbiosis",
        "“一带一路”共建国家应对气候危机的困境与战略选择：基于国际共生理论的分析",
        "张立辉、黄建平",
        "太平洋学报",
        "2025",
    ),
]


@pytest.fixture(scope="module")
def namer(dictionary_cache: Path) -> PaperNamer:
    return PaperNamer(TermTranslator(Tokenizer().frequency, dictionary_cache))


def named(namer: PaperNamer, question: str) -> list[str]:
    return [p.paper_id for p in namer.named(question, PAPERS)]


def test_authors_named_in_chinese(namer: PaperNamer) -> None:
    assert named(namer, "张建平、张旭这篇论文由哪个项目资助？") == ["experience"]
    assert named(namer, "卫玲认为新能源合作的价值在哪里？") == ["energy"]


@pytest.mark.parametrize(
    "question",
    [
        "What does Wei Ling argue about green finance?",
        "In WEI Ling and LIANG Wei's paper, what is the hydropower potential?",
        "Ling Wei and Wei Liang propose which pathways?",
    ],
)
def test_authors_named_in_pinyin_either_order(namer: PaperNamer, question: str) -> None:
    assert named(namer, question) == ["energy"]


def test_the_paper_naming_the_most_authors_wins(namer: PaperNamer) -> None:
    """张立辉 wrote two of the papers; 黄忠伟 only one of them."""
    assert named(namer, "What do Zhang Lihui and Huang Jianping conclude?") == ["climate", "symbiosis"]
    assert named(namer, "What do ZHANG Li-hui and HUANG Zhong-wei conclude?") == ["climate"]


def test_a_year_breaks_a_tie(namer: PaperNamer) -> None:
    assert named(namer, "In Zhang Lihui's 2025 paper, what is symbiosis?") == ["symbiosis"]


def test_journals_named_in_chinese_or_english(namer: PaperNamer) -> None:
    assert named(namer, "《太平洋学报》那篇论文的第二作者是谁？") == ["symbiosis"]
    assert named(namer, "In the Pacific Journal paper, why did the Maasai resist wind turbines?") == [
        "symbiosis"
    ]
    assert named(namer, "Which grant funded the Xinjiang University journal paper?") == ["climate"]


def test_one_common_word_of_a_journal_name_names_nothing(namer: PaperNamer) -> None:
    """ "Chinese" translates most of 中国科学院院刊, but it is one word of a name, not the name."""
    assert named(namer, "What do Chinese firms export to Central Asia?") == []
    assert named(namer, "Which journal published the study?") == []


def test_a_title_names_its_paper_even_without_its_subtitle(namer: PaperNamer) -> None:
    assert named(namer, "《“一带一路”共建国家应对气候危机的困境与战略选择》的作者是谁？") == ["symbiosis"]


def test_a_question_that_names_no_paper(namer: PaperNamer) -> None:
    assert named(namer, "天山冰川过去50年减少了多少？") == []
    assert named(namer, "How much have the Tianshan glaciers shrunk?") == []


def test_a_longer_romanised_name_is_not_a_shorter_one(namer: PaperNamer) -> None:
    """张旭 is "Zhang Xu", not the start of "Zhang Xuan"."""
    assert named(namer, "What did Zhang Xuan find?") == []


def test_a_chinese_question_is_read_without_opening_the_dictionary(tmp_path: Path) -> None:
    """CC-CEDICT takes seconds to parse; only romanised names and English journal names need it."""
    translator = TermTranslator(Tokenizer().frequency, tmp_path / "dictionary.sqlite")
    namer = PaperNamer(translator)
    assert [p.paper_id for p in namer.named("张建平、张旭这篇论文由哪个项目资助？", PAPERS)] == ["experience"]
    assert namer.named("天山冰川过去50年减少了多少？", PAPERS) == []
    assert namer.named("AIIB在2021年批准的融资中有多少投向气候？", PAPERS) == []
    assert "_store" not in vars(translator.dictionary) and not (tmp_path / "dictionary.sqlite").exists()


def test_a_long_run_of_a_title_that_no_other_title_has_names_its_paper(namer: PaperNamer) -> None:
    assert named(namer, "中国与中亚国家加强气候合作那篇论文是受哪个基金资助的？") == ["climate"]
    # A short run ("共建国家应对气候", in two titles) names nothing.
    assert named(namer, "共建国家应对气候的经验有哪些？") == []


def test_a_new_list_of_papers_is_matched_as_it_now_stands(namer: PaperNamer) -> None:
    """The identifiers are prepared per list: a paper added since is named, one removed is not."""
    added = paper("glaciers", "天山冰川退缩对中亚水资源的影响研究", "王冰、李川", "冰川冻土", "2024")
    question = "王冰和李川的论文用了什么数据？"
    assert named(namer, question) == []
    assert [p.paper_id for p in namer.named(question, [*PAPERS, added])] == ["glaciers"]
    assert [p.paper_id for p in namer.named("卫玲、梁炜的论文", PAPERS[:2])] == []
    assert named(namer, "卫玲、梁炜的论文") == ["energy"]


def test_every_author_of_a_list_is_known_and_follows_the_list(namer: PaperNamer) -> None:
    added = paper("glaciers", "天山冰川退缩对中亚水资源的影响研究", "王冰、李川", "冰川冻土", "2024")
    everyone = {author for p in PAPERS for author in p.record.authors}
    assert namer.authors(PAPERS) == everyone and {"卫玲", "梁炜"} <= everyone
    assert namer.authors([*PAPERS, added]) == everyone | {"王冰", "李川"}
