"""Chunks are whole sentences within a token budget, overlap by a sentence, and index into the text."""

from __future__ import annotations

import itertools
import re
from dataclasses import replace
from pathlib import Path

import pytest

from rag.cache import SqliteCache
from rag.chunking import CachedChunker, SentenceChunker, chunk_id
from rag.chunking.tokens import TokenCounter
from rag.ingest import load_corpus, load_document
from rag.ingest.record import find_sections
from rag.schema import Chunk, Document
from rag.text.sentences import Span, sentence_spans
from tests.paths import FIXTURE_CORPUS, REAL_CORPUS


@pytest.fixture(scope="module")
def count() -> TokenCounter:
    return TokenCounter()


@pytest.fixture(scope="module")
def real_docs() -> list[Document]:
    return load_corpus(REAL_CORPUS).documents


def chunker(count: TokenCounter, max_tokens: int = 160, overlap: int = 1) -> SentenceChunker:
    return SentenceChunker(count.count, max_tokens, overlap)


def document(text: str, source: str = "doc.txt") -> Document:
    return Document(source=source, text=text, content_hash="h", paper_id="p", sections=find_sections(text))


def sentences(text: str) -> list[str]:
    return [text[s.start : s.end] for s in sentence_spans(text, max_chars=10**6)]


# -- sentences ---------------------------------------------------------------------------------


def test_chinese_sentences_end_at_full_stops_and_keep_numbers_whole() -> None:
    text = (
        "据统计，天山冰川过去50年减少11.7%，局部区域缩减率8.8%~34.2%。"
        + "中亚地区面临挑战！是否如此？是的；继续。"
    )
    assert sentences(text) == [
        "据统计，天山冰川过去50年减少11.7%，局部区域缩减率8.8%~34.2%。",
        "中亚地区面临挑战！",
        "是否如此？",
        "是的；",
        "继续。",
    ]


def test_closing_quotes_stay_with_their_sentence() -> None:
    text = "古特雷斯宣布“全球沸腾的时代到来了。”明确指出气候危机进入新阶段。"
    assert sentences(text) == ["古特雷斯宣布“全球沸腾的时代到来了。”", "明确指出气候危机进入新阶段。"]


def test_english_sentences_keep_initials_decimals_and_dois_whole() -> None:
    text = (
        "Liliana B. Andonova studied 1.1 cases. "
        "See DOI 10.13885/j.issn.1000-2804.2026.01.004 and https://doi.org/10.1/a.b for details. "
        "Is it done? Yes!"
    )
    assert sentences(text) == [
        "Liliana B. Andonova studied 1.1 cases.",
        "See DOI 10.13885/j.issn.1000-2804.2026.01.004 and https://doi.org/10.1/a.b for details.",
        "Is it done?",
        "Yes!",
    ]


def test_a_chinese_reference_entry_is_one_sentence() -> None:
    """GB/T 7714 separates an entry's fields with ". "; Chinese prose ends sentences with 。."""
    entry = "引用格式：张建平，张旭. “一带一路”国家合作经验借鉴. 中国科学院院刊，2023, 38(9): 1407-1415."
    assert sentences(f"{entry}\n中文行末的句点.\n下一句。") == [entry, "中文行末的句点.", "下一句。"]


def test_a_line_break_ends_a_sentence_and_white_space_is_not_part_of_one() -> None:
    text = "  一、引言\n\n正文第一句。  \n"
    spans = sentence_spans(text)
    assert [text[s.start : s.end] for s in spans] == ["一、引言", "正文第一句。"]


def test_an_overlong_sentence_is_cut_after_a_comma() -> None:
    text = "，".join(["这是一个很长的分句"] * 60) + "。"
    pieces = [text[s.start : s.end] for s in sentence_spans(text, max_chars=100)]
    assert "".join(pieces) == text
    assert all(len(p) <= 100 for p in pieces)
    assert all(p.endswith(("，", "。")) for p in pieces)


# -- chunks ------------------------------------------------------------------------------------

GLACIER = "据统计，天山冰川过去50年减少11.7%，局部区域缩减率8.8%~34.2%，直接影响中国新疆的河流径流稳定。"
DOI = "本文DOI为10.13568/j.cnki.issn1000-2820.2026.01.009，引用时请注明。"


def test_offsets_index_into_the_document(count: TokenCounter, real_docs: list[Document]) -> None:
    for doc in real_docs:
        for chunk in chunker(count).split(doc):
            assert doc.text[chunk.start : chunk.end] == chunk.text
            assert chunk.source == doc.source


def test_positions_number_the_chunks_in_order(count: TokenCounter, real_docs: list[Document]) -> None:
    chunks = chunker(count).split(real_docs[2])
    assert [c.position for c in chunks] == list(range(len(chunks)))
    assert [c.start for c in chunks] == sorted(c.start for c in chunks)


@pytest.mark.parametrize("budget", [16, 40, 160, 400])
def test_no_chunk_is_over_the_token_budget(
    count: TokenCounter, real_docs: list[Document], budget: int
) -> None:
    for doc in real_docs:
        for chunk in chunker(count, budget).split(doc):
            assert count.count(chunk.text) <= budget, (doc.source, chunk.text)


@pytest.mark.parametrize("budget", [40, 160])
def test_no_chunk_cuts_a_sentence_that_fits_the_budget(
    count: TokenCounter, real_docs: list[Document], budget: int
) -> None:
    for doc in real_docs:
        spans = sentence_spans(doc.text, max_chars=10**6)
        starts, ends = {s.start for s in spans}, {s.end for s in spans}
        for chunk in chunker(count, budget).split(doc):
            for offset, bounds in ((chunk.start, starts), (chunk.end, ends)):
                if offset in bounds:
                    continue
                cut = next(s for s in spans if s.start < offset < s.end)
                assert count.count(doc.text[cut.start : cut.end]) > budget, (doc.source, chunk.text)


def test_an_overlong_sentence_is_cut_at_commas_within_the_budget(count: TokenCounter) -> None:
    sentence = "，".join(f"第{n}个分句讲述了中亚国家在新能源合作方面的具体进展" for n in range(12)) + "。"
    chunks = chunker(count, 40, overlap=0).split(document(sentence))
    assert "".join(c.text for c in chunks) == sentence
    assert all(count.count(c.text) <= 40 for c in chunks)
    assert all(c.text.endswith(("，", "。")) for c in chunks)


@pytest.mark.parametrize("budget", [32, 48, 160])
def test_percentages_and_dois_are_never_split(count: TokenCounter, budget: int) -> None:
    text = "\n\n".join([GLACIER, DOI] * 3)
    whole = [
        m.span()
        for m in re.finditer(r"11\.7%|8\.8%~34\.2%|10\.13568/j\.cnki\.issn1000-2820\.2026\.01\.009", text)
    ]
    assert len(whole) == 9
    for chunk in chunker(count, budget).split(document(text)):
        for offset in (chunk.start, chunk.end):
            assert not any(start < offset < end for start, end in whole), chunk.text


def test_consecutive_chunks_overlap_by_one_sentence(count: TokenCounter) -> None:
    text = "".join(f"第{n}句说明了中亚国家气候合作的一个方面。" for n in range(30))
    chunks = chunker(count, 60, overlap=1).split(document(text))
    assert len(chunks) > 3
    for before, after in itertools.pairwise(chunks):
        shared = text[after.start : before.end]
        assert before.text.endswith(shared) and after.text.startswith(shared)
        assert len(sentences(shared)) == 1
    assert chunks[0].start == 0 and chunks[-1].end == len(text)


def test_without_overlap_chunks_tile_the_text(count: TokenCounter) -> None:
    text = "".join(f"第{n}句说明了中亚国家气候合作的一个方面。" for n in range(30))
    chunks = chunker(count, 60, overlap=0).split(document(text))
    assert "".join(c.text for c in chunks) == text
    for before, after in itertools.pairwise(chunks):
        assert after.start == before.end


def test_overlap_is_dropped_when_it_would_break_the_budget(count: TokenCounter) -> None:
    long = "这一句很长，" * 7 + "到此结束。"
    text = f"{long}{long}{long}"
    chunks = chunker(count, count.count(long) + 2, overlap=1).split(document(text))
    assert [c.text for c in chunks] == [long, long, long]


def test_chunks_stay_inside_one_section_and_carry_its_heading(count: TokenCounter) -> None:
    text = (
        "前言部分的一句话。\n\n一、引言\n\n"
        + "".join(f"引言第{n}句话。" for n in range(8))
        + "\n\n二、方法\n\n"
        + "".join(f"方法第{n}句话。" for n in range(8))
    )
    doc = document(text)
    assert [s.heading for s in doc.sections] == ["一、引言", "二、方法"]
    chunks = chunker(count, 40).split(doc)
    boundaries = [s.start for s in doc.sections]
    for chunk in chunks:
        assert not any(chunk.start < b < chunk.end for b in boundaries), chunk.text
        assert chunk.section == doc.section_at(chunk.start)
    assert chunks[0].section == "" and chunks[0].text == "前言部分的一句话。"
    assert {c.section for c in chunks} == {"", "一、引言", "二、方法"}
    assert all("引言" in c.text for c in chunks if c.section == "一、引言")


def test_real_paper_chunks_carry_sections(count: TokenCounter, real_docs: list[Document]) -> None:
    doc = next(d for d in real_docs if d.source.startswith("001"))
    chunk = next(c for c in chunker(count).split(doc) if "11.7%" in c.text)
    assert chunk.section == "一、引言"
    assert "天山冰川过去50年减少11.7%" in chunk.text


def test_chunk_ids_are_stable_and_unique(count: TokenCounter) -> None:
    doc = load_document(FIXTURE_CORPUS / "new_energy.md")
    first = chunker(count).split(doc)
    again = chunker(count).split(load_document(FIXTURE_CORPUS / "new_energy.md"))
    assert [c.chunk_id for c in first] == [c.chunk_id for c in again]
    assert len({c.chunk_id for c in first}) == len(first)
    assert all(re.fullmatch(r"[0-9a-f]{20}", c.chunk_id) for c in first)
    assert first[0].chunk_id == chunk_id(doc.source, first[0].text)


def test_an_edit_changes_only_the_ids_of_the_chunks_it_touches(count: TokenCounter) -> None:
    paragraphs = [f"第{n}段讲述了中亚国家气候合作的一个方面，并给出了具体的例子。" for n in range(12)]
    before = chunker(count, 40).split(document("\n\n".join(paragraphs)))
    paragraphs[-1] = "最后一段被改写了，内容完全不同。"
    after = chunker(count, 40).split(document("\n\n".join(paragraphs)))
    kept = {c.chunk_id for c in before} & {c.chunk_id for c in after}
    assert len(kept) >= len(before) - 2
    assert all(c.chunk_id in kept for c in after if "最后一段" not in c.text)


def test_the_same_text_in_another_file_has_another_id(count: TokenCounter) -> None:
    a = chunker(count).split(document(GLACIER, "a.txt"))
    b = chunker(count).split(document(GLACIER, "b.txt"))
    assert a[0].text == b[0].text and a[0].chunk_id != b[0].chunk_id


def test_a_passage_repeated_in_one_file_gets_distinct_ids(count: TokenCounter) -> None:
    """A page extracted twice must not give two chunks one id (Chroma refuses duplicate ids)."""
    section = f"一、引言\n\n{GLACIER}"
    chunks = chunker(count).split(document(f"{section}\n\n{section}\n\n{section}"))
    assert [c.text for c in chunks] == [section] * 3
    assert len({c.chunk_id for c in chunks}) == 3
    assert chunks[0].chunk_id == chunk_id("doc.txt", section)


def test_an_empty_document_has_no_chunks(count: TokenCounter) -> None:
    assert chunker(count).split(document("")) == []
    assert chunker(count).split(document("\n\n  \n")) == []


def test_a_budget_below_16_tokens_is_refused(count: TokenCounter) -> None:
    with pytest.raises(ValueError, match="at least 16"):
        SentenceChunker(count.count, 15)


def test_chunks_are_frozen_values() -> None:
    chunk = Chunk("id", "a.txt", "文本", 0, 2, "", 0)
    with pytest.raises(AttributeError):
        chunk.text = "别的"  # type: ignore[misc]


# -- cached chunk boundaries ----------------------------------------------------------------------


class CountingChunker(SentenceChunker):
    """The real chunker, counting the documents it actually had to pack."""

    packed: list[str]

    def spans(self, doc: Document) -> list[Span]:
        self.packed.append(doc.source)
        return super().spans(doc)


def counting(count: TokenCounter, max_tokens: int = 160) -> CountingChunker:
    inner = CountingChunker(count.count, max_tokens, 1, "cl100k_base")
    inner.packed = []
    return inner


@pytest.fixture
def spans_store(tmp_path: Path) -> SqliteCache:
    return SqliteCache(tmp_path / "parsed.sqlite", "chunk_spans")


def test_cached_boundaries_give_the_same_chunks_without_packing_again(
    count: TokenCounter, real_docs: list[Document], spans_store: SqliteCache
) -> None:
    inner = counting(count)
    first = CachedChunker(inner, spans_store).split_many(real_docs)
    again = CachedChunker(inner, spans_store).split_many(real_docs)
    assert first == again == [chunker(count).split(doc) for doc in real_docs]
    assert inner.packed == [doc.source for doc in real_docs]


def test_a_renamed_file_reuses_its_boundaries_under_new_ids(
    count: TokenCounter, real_docs: list[Document], spans_store: SqliteCache
) -> None:
    inner = counting(count)
    cached = CachedChunker(inner, spans_store)
    [before] = cached.split_many([real_docs[2]])
    [after] = cached.split_many([replace(real_docs[2], source="renamed.txt")])
    assert inner.packed == [real_docs[2].source]
    assert [c.text for c in after] == [c.text for c in before]
    assert {c.source for c in after} == {"renamed.txt"}
    assert not {c.chunk_id for c in after} & {c.chunk_id for c in before}


def test_another_budget_or_other_headings_pack_again(
    count: TokenCounter, real_docs: list[Document], spans_store: SqliteCache
) -> None:
    doc = real_docs[2]
    CachedChunker(counting(count), spans_store).split_many([doc])
    smaller = counting(count, 80)
    [chunks] = CachedChunker(smaller, spans_store).split_many([doc])
    assert smaller.packed == [doc.source]
    assert chunks == chunker(count, 80).split(doc)
    fewer_sections = counting(count)
    CachedChunker(fewer_sections, spans_store).split_many([replace(doc, sections=doc.sections[:1])])
    assert fewer_sections.packed == [doc.source]
