"""Keyword search: BM25 over jieba words, so Chinese terms score, saved next to the index."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rag.index.keyword import KeywordIndex, fingerprint
from rag.text.words import Tokenizer

DOCS = {
    "glacier": "据统计，天山冰川过去50年减少11.7%，直接影响中国新疆伊犁河等河流的径流稳定。",
    "energy": "中国—中亚新能源合作的战略价值与路径选择，风电和光伏项目是合作重点。",
    "finance": "亚洲开发银行通过区域战略规划引导资金流向低碳发展项目。",
    "english": "The Belt and Road Initiative provides key guidance for climate cooperation in Central Asia.",
}
FILES = ["central_asia.txt", "central_asia.txt", "banks.md", "english.txt"]


@pytest.fixture(scope="module")
def index(tokenizer: Tokenizer) -> KeywordIndex:
    return KeywordIndex.build(list(DOCS), FILES, [tokenizer.tokens(text) for text in DOCS.values()])


def ids(hits: list[tuple[str, float]]) -> list[str]:
    return [chunk_id for chunk_id, _ in hits]


# -- tokens ------------------------------------------------------------------------------------


def test_chinese_is_segmented_into_words_with_their_short_parts(tokenizer: Tokenizer) -> None:
    tokens = tokenizer.tokens("中国与中亚国家加强气候合作")
    assert {"中国", "中亚", "中亚国家", "气候", "合作", "加强"} <= set(tokens)
    assert "与" not in tokens  # a stop word


def test_numbers_and_percentages_are_single_tokens(tokenizer: Tokenizer) -> None:
    tokens = tokenizer.tokens("天山冰川过去50年减少11.7%")
    assert "11.7%" in tokens and "50" in tokens and "天山" in tokens and "冰川" in tokens


def test_english_is_lower_cased_without_stop_words(tokenizer: Tokenizer) -> None:
    tokens = tokenizer.tokens("What does the paper say about Climate Finance and low-carbon?")
    assert {"climate", "finance", "low-carbon"} <= set(tokens)
    assert not {"what", "does", "the", "paper", "say", "and", "Climate"} & set(tokens)


def test_question_words_are_not_search_terms(tokenizer: Tokenizer) -> None:
    assert tokenizer.tokens("请问什么是多少？") == []


# -- search ------------------------------------------------------------------------------------


def test_a_chinese_term_scores_above_zero(index: KeywordIndex, tokenizer: Tokenizer) -> None:
    hits = index.search(tokenizer.tokens("冰川"), 5)
    assert ids(hits) == ["glacier"]
    assert hits[0][1] > 0


def test_the_document_with_the_most_query_terms_ranks_first(
    index: KeywordIndex, tokenizer: Tokenizer
) -> None:
    hits = index.search(tokenizer.tokens("天山冰川减少了多少？"), 5)
    assert ids(hits)[0] == "glacier"
    assert ids(index.search(tokenizer.tokens("新能源合作有哪些重点项目"), 5))[0] == "energy"
    assert ids(index.search(tokenizer.tokens("低碳项目的资金"), 5))[0] == "finance"
    assert ids(index.search(tokenizer.tokens("climate cooperation"), 5)) == ["english"]


def test_scores_are_sorted_and_only_matches_are_returned(index: KeywordIndex, tokenizer: Tokenizer) -> None:
    hits = index.search(tokenizer.tokens("项目 合作 冰川"), 10)
    scores = [score for _, score in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(score > 0 for score in scores)
    assert set(ids(hits)) == {"glacier", "energy", "finance"}
    assert len(index.search(tokenizer.tokens("项目 合作 冰川"), 1)) == 1


def test_a_search_within_some_chunks_ranks_only_those(index: KeywordIndex, tokenizer: Tokenizer) -> None:
    query = tokenizer.tokens("项目 合作 冰川")
    assert set(ids(index.search(query, 10, within={"energy", "finance"}))) == {"energy", "finance"}
    assert index.search(query, 10, within=set()) == []


def test_unknown_or_empty_queries_find_nothing(index: KeywordIndex, tokenizer: Tokenizer) -> None:
    assert index.search(tokenizer.tokens("量子计算"), 5) == []
    assert index.search([], 5) == []


def test_a_rare_term_outweighs_a_common_one(tokenizer: Tokenizer) -> None:
    texts = ["合作合作合作。", "合作研究。", "合作伙伴。", "冰川合作。"]
    index = KeywordIndex.build(["a", "b", "c", "d"], ["f.txt"] * 4, [tokenizer.tokens(t) for t in texts])
    assert ids(index.search(tokenizer.tokens("冰川 合作"), 4))[0] == "d"


def test_an_empty_index_finds_nothing(tmp_path: Path) -> None:
    empty = KeywordIndex.build([], [], [])
    assert empty.search(["冰川"], 5) == []
    empty.save(tmp_path)
    loaded = KeywordIndex.load(tmp_path)
    assert loaded is not None and loaded.ids == [] and loaded.search(["冰川"], 5) == []


# -- persistence and fingerprint -----------------------------------------------------------------


def test_save_and_load_round_trip(index: KeywordIndex, tokenizer: Tokenizer, tmp_path: Path) -> None:
    index.save(tmp_path / "kw")
    assert sorted(p.name for p in (tmp_path / "kw").iterdir()) == ["keyword.json", "keyword.npz"]
    loaded = KeywordIndex.load(tmp_path / "kw")
    assert loaded is not None
    assert loaded.ids == index.ids and loaded.vocab == index.vocab
    assert np.array_equal(loaded.idf, index.idf)
    assert (loaded.matrix != index.matrix).nnz == 0
    for question in ("天山冰川减少了多少？", "新能源", "climate cooperation"):
        assert loaded.search(tokenizer.tokens(question), 5) == index.search(tokenizer.tokens(question), 5)


def test_each_row_knows_its_file_through_an_update_and_a_save(
    index: KeywordIndex, tokenizer: Tokenizer, tmp_path: Path
) -> None:
    assert index.ids_in(["central_asia.txt"]) == ["glacier", "energy"]
    assert index.ids_in(["banks.md", "english.txt"]) == ["finance", "english"]
    assert index.ids_in(["no such file"]) == [] and index.ids_in([]) == []
    changed = index.updated({"energy"}, ["pamir"], ["central_asia.txt"], [tokenizer.tokens("帕米尔冰川湖泊")])
    assert changed.ids_in(["central_asia.txt"]) == ["glacier", "pamir"]
    assert index.ids_in(["central_asia.txt"]) == ["glacier", "energy"], "the update changed its input"
    changed.save(tmp_path / "kw")
    loaded = KeywordIndex.load(tmp_path / "kw")
    assert loaded is not None and loaded.ids_in(["central_asia.txt"]) == ["glacier", "pamir"]


def test_the_fingerprint_names_the_chunk_ids_in_any_order(index: KeywordIndex) -> None:
    assert index.fingerprint == fingerprint(list(DOCS)[::-1]) == fingerprint(list(DOCS))
    assert index.fingerprint.startswith("4:")
    assert fingerprint(["glacier", "energy"]) != index.fingerprint
    assert fingerprint(["a", "b"]) != fingerprint(["a", "c"])


def test_a_missing_index_loads_as_none(tmp_path: Path) -> None:
    assert KeywordIndex.load(tmp_path / "nothing") is None


@pytest.mark.parametrize(
    "damage", ["truncate npz", "garbage npz", "empty npz", "bad json", "old format", "bad fp"]
)
def test_a_damaged_index_loads_as_none_so_the_caller_rebuilds(
    index: KeywordIndex, tmp_path: Path, damage: str
) -> None:
    index.save(tmp_path)
    npz, meta_path = tmp_path / "keyword.npz", tmp_path / "keyword.json"
    meta = json.loads(meta_path.read_text())
    if damage == "truncate npz":
        npz.write_bytes(npz.read_bytes()[: npz.stat().st_size // 2])
    elif damage == "garbage npz":
        npz.write_bytes(b"garbage" * 10)
    elif damage == "empty npz":
        npz.write_bytes(b"")
    elif damage == "bad json":
        meta_path.write_text("{not json")
    elif damage == "old format":
        meta_path.write_text(json.dumps({**meta, "format": 0}))
    else:
        meta_path.write_text(json.dumps({**meta, "ids": [*meta["ids"][:-1], "other"]}))
    assert KeywordIndex.load(tmp_path) is None
