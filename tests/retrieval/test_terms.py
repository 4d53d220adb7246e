"""The question's key terms: its nouns and names, each with how rare the corpus finds it."""

from __future__ import annotations

from rag.retrieval.terms import key_terms, naming_words
from rag.schema import Paper, PaperRecord
from rag.text.words import Tokenizer

# Search-mode tokens: 水电站 is also indexed as 水电 and 电站.
IDF = {"冰川": 1.5, "天山": 4.0, "水电站": 3.0, "水电": 2.5, "电站": 2.0}


def test_nouns_and_names_are_kept_rarest_first_and_unknown_ones_marked(tokenizer: Tokenizer) -> None:
    terms = key_terms("罗贡水电站的总投资额是多少？", False, [], tokenizer, IDF.get)
    by_term = {t.term: t for t in terms}
    assert "罗贡" in by_term and not by_term["罗贡"].known
    assert by_term["水电站"].known and by_term["水电站"].idf == 3.0
    known = [t.idf for t in terms if t.known]
    assert known == sorted(known, reverse=True)
    assert not any(t.term in ("的", "是", "多少") for t in terms)


def test_an_english_question_brings_its_chinese_terms_and_its_latin_names(tokenizer: Tokenizer) -> None:
    terms = key_terms("What was agreed at COP31 about glaciers?", True, ["冰川"], tokenizer, IDF.get)
    by_term = {t.term: t for t in terms}
    assert by_term["冰川"].known and not by_term["冰川"].specific
    assert by_term["COP31"].specific and not by_term["COP31"].known


def test_words_jieba_glues_together_are_not_unknown_names(tokenizer: Tokenizer) -> None:
    """ "论文中都被提到" is cut as 中都 (a place)."""
    terms = key_terms("两篇论文中都被提到的行动叫什么？", False, [], tokenizer, IDF.get)
    assert [t.known for t in terms if t.term == "中都"] == [True]


def test_a_name_the_retrieved_text_holds_as_written_is_known(tokenizer: Tokenizer) -> None:
    question = "纳曼干州光伏电站的装机容量是多少？"
    alone = key_terms(question, False, [], tokenizer, IDF.get)
    assert [t.known for t in alone if t.term == "纳曼干"] == [False]
    found = key_terms(question, False, [], tokenizer, IDF.get, retrieved="乌兹别克斯坦纳曼干州500MW光伏电站")
    assert [t.known for t in found if t.term == "纳曼干"] == [True]


def test_the_words_naming_a_paper_are_no_key_terms(tokenizer: Tokenizer) -> None:
    """ "卫玲、梁炜认为…" asks what their paper says: the sentence that answers need not name them."""
    record = PaperRecord(title="新能源合作", authors=("卫玲", "梁炜"), journal="新疆大学学报")
    paper = Paper("p1", record, ("p1.txt",))
    naming = naming_words(frozenset(record.authors), [paper], tokenizer)
    assert {"卫玲", "梁炜", "新疆大学"} <= naming
    question = "新疆大学学报上卫玲、梁炜认为天山冰川面临哪些挑战？"
    terms = key_terms(question, False, [], tokenizer, IDF.get, naming=naming)
    assert {t.term for t in terms} & {"卫玲", "梁炜", "新疆大学"} == set()
    assert "冰川" in {t.term for t in terms}


def test_a_function_word_glued_to_a_known_word_is_known(tokenizer: Tokenizer) -> None:
    """ "峰会上六国启动的行动": jieba cuts 上六国 as a place; 六国 is no name to look up."""
    terms = key_terms("峰会上六国启动了什么行动？", False, [], tokenizer, IDF.get)
    assert all(t.known for t in terms if t.term == "上六国")


def test_a_known_word_run_into_a_verb_describes_rather_than_names(tokenizer: Tokenizer) -> None:
    """ "冰川退缩" (tagged a name) is the reader's wording for what the papers call 冰川减少."""
    described = {t.term: t for t in key_terms("天山冰川退缩了多少？", False, [], tokenizer, IDF.get)}
    assert not described["冰川退缩"].specific and not described["冰川退缩"].known
    named = {t.term: t for t in key_terms("罗贡水电站的总投资额是多少？", False, [], tokenizer, IDF.get)}
    assert named["罗贡"].specific and not named["罗贡"].known
