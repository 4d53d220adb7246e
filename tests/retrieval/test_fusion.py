"""Fusing rankings by score or by rank, and dropping passages that repeat a better one."""

from __future__ import annotations

import pytest

from rag import Passage
from rag.retrieval.fusion import drop_near_duplicates, fuse_scores, rrf


def test_rrf_adds_weighted_reciprocal_ranks() -> None:
    dense = [("a", 0.9), ("b", 0.8), ("c", 0.1)]
    keyword = [("c", 12.0), ("b", 3.0)]
    fused = dict(rrf([dense, keyword], [1.0, 1.0], 60))
    assert fused["b"] == pytest.approx(1 / 62 + 1 / 62)
    assert fused["c"] == pytest.approx(1 / 63 + 1 / 61)
    assert [item for item, _ in rrf([dense, keyword], [1.0, 1.0], 60)] == ["c", "b", "a"]
    assert [item for item, _ in rrf([dense, keyword], [1.0, 0.0], 60)] == ["a", "b", "c"]
    assert rrf([[], []], [1.0, 1.0], 60) == []


def test_scores_are_rescaled_per_ranking_then_added_with_their_weights() -> None:
    dense = [("a", 0.92), ("b", 0.90), ("c", 0.88)]
    keyword = [("c", 16.0), ("b", 8.0), ("d", 7.0)]
    fused = dict(fuse_scores([dense, keyword], [1.0, 1.0]))
    assert fused == pytest.approx({"a": 1.0, "b": 0.5 + 1 / 9, "c": 1.0, "d": 0.0})
    assert [item for item, _ in fuse_scores([dense, keyword], [1.0, 0.0])][:3] == ["a", "b", "c"]
    assert dict(fuse_scores([[("x", 3.0)], []], [2.0, 1.0])) == {"x": 2.0}
    assert fuse_scores([[], []], [1.0, 1.0]) == []


def test_a_far_better_keyword_match_beats_middling_passages() -> None:
    """Found only by its rare exact term, it still outranks what both rankings half-like."""
    dense = [(f"m{n}", 0.95 - n / 100) for n in range(10)]
    keyword = [("exact", 16.0)] + [(f"m{n}", 8.0 - n / 10) for n in range(10)]
    order = [item for item, _ in fuse_scores([dense, keyword], [1.0, 1.0])]
    assert order.index("exact") <= 1 and order[0] == "m0"


def test_drop_near_duplicates_keeps_the_first_of_overlapping_passages() -> None:
    abstract = (
        "在全球气候危机加剧背景下，中国与中亚国家依托“一带一路”合作框架，积极构建新型区域气候合作模式。"
    )
    other = "中国—中亚新能源技术合作需要规划清晰的战略路径，从政府顶层设计到政策落地各层面协同推进。"
    passages = [
        Passage("1", abstract + "这一合作具备可行性。", "paper.txt", 0.9),
        Passage("2", other, "energy.md", 0.8),
        Passage("3", "摘要\n\n" + abstract, "catalogue.txt", 0.7),
        Passage("4", "", "empty.txt", 0.6),
    ]
    assert [p.chunk_id for p in drop_near_duplicates(passages)] == ["1", "2", "4"]
