"""English questions get the Chinese words for their key terms, as the papers word them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from rag.retrieval import cedict
from rag.retrieval.crosslingual import TermTranslator
from rag.text.words import Tokenizer


@pytest.fixture(scope="module")
def translator(dictionary_cache: Path) -> TermTranslator:
    return TermTranslator(Tokenizer().frequency, dictionary_cache)


def corpus_of(*words: str) -> Callable[[str], bool]:
    return lambda word: word in words


def test_of_a_words_translations_those_the_papers_use_are_chosen(translator: TermTranslator) -> None:
    """合作 is only the fourth sense of "cooperation" in CC-CEDICT, but it is the papers' word."""
    assert translator.chinese_terms("climate cooperation", corpus_of("气候", "合作")) == ["气候", "合作"]
    assert "协作" in translator.chinese_terms("cooperation")
    assert translator.chinese_terms("climate cooperation", corpus_of()) == []


def test_a_phrase_inside_a_longer_definition_is_found(translator: TermTranslator) -> None:
    """CC-CEDICT defines 一带一路 as "Belt and Road Initiative, Chinese government plan ..."."""
    terms = translator.chinese_terms(
        "Which Belt and Road countries trade carbon?", corpus_of("一带一路", "碳")
    )
    assert terms[0] == "一带一路"
    assert "腰带" not in translator.chinese_terms("Belt and Road countries")


def test_the_longest_known_phrase_wins_over_its_words(translator: TermTranslator) -> None:
    assert translator.chinese_terms("carbon neutrality", corpus_of("碳中和", "碳", "中立")) == ["碳中和"]
    terms = translator.chinese_terms("When will Kazakhstan reach carbon neutrality?")
    assert "碳中和" in terms and "中立" not in terms


def test_possessives_and_plurals_are_looked_up_by_their_base(translator: TermTranslator) -> None:
    assert translator.chinese_terms("Central Asia's glaciers", corpus_of("中亚", "冰川")) == ["中亚", "冰川"]


def test_question_words_and_unknown_words_give_no_terms(translator: TermTranslator) -> None:
    assert translator.chinese_terms("What does the paper say about it?") == []
    assert translator.chinese_terms("zzyzx qwertyuiop") == []


def test_the_dictionary_is_parsed_once_in_a_child_process_and_then_read_from_its_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server's memory never carries the parse (250 MB at its peak), nor does a second process."""

    def not_here() -> None:
        raise AssertionError("CC-CEDICT was parsed inside this process")

    monkeypatch.setattr(cedict, "_tables", not_here)
    first = TermTranslator(Tokenizer().frequency, tmp_path / "dictionary.sqlite")
    assert "冰川" in first.chinese_terms("glaciers")
    assert first.readings("张") == {"zhang"}
    again = TermTranslator(Tokenizer().frequency, tmp_path / "dictionary.sqlite")
    assert again.chinese_terms("glaciers") == first.chinese_terms("glaciers")


def test_an_unreadable_dictionary_file_is_set_aside_and_parsed_again(tmp_path: Path) -> None:
    path = tmp_path / "dictionary.sqlite"
    path.write_bytes(b"not a database" * 100)
    translator = TermTranslator(Tokenizer().frequency, path)
    assert "冰川" in translator.chinese_terms("glaciers")
    assert list(tmp_path.glob("dictionary.sqlite.broken-*"))


def test_where_no_file_can_hold_the_dictionary_it_is_parsed_into_memory(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "not a folder").write_text("a file where the cache folder should be")
    translator = TermTranslator(Tokenizer().frequency, tmp_path / "not a folder" / "dictionary.sqlite")
    assert "冰川" in translator.chinese_terms("glaciers")
    assert "parsed into memory" in caplog.text
