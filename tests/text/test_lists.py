"""The list structures of Chinese papers are found, with each item where it stands."""

from __future__ import annotations

import pytest

from rag.text.lists import heading_level, inline_lists, own_clause, without_marker


def items_of(text: str) -> list[list[str]]:
    return [[own_clause(text[s:e]) for s, e in listed.items] for listed in inline_lists(text)]


@pytest.mark.parametrize(
    ("text", "items"),
    [
        (
            "三大维度：1. 主体多元性，打破垄断；2. 目标层级性，形成体系；3. 行动复合性，融合行动。",
            ["主体多元性", "目标层级性", "行动复合性"],
        ),
        (
            "主要体现在：第一，极端天气频发。第二，水资源短缺。第三，荒漠化加剧。",
            ["极端天气频发", "水资源短缺", "荒漠化加剧"],
        ),
        ("一是共建联合实验室，开展攻关。二是建设创新中心。", ["共建联合实验室", "建设创新中心"]),
        (
            "首先，完善法律体系。其次，健全风险预警。最后，加强人文交流。",
            ["完善法律体系", "健全风险预警", "加强人文交流"],
        ),
        ("（1）优化能源结构，发展清洁能源。（2）推广低碳技术。", ["优化能源结构", "推广低碳技术"]),
        (
            "优先合作领域包括缓解空气污染、保护自然环境、低碳城市和防治荒漠化等。",
            ["缓解空气污染", "保护自然环境", "低碳城市", "防治荒漠化"],
        ),
        ("从共生单元、共生模式和共生环境三个维度深入剖析。", ["共生单元", "共生模式", "共生环境"]),
    ],
)
def test_numbered_items_and_series_are_found(text: str, items: list[str]) -> None:
    assert items in items_of(text)


def test_commas_between_clauses_are_no_series_and_a_lone_number_is_no_list() -> None:
    assert items_of("中国与中亚国家共同面临挑战，这些问题影响生计，也对经济、社会发展造成影响。") == []
    assert items_of("2024年，中国可再生能源新增容量达1. 5亿千瓦。") == []


def test_headings_say_their_level_and_number() -> None:
    assert heading_level("四、中国与中亚国家加强气候合作的优化路径") == ("level1", 4)
    assert heading_level("（二）项目适配：推进差异化落地策略") == ("level2", 2)
    assert heading_level("1.2 低碳基础设施建设") == ("decimal2", 2)
    assert heading_level("(3)资金缺口大") == ("bracket", 3)
    assert without_marker("（一）制度协同：搭建多层次联动框架") == "制度协同：搭建多层次联动框架"


def test_a_sentence_may_open_with_its_series_when_a_count_closes_it() -> None:
    text = (
        "图表如下。共生单元、共生模式和共生环境作为共生理论的三个核心要素，它们相互影响。"
        "中国、俄罗斯和印度是大国。"
    )
    found = [[text[s:e] for s, e in listed.items] for listed in inline_lists(text)]
    assert found == [["共生单元", "共生模式", "共生环境"]]
