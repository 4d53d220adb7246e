"""A list question is answered with the items, each cited, not with the sentence that announces them."""

from __future__ import annotations

from dataclasses import replace

from rag import Answer, Passage
from rag.answer import ExtractiveAnswerer
from rag.answer.enumeration import EnumerationAnswerer
from rag.retrieval import read_question
from rag.schema import Paper, PaperRecord, Retrieval, ScoredSentence
from rag.text.sentences import sentence_spans
from rag.text.words import Tokenizer

DIMENSIONS = (
    "这一概念包含三大维度：1. 主体多元性，打破单一政府主导，体现治理包容性；2. 目标层级性，形成递进体系；"
    "3. 行动复合性，融合多类行动。"
)
OTHER = "中亚地区正面临水资源短缺、自然灾害频发的严峻挑战。"


def passage(chunk_id: str, text: str, similarity: float, section: str = "", start: int = 0) -> Passage:
    scored = tuple(ScoredSentence(s.start, s.end, similarity) for s in sentence_spans(text))
    return Passage(chunk_id, text, "paper.txt", 1.0, section=section, start=start, sentences=scored)


def ask(
    tokenizer: Tokenizer,
    question: str,
    passages: list[Passage],
    outline: tuple[Passage, ...] = (),
    files: tuple[Passage, ...] = (),
) -> Answer:
    sentences = ExtractiveAnswerer(tokenizer, 0.3, 0.3)
    reading = read_question(question, (), 0, tokenizer)
    return EnumerationAnswerer(tokenizer, sentences).answer(
        Retrieval(reading, tuple(passages), outline=outline, file_passages=files)
    )


CHALLENGES = (
    "3.6 共建国家气候治理面临的挑战\n\n(1) 气候治理技术发展不平衡。共建国家大部分为发展中国家，急需技术转移。"
    "\n(2) 气候投资不均衡且存在巨大缺口。低收入国家获得的气候投资相对较少。"
    "\n(3) 单边主义和保护主义措施增多。这给国际气候合作带来更多的不确定性。"
)


def section_chunks(text: str, size: int, step: int) -> tuple[Passage, ...]:
    """The section cut as the chunker cuts a file: overlapping chunks at their file offsets."""
    heading = text.split("\n", 1)[0]
    starts = range(0, len(text), step)
    cut = [passage(f"c{at}", text[at : at + size], 0.2, heading, 1000 + at) for at in starts]
    return tuple(replace(c, end=c.start + len(c.text)) for c in cut)


def quoted(answer: Answer) -> list[str]:
    return [p.text[s:e] for p in answer.citations for s, e in p.highlights]


def test_numbered_items_are_listed_each_cut_to_its_own_clause(tokenizer: Tokenizer) -> None:
    answer = ask(tokenizer, "作者对“气候合作”所下的定义包括哪三个维度？", [passage("a", DIMENSIONS, 0.9)])
    assert (
        answer.found and answer.text == "这一概念包含三大维度：主体多元性[1]；目标层级性[1]；行动复合性[1]。"
    )
    assert quoted(answer) == ["主体多元性", "目标层级性", "行动复合性"]


def test_a_list_with_another_number_of_items_than_asked_is_not_the_answer(tokenizer: Tokenizer) -> None:
    answer = ask(tokenizer, "这一概念包含哪五个维度？", [passage("a", DIMENSIONS, 0.9)])
    assert "主体多元性，打破单一政府主导" in answer.text  # the sentence answer stands


def test_a_series_is_quoted_in_its_sentence_with_each_item_highlighted(tokenizer: Tokenizer) -> None:
    """The sentence keeps what the items are of ("未来5~10年…重点在A、B和C上"); the items stand out."""
    text = "本文从共生单元、共生模式和共生环境三个维度深入剖析共建国家的困境。"
    answer = ask(tokenizer, "作者从哪几个维度剖析共建国家的困境？", [passage("a", text, 0.9)])
    assert answer.text == "本文从共生单元、共生模式和共生环境三个维度深入剖析共建国家的困境[1]。"
    assert quoted(answer) == ["共生单元", "共生模式", "共生环境"]


def test_a_sections_numbered_subheadings_answer_what_its_heading_names(tokenizer: Tokenizer) -> None:
    parent = "四、中国与中亚国家加强气候合作的优化路径"
    headings = [
        "（一）制度协同：搭建多层次联动框架",
        "（二）项目适配：推进差异化落地策略",
        "（三）技术创新：构建赋能体系",
    ]
    opening = passage("p", f"{parent}\n百年未有之大变局下，气候安全已成为核心议题。", 0.9, parent, 0)
    outline = (
        opening,
        *(passage(f"h{n}", f"{h}\n正文。", 0.5, h, 100 * n) for n, h in enumerate(headings, 1)),
    )
    answer = ask(tokenizer, "中国与中亚国家加强气候合作的优化路径有哪些？", [opening], outline)
    assert answer.text.startswith(
        "中国与中亚国家加强气候合作的优化路径：（一）制度协同：搭建多层次联动框架[1]；"
    )
    assert quoted(answer) == headings and len(answer.citations) == 3


def test_items_that_open_paragraphs_over_several_passages_are_listed(tokenizer: Tokenizer) -> None:
    """The question names the section; its items stand in three passages, each cited to its own."""
    chunks = section_chunks(CHALLENGES, 60, 45)
    found = [replace(chunks[0], sentences=tuple(replace(s, similarity=0.9) for s in chunks[0].sentences))]
    answer = ask(tokenizer, "共建国家气候治理面临哪几项挑战？", [*found, *chunks[1:2]], files=chunks)
    items = ["气候治理技术发展不平衡", "气候投资不均衡且存在巨大缺口", "单边主义和保护主义措施增多"]
    assert quoted(answer) == items
    assert len({p.chunk_id for p in answer.citations}) >= 2
    for cited in answer.citations:
        start, end = cited.highlights[0]
        assert CHALLENGES[cited.start - 1000 + start : cited.start - 1000 + end] == cited.text[start:end]


def test_a_sentence_deep_inside_one_item_answers_about_that_item(tokenizer: Tokenizer) -> None:
    """Asked about what one item says, the answer is that sentence, not the section's list."""
    chunks = section_chunks(CHALLENGES, 60, 45)
    inner = next(c for c in chunks if "低收入国家" in c.text)
    inner = replace(inner, sentences=tuple(replace(s, similarity=0.9) for s in inner.sentences))
    answer = ask(tokenizer, "哪些国家获得的气候投资较少？", [inner], files=chunks)
    assert "低收入国家获得的气候投资相对较少" in answer.text and "单边主义" not in answer.text


def test_an_english_list_question_gets_the_chinese_items_after_a_lead_naming_the_paper(
    tokenizer: Tokenizer,
) -> None:
    record = PaperRecord(title="气候合作", authors_en=("ZHANG Lihui", "HUANG Jianping"), year="2026")
    found = replace(passage("a", DIMENSIONS, 0.9, section="一、概念"), record=record)
    sentences = ExtractiveAnswerer(tokenizer, 0.3, 0.3)
    question = "What three dimensions does the concept of climate cooperation have?"
    reading = read_question(question, (), 0, tokenizer)
    catalog = (Paper("p", record, ("paper.txt",)),)
    answer = EnumerationAnswerer(tokenizer, sentences).answer(
        Retrieval(reading, (found,), terms=("气候合作", "维度"), catalog=catalog)
    )
    assert answer.text.startswith("Zhang and Huang (2026), § 一、概念, state: ")
    assert quoted(answer) == ["主体多元性", "目标层级性", "行动复合性"]


def test_without_a_list_the_sentence_answer_stands(tokenizer: Tokenizer) -> None:
    answer = ask(tokenizer, "中亚地区面临哪些气候挑战？", [passage("a", OTHER, 0.9)])
    assert answer.text == f"{OTHER}[1]"
