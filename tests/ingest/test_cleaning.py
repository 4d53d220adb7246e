"""Extraction noise is removed so that the cleaned text reads like the paper."""

from __future__ import annotations

import time

import pytest

from rag.ingest.cleaning import (
    clean_text,
    join_broken_lines,
    normalize_punctuation,
    remove_spaces_in_chinese,
    space_english_punctuation,
    strip_markup,
    to_half_width_alnum,
)
from rag.text.layout import is_heading
from tests.paths import REAL_CORPUS

# -- markup left by HTML, LaTeX and Markdown ---------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("“共同现代化”<sup>[1]</sup>，需立足", "“共同现代化”，需立足"),
        ("共同现代化<SUP>12</SUP>需要", "共同现代化需要"),
        ("共建国家<sup>①</sup>的生态环境", "共建国家的生态环境"),
        ("张立辉^{1,2}，黄忠伟^{1,2}", "张立辉，黄忠伟"),
        ("制约区域社会和经济的发展^[1]。为助力", "制约区域社会和经济的发展。为助力"),
        ("全球沸腾的时代到来了”，^①明确指出", "全球沸腾的时代到来了”，明确指出"),
        ("**关键词:** 新能源", "关键词: 新能源"),
        (r"一带一路\*倡议", "一带一路*倡议"),
        ("见<https://doi.org/10.16418/j.issn>。", "见https://doi.org/10.16418/j.issn。"),
        ("<span class='x'>绿色</span>丝绸之路", "绿色丝绸之路"),
    ],
)
def test_markup_is_stripped(raw: str, clean: str) -> None:
    assert strip_markup(raw) == clean


def test_markup_never_reaches_the_cleaned_text() -> None:
    raw = "研究<sup>[14]</sup>表明^{1,2}，合作^[3]具有**重要**意义。"
    assert clean_text(raw) == "研究表明，合作具有重要意义。"


def test_subscripts_keep_their_text() -> None:
    assert clean_text("减少CO<sub>2</sub>排放") == "减少CO2排放"


def test_the_real_corpus_is_free_of_markers() -> None:
    for path in sorted(REAL_CORPUS.glob("0*.txt")):
        text = clean_text(path.read_text(encoding="utf-8"))
        for noise in ("<sup>", "</sup>", "^{", "^[", "**", "①", "②"):
            assert noise not in text, f"{noise!r} left in {path.name}"


# -- spaces and punctuation in Chinese ----------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("菲律 宾和印度 尼西亚", "菲律宾和印度尼西亚"),
        ("一带一路”共建国家的 生态环境", "一带一路”共建国家的生态环境"),
        ("面临严峻挑战， 各国", "面临严峻挑战，各国"),
        ("2023年 7月", "2023年 7月"),  # a space beside a number is kept: it may be deliberate
        ("Central Asia", "Central Asia"),
    ],
)
def test_spaces_inside_chinese_words_are_removed(raw: str, clean: str) -> None:
    assert remove_spaces_in_chinese(raw) == clean


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("中国(北京)与中亚, 合作: 共赢? 是", "中国（北京）与中亚，合作：共赢？是"),
        ("减少11.7%, 局部区域", "减少11.7%，局部区域"),
        ("收稿日期:2025-01-02;修订日期:2025-04-16", "收稿日期：2025-01-02；修订日期：2025-04-16"),
        ('问题加剧,"一带一路"共建国家', '问题加剧，"一带一路"共建国家'),
        ('关键词:"一带一路";气候危机', '关键词："一带一路"；气候危机'),
        # English keeps its own punctuation, also beside a Chinese gloss.
        ("cooperation, finance: and (AIIB) loans", "cooperation, finance: and (AIIB) loans"),
        ("亚投行(AIIB)以项目为导向", "亚投行(AIIB)以项目为导向"),
    ],
)
def test_half_width_punctuation_in_chinese_becomes_full_width(raw: str, clean: str) -> None:
    assert normalize_punctuation(raw) == clean


def test_full_width_letters_and_digits_become_ascii() -> None:
    assert to_half_width_alnum("ＣＯ２排放在２０２３年") == "CO2排放在2023年"
    assert to_half_width_alnum("，：（）") == "，：（）"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("投资额达4 625万美元", "投资额达4625万美元"),
        ("风能潜力高达4 090 000吉瓦时", "风能潜力高达4090000吉瓦时"),
        ("占比为1 234%的", "占比为1234%的"),
        ("减少11.7%的冰川", "减少11.7%的冰川"),
        ("in 2019 2030 plans", "in 2019 2030 plans"),
        ("第1.5 000", "第1.5 000"),
    ],
)
def test_digit_groups_are_joined(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


def test_numbers_and_identifiers_survive_cleaning() -> None:
    raw = (
        "据统计，天山冰川过去50年减少11.7%，局部区域缩减率8.8%~34.2%。\n\n"
        + "DOI:10.13568/j.cnki.issn1000-2820.2026.01.009"
    )
    text = clean_text(raw)
    for kept in ("11.7%", "8.8%~34.2%", "10.13568/j.cnki.issn1000-2820.2026.01.009"):
        assert kept in text


# -- broken lines -------------------------------------------------------------------------

FIRST_HALF = "“一带一路”倡议涵盖众多国家，这些国家在地理、经济和社会等方面呈现出丰富的多样"
SECOND_HALF = "性，然而气候变化对共建国家的生态环境、经济发展和社会稳定构成了严峻挑战。"


def test_a_sentence_cut_by_a_page_break_is_rejoined() -> None:
    assert join_broken_lines(f"{FIRST_HALF}\n\n{SECOND_HALF}") == FIRST_HALF + SECOND_HALF


def test_a_sentence_cut_by_a_footnote_block_is_rejoined_and_the_footnotes_follow_it() -> None:
    footnotes = "收稿日期：2025-01-02；修订日期：2025-04-16。\n\n作者简介：张立辉（1993—），甘肃秦安人。"
    text = join_broken_lines(f"{FIRST_HALF}\n\n{footnotes}\n\n{SECOND_HALF}\n\n下一段。")
    paragraphs = text.split("\n\n")
    assert paragraphs[0] == FIRST_HALF + SECOND_HALF
    assert paragraphs[1].startswith("收稿日期") and paragraphs[2].startswith("作者简介")
    assert paragraphs[3] == "下一段。"


def test_finished_sentences_and_headings_are_not_joined() -> None:
    ended = "在此背景下，厘清气候合作的核心内涵是落实全球气候治理共识的必然要求。"
    assert join_broken_lines(f"{ended}\n\n{SECOND_HALF}") == f"{ended}\n\n{SECOND_HALF}"
    heading = "（一）制度协同：搭建多层次联动框架"
    assert join_broken_lines(f"{heading}\n\n{SECOND_HALF}") == f"{heading}\n\n{SECOND_HALF}"


def test_a_sentence_cut_after_a_number_is_rejoined_but_a_doi_line_is_not() -> None:
    cut = "据统计，中亚五国的风电和光伏装机容量在过去的2023\n\n年增长迅速，已经成为区域能源转型的重要力量。"
    assert join_broken_lines(cut) == cut.replace("\n\n", "")
    doi = "DOI: 10.14015/j.cnki.1004-8049.2025.04.004\n\n张立辉、黄建平：共建国家应对气候危机的困境与战略选择"
    assert join_broken_lines(doi) == doi


def test_a_wrapped_english_paragraph_is_one_paragraph_again() -> None:
    raw = (
        "Climate cooperation between China and the\n"
        "five Central Asian states has grown steadily\n"
        "since 2013.\n"
        "Keywords: climate"
    )
    assert clean_text(raw) == (
        "Climate cooperation between China and the five Central Asian states has grown steadily "
        "since 2013.\n\nKeywords: climate"
    )


def test_the_real_corpus_has_the_page_break_in_004_rejoined() -> None:
    text = clean_text((REAL_CORPUS / "004_d1e8e74ad7c28e85.txt").read_text(encoding="utf-8"))
    assert "呈现出丰富的多样性，然而气候变化对" in text
    assert "共建国家的生态环境，经济发展和社会稳定构成了严峻挑战" in text


# -- headings -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "一、引言",
        "四、高质量共建“一带一路”背景下中国与中亚国家加强气候合作的优化路径",
        "（一）制度协同：搭建多层次联动框架",
        "(二) 项目适配",
        "1.1 国际气候谈判与战略规划对接",
        "2 主要发达国家应对气候变化国际合作实践",
        "(1)发展水平不同",
    ],
)
def test_numbered_headings_are_recognised(line: str) -> None:
    assert is_heading(line)


@pytest.mark.parametrize(
    "line",
    [
        "",
        "据统计，天山冰川过去50年减少11.7%，直接影响中国新疆伊犁河等河流的径流稳定。",
        "2023年7月，联合国秘书长宣布全球沸腾的时代到来了。",
        "1.兰州大学 大气科学学院，甘肃 兰州 730000",
        "2024年春季哈萨克斯坦遭遇严重洪灾",
        "一带一路倡议",
        "1. 强化战略对接与顶层设计。",  # a numbered sentence; Markdown marks it when it is a heading
    ],
)
def test_sentences_addresses_and_dates_are_not_headings(line: str) -> None:
    assert not is_heading(line)


def test_clean_text_normalises_line_endings_and_control_characters() -> None:
    raw = "\ufeff第一段。\r\n内容\x07。\r\n\r\n\r\n\r\n第二段。\r第三段。"
    assert clean_text(raw) == "第一段。\n\n内容。\n\n第二段。\n\n第三段。"


def test_english_sentences_glued_in_extraction_get_their_spaces_back() -> None:
    glued = "a shared future.Looking ahead,both sides agreed."
    assert space_english_punctuation(glued) == "a shared future. Looking ahead, both sides agreed."
    untouched = "doi.org/10.3969/j.issn.1006-6101 and www.un.org"
    assert space_english_punctuation(untouched) == untouched


def test_a_5_mb_line_and_a_paragraph_of_thousands_of_lines_clean_in_linear_time() -> None:
    unit = "中亚地区的可再生能源合作具有重要的战略意义和广阔的发展前景"
    line = unit * (5_000_000 // len(unit.encode()))
    lines = "\n".join([unit] * 20_000)  # rejoined into one paragraph: once quadratic
    started = time.perf_counter()
    assert clean_text(line) == line
    assert clean_text(lines) == unit * 20_000
    assert time.perf_counter() - started < 15
