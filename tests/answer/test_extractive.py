"""The extractive answer: quoted sentences with [n] markers, or an honest "not found"."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

import pytest

from rag import Answer, Assistant, Passage
from rag.answer import NOT_FOUND_EN, NOT_FOUND_ZH, ExtractiveAnswerer, compose
from rag.retrieval import read_question
from rag.schema import FieldSpan, KeyTerm, Paper, PaperRecord, Retrieval, ScoredSentence, Turn
from rag.text.sentences import sentence_spans
from rag.text.words import Tokenizer

GLACIER = "据统计，天山冰川过去50年减少11.7%，局部区域缩减率8.8%~34.2%。"
RIVERS = "这直接影响中国新疆伊犁河、阿克苏河等河流的径流稳定。"
ENERGY = "中国—中亚新能源技术合作需要规划清晰的战略路径。"
# A question none of whose words occur in the passages: only the similarities rank the sentences.
NEUTRAL = "情况如何？"
WIND = "在领域选择上，应优先发展技术成熟度高、见效快的风电和光伏发电项目。"


def answerer(tokenizer: Tokenizer, threshold: float = 0.3, threshold_en: float = 0.3) -> ExtractiveAnswerer:
    return ExtractiveAnswerer(
        tokenizer, min_evidence_score=threshold, min_evidence_score_en=threshold_en, max_sentences=3
    )


def passage(chunk_id: str, pieces: list[tuple[str, float]]) -> Passage:
    """A retrieved passage whose pieces scored the given similarities to the question.

    Its sentences are split as the index splits them; each gets the similarity of its piece.
    """
    text = "".join(piece for piece, _ in pieces)
    ends, offset = [], 0
    for piece, similarity in pieces:
        offset += len(piece)
        ends.append((offset, similarity))
    scored = [(s.start, s.end, next(sim for end, sim in ends if s.start < end)) for s in sentence_spans(text)]
    return Passage(
        chunk_id,
        text,
        f"{chunk_id}.txt",
        1.0,
        record=PaperRecord(title=f"论文{chunk_id}"),
        sentences=tuple(ScoredSentence(start, end, similarity) for start, end, similarity in scored),
    )


def ask(
    answerer: ExtractiveAnswerer, question: str, passages: list[Passage], history: Sequence[Turn] = ()
) -> Answer:
    """The answer to ``question`` when retrieval found ``passages`` (and nothing else)."""
    reading = read_question(question, history, 3, answerer.tokenizer)
    return answerer.answer(Retrieval(reading, tuple(passages)))


def markers(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"\[(\d+)\]", text)]


# -- abstaining ---------------------------------------------------------------------------------------


def test_weak_evidence_abstains_in_chinese_for_a_chinese_question(tokenizer: Tokenizer) -> None:
    passages = [passage("a", [(ENERGY, 0.2)])]
    answer = ask(answerer(tokenizer, threshold=0.9), "天山冰川减少了多少？", passages)
    assert not answer.found
    assert answer.text == NOT_FOUND_ZH
    assert answer.citations == () and answer.passages == tuple(passages)


def test_weak_evidence_abstains_in_english_for_an_english_question(tokenizer: Tokenizer) -> None:
    passages = [passage("a", [(ENERGY, 0.2)])]
    answer = ask(answerer(tokenizer, threshold_en=0.9), "How much did the glaciers shrink?", passages)
    assert not answer.found and answer.text == NOT_FOUND_EN and answer.citations == ()


def test_no_passages_means_no_answer(tokenizer: Tokenizer) -> None:
    answer = ask(answerer(tokenizer), "天山冰川减少了多少？", [])
    assert not answer.found and answer.text == NOT_FOUND_ZH


def test_strong_evidence_is_quoted(tokenizer: Tokenizer) -> None:
    passages = [passage("a", [(GLACIER, 0.9), (ENERGY, 0.1)])]
    answer = ask(answerer(tokenizer, threshold=0.5), "天山冰川减少了多少？", passages)
    assert answer.found
    assert answer.text == f"{GLACIER}[1]"
    assert [p.chunk_id for p in answer.citations] == ["a"]


# -- markers and highlights ---------------------------------------------------------------------------


def test_markers_are_numbered_in_order_of_first_citation(tokenizer: Tokenizer) -> None:
    passages = [
        passage("a", [(ENERGY, 0.1)]),
        passage("b", [(GLACIER, 0.82), (ENERGY, 0.1)]),
        passage("c", [(WIND, 0.1)]),
        passage("d", [(RIVERS, 0.81)]),
    ]
    answer = ask(answerer(tokenizer), NEUTRAL, passages)
    assert answer.text == f"{GLACIER}[1]{RIVERS}[2]"
    assert [p.chunk_id for p in answer.citations] == ["b", "d"]


def test_compose_reuses_a_number_for_a_passage_cited_again() -> None:
    passages = [passage("a", [(GLACIER, 0.9), (RIVERS, 0.8)]), passage("b", [(WIND, 0.7)])]
    spans = [(1, 0, len(WIND)), (0, 0, len(GLACIER)), (1, 0, len(WIND))]
    answer = compose("问题", passages, spans)
    assert markers(answer.text) == [1, 2, 1]
    assert [p.chunk_id for p in answer.citations] == ["b", "a"]
    assert answer.found


def test_every_marker_has_a_citation_and_every_citation_a_marker(tokenizer: Tokenizer) -> None:
    passages = [passage("a", [(GLACIER, 0.8), (RIVERS, 0.79)]), passage("b", [(WIND, 0.78)])]
    answer = ask(answerer(tokenizer), "天山冰川与新能源", passages)
    numbers = markers(answer.text)
    assert sorted(set(numbers)) == list(range(1, len(answer.citations) + 1))
    assert numbers == sorted(numbers)


def test_highlights_point_at_the_quoted_sentences(tokenizer: Tokenizer) -> None:
    passages = [passage("a", [(ENERGY, 0.1), (GLACIER, 0.8), (RIVERS, 0.78)]), passage("b", [(WIND, 0.77)])]
    answer = ask(answerer(tokenizer), "天山冰川减少了多少？", passages)
    quoted = []
    for number, cited in enumerate(answer.citations, 1):
        assert cited.highlights
        for start, end in cited.highlights:
            sentence = cited.text[start:end].strip()
            assert f"{sentence}[{number}]" in answer.text
            quoted.append(sentence)
    assert GLACIER in quoted and ENERGY not in quoted
    assert "".join(re.split(r"\[\d+\]", answer.text)) == "".join(quoted)


def test_english_quotes_are_joined_with_spaces(tokenizer: Tokenizer) -> None:
    first = "The glaciers of the Tianshan shrank by 11.7% in fifty years."
    second = "Rivers in Xinjiang depend on their meltwater."
    passages = [passage("a", [(first + " ", 0.8), (second, 0.79)])]
    answer = ask(answerer(tokenizer), "Tell me more.", passages)
    assert answer.text == f"{first}[1] {second}[1]"


# -- what is never quoted -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "reference",
    [
        # No piece of a reference entry may be quoted (English ones are split at ". ").
        "[1] 张立辉，黄建平. 气候合作的路径[J]. 太平洋学报，2025，33(4)：50-62.",
        "[2] 气候合作的路径[J]. 太平洋学报，2025，33(4)：50-62.",
        "①联合国气候变化框架公约，https://unfccc.int/process-and-meetings。",
        "Andonova L B, et al. Transnational Climate Change Governance[M]. Cambridge, 2014.",
        "古特雷斯：《全球沸腾的时代已经到来》，www.un.org/zh/climatechange。",
        "张立辉：《中亚气候研究》，《新疆大学学报》2023,41(2):12-20。",
        "Du X Y, Zhou Q. The idea of a community with a shared future for mankind.",
    ],
)
def test_reference_and_footnote_lines_are_never_quoted(tokenizer: Tokenizer, reference: str) -> None:
    passages = [passage("a", [(reference + "\n", 0.95), (GLACIER, 0.6)])]
    answer = ask(answerer(tokenizer), "天山冰川减少了多少？", passages)
    assert answer.found
    assert answer.text == f"{GLACIER}[1]"


@pytest.mark.parametrize(
    "line",
    [
        "引用格式：张建平，张旭. 气候合作经验借鉴及启示. 中国科学院院刊，2023, 38(9): 1407-1415.",
        '张立辉、黄建平："共建国家应对气候危机的困境",《太平洋学报》,2025年第4期，第50-62页。',
        'ZHANG Lihui, HUANG Jianping, "Dilemmas", *Pacific Journal*, Vol.33, No.4, 2025, pp.50-62.',
        "关键词：“一带一路”；中国—中亚；气候危机",
    ],
)
def test_the_papers_own_record_lines_never_answer_a_content_question(tokenizer: Tokenizer, line: str) -> None:
    """A record question is answered from the record (rag.answer.record); quoted as the answer to
    anything else, a citation or keyword line says nothing."""
    passages = [passage("a", [(line + "\n", 0.95), (GLACIER, 0.6)])]
    answer = ask(answerer(tokenizer), "天山冰川减少了多少？", passages)
    assert answer.text == f"{GLACIER}[1]"


@pytest.mark.parametrize(
    "line",
    [
        "ZHANG Jianping Senior Researcher, Chinese Academy of International Trade and Economic Cooperation.",
        "张建平，研究员，主要研究方向为气候变化国际合作。",
        "（对外经济贸易大学中国世界贸易组织研究院，北京 100029）",
    ],
)
def test_lines_the_record_prints_or_its_authors_open_never_answer(tokenizer: Tokenizer, line: str) -> None:
    """The parsed record says where the file prints its fields (here the affiliation line), and a
    line opening with one of the paper's authors is their biography: neither answers a content
    question, however well it scores."""
    text = line + "\n" + GLACIER
    printed = (FieldSpan("affiliations", 0, len(line), "a.txt"),) if "（" in line else ()
    authors = {"authors": ("张建平", "张旭"), "authors_en": ("ZHANG Jianping",)}
    record = PaperRecord(title="气候合作", **authors, spans=printed)
    passages = [replace(passage("a", [(line + "\n", 0.95), (GLACIER, 0.6)]), record=record)]
    reading = read_question("天山冰川减少了多少？", (), 3, tokenizer)
    catalog = (Paper("p1", record, ("a.txt",)),)
    answer = answerer(tokenizer).answer(Retrieval(reading, tuple(passages), catalog=catalog))
    assert answer.text == f"{GLACIER}[1]" and text.startswith(line)


def test_a_how_many_question_is_answered_by_a_new_number_in_the_asked_unit(tokenizer: Tokenizer) -> None:
    """The question's own 2024 answers nothing, and "多少人" counts people, not years (70年)."""
    context = "2024年春季，哈萨克斯坦遭遇70年来最严重的洪水灾害。"
    figure = "极端降雨与异常融雪叠加导致该国11.8万人疏散。"
    passages = [passage("a", [(context, 0.95), (figure, 0.85), (RIVERS, 0.9)])]
    answer = ask(answerer(tokenizer), "2024年春季哈萨克斯坦的洪灾中有多少人被疏散？", passages)
    assert answer.text == f"{figure}[1]"
    unitless = ask(answerer(tokenizer), "2024年春季的洪灾规模有多大？", passages)
    assert unitless.text.startswith(context)
    only_the_year = ask(
        answerer(tokenizer), "2024年春季有多少人被疏散？", [passage("b", [("2024年春季发生洪灾。", 0.95)])]
    )
    assert not only_the_year.found
    assert not ask(answerer(tokenizer), "这场洪灾造成多少兆瓦的电力损失？", passages).found


def test_a_when_question_is_answered_only_by_a_sentence_with_a_new_date(tokenizer: Tokenizer) -> None:
    dated = "该管道预计于2030年建成通气。"
    passages = [passage("a", [("中亚天然气管道D线是双方合作的重点工程。", 0.95), (dated, 0.85)])]
    assert ask(answerer(tokenizer), "中亚天然气管道D线预计什么时候建成？", passages).text == f"{dated}[1]"
    undated = [passage("b", [("中亚天然气管道D线是双方合作的重点工程。", 0.95)])]
    assert not ask(answerer(tokenizer), "中亚天然气管道D线预计什么时候建成？", undated).found


def test_fragments_too_short_to_read_are_never_quoted(tokenizer: Tokenizer) -> None:
    passages = [passage("a", [("一、引言\n", 0.95), (GLACIER, 0.6)])]
    assert ask(answerer(tokenizer), "天山冰川减少了多少？", passages).text == f"{GLACIER}[1]"


# -- on the real index --------------------------------------------------------------------------------


def test_stream_yields_the_text_then_the_answer(assistant: Assistant) -> None:
    items = list(assistant.stream("天山冰川过去50年减少了多少？"))
    answer = items[-1]
    assert isinstance(answer, Answer) and answer.found
    assert all(isinstance(piece, str) for piece in items[:-1])
    assert "".join(str(piece) for piece in items[:-1]) == answer.text
    assert "11.7%" in answer.text
    cited = answer.citations[0]
    assert any("11.7%" in cited.text[start:end] for start, end in cited.highlights)


def test_a_section_heading_is_never_quoted_as_an_answer(tokenizer: Tokenizer) -> None:
    heading = "四、中国与中亚国家加强气候合作的优化路径\n"
    passages = [passage("a", [(heading, 0.99), (WIND, 0.9)])]
    answer = ask(answerer(tokenizer), "优化路径有哪些？", passages)
    assert answer.found
    assert "四、" not in answer.text and "风电和光伏" in answer.text


def test_the_papers_title_is_never_quoted_as_an_answer(tokenizer: Tokenizer) -> None:
    title = "高质量共建“一带一路”背景下中国与中亚国家加强气候合作的基础、价值与路径"
    passages = [passage("a", [(f"{title}\n", 0.99), (WIND, 0.9)])]
    passages[0] = replace(passages[0], record=PaperRecord(title=title))
    answer = ask(answerer(tokenizer), "中国与中亚国家加强气候合作的路径有哪些？", passages)
    assert answer.found
    assert title not in answer.text and "风电和光伏" in answer.text


# -- the evidence check -------------------------------------------------------------------------------


def ask_with_terms(
    answerer: ExtractiveAnswerer, question: str, passages: list[Passage], *terms: KeyTerm
) -> Answer:
    reading = read_question(question, (), 3, answerer.tokenizer)
    return answerer.answer(Retrieval(reading, tuple(passages), key_terms=terms))


def test_a_question_naming_what_the_corpus_never_names_is_refused(tokenizer: Tokenizer) -> None:
    """However well a sentence about glaciers scores, it says nothing about 罗贡."""
    passages = [passage("a", [(GLACIER, 0.99)])]
    unknown = KeyTerm("罗贡", 0.0, known=False, specific=True)
    answer = ask_with_terms(answerer(tokenizer), "罗贡水电站的冰川减少了多少？", passages, unknown)
    assert not answer.found and answer.text == NOT_FOUND_ZH
    common = KeyTerm("冰川", 2.0, known=True, specific=False)
    assert ask_with_terms(answerer(tokenizer), "冰川减少了多少？", passages, common).found


def test_a_question_about_two_papers_quotes_each(tokenizer: Tokenizer) -> None:
    """Two strong sentences of one paper do not show that both papers say it."""
    pieces = [("鲁班工坊为中亚培养了大批新能源人才。", 0.95), ("鲁班工坊开设了光伏运维课程。", 0.94)]
    first = replace(passage("a", pieces), paper_id="pa")
    second = replace(passage("b", [("中亚的鲁班工坊培养本地技术人才。", 0.85)]), paper_id="pb")
    one = ask(answerer(tokenizer), "哪个职业教育项目培养中亚新能源人才？", [first, second])
    assert {p.paper_id for p in one.citations} == {"pa"}
    both = ask(answerer(tokenizer), "两篇论文都提到了哪个职业教育项目培养中亚新能源人才？", [first, second])
    assert {p.paper_id for p in both.citations} == {"pa", "pb"}


def test_how_much_of_a_measure_the_corpus_never_names_is_refused(tokenizer: Tokenizer) -> None:
    """A paper giving the railway's investment does not give its length: 全长 is in no paper."""
    railway = "中吉乌铁路项目总投资约47亿美元，预计2030年建成。"
    passages = [passage("a", [(railway, 0.95)])]
    length = KeyTerm("全长", 0.0, known=False, specific=False)
    asked = ask_with_terms(answerer(tokenizer), "中吉乌铁路的线路全长是多少公里？", passages, length)
    assert not asked.found
    question = "中吉乌铁路全长未知，它总投资多少美元？"
    mentioned = ask_with_terms(answerer(tokenizer), question, passages, length)
    assert mentioned.found and "47亿美元" in mentioned.text


def test_the_quoted_sentence_must_name_the_questions_rarest_term(tokenizer: Tokenizer) -> None:
    """天山's figure does not answer a question about 帕米尔高原; the sentence before may name it."""
    strict = ExtractiveAnswerer(tokenizer, 0.3, 0.3, rare_terms=1, rare_idf=5.0)
    pamir = KeyTerm("帕米尔", 6.0, known=True, specific=True)
    question = "帕米尔的冰川减少了多少？"
    assert not ask_with_terms(strict, question, [passage("a", [(GLACIER, 0.99)])], pamir).found
    named_before = [passage("b", [("帕米尔高原冰川退缩明显。", 0.5), ("过去50年减少了约10%。", 0.95)])]
    answer = ask_with_terms(strict, question, named_before, pamir)
    assert answer.found and "10%" in answer.text
    assert ask_with_terms(answerer(tokenizer), question, [passage("a", [(GLACIER, 0.99)])], pamir).found


def test_a_figure_of_another_year_does_not_answer(tokenizer: Tokenizer) -> None:
    other_year = "2023年的洪灾中共有3.2万人被疏散。"
    question = "2024年的洪灾中有多少人被疏散？"
    assert not ask(answerer(tokenizer), question, [passage("a", [(other_year, 0.99)])]).found
    same_year = "2024年的洪灾中共有11.8万人被疏散。"
    assert ask(answerer(tokenizer), question, [passage("a", [(same_year, 0.9)])]).found


def test_a_who_question_is_answered_only_by_a_sentence_naming_someone(tokenizer: Tokenizer) -> None:
    nameless = "这一倡议为全球气候治理提供了中国方案。"
    named = "习近平主席在峰会上提出了这一倡议。"
    question = "这一倡议是谁提出的？"
    assert not ask(answerer(tokenizer), question, [passage("a", [(nameless, 0.99)])]).found
    answer = ask(answerer(tokenizer), question, [passage("a", [(nameless, 0.99), (named, 0.9)])])
    assert answer.text == f"{named}[1]"


# -- English questions --------------------------------------------------------------------------------


def test_a_chinese_quote_for_an_english_question_names_its_paper_section_and_page(
    tokenizer: Tokenizer,
) -> None:
    names = ("ZHANG Li-hui", "HUANG Jian-ping")
    record = PaperRecord(title="论文a", authors=("张立辉", "黄建平"), authors_en=names, year="2025")
    found = replace(passage("a", [(GLACIER, 0.99)]), paper_id="p", section="二、气候挑战", record=record)
    reading = read_question("How much did the Tianshan glaciers shrink?", (), 3, tokenizer)
    catalog = (Paper("p", record, ("a.txt",)),)
    answer = answerer(tokenizer).answer(Retrieval(reading, (found,), catalog=catalog))
    assert answer.text == f"Zhang and Huang (2025), § 二、气候挑战, state: {GLACIER}[1]"
    on_pages = replace(found, pages=(84, 85))
    answer = answerer(tokenizer).answer(Retrieval(reading, (on_pages,), catalog=catalog))
    assert answer.text == f"Zhang and Huang (2025), § 二、气候挑战, pp. 84–85, state: {GLACIER}[1]"


def test_an_english_question_is_answered_from_the_papers_english_text_when_it_says_as_much(
    tokenizer: Tokenizer,
) -> None:
    english = "Tianshan glaciers have shrunk by 11.7% over the past 50 years."
    mixed = [passage("a", [(GLACIER, 0.905), (english, 0.90)])]
    answer = ask(answerer(tokenizer), "How much did the Tianshan glaciers shrink?", mixed)
    assert answer.text.startswith(english) and GLACIER not in answer.text
    far_behind = [passage("a", [(GLACIER, 0.99), (english, 0.80)])]
    assert GLACIER in ask(answerer(tokenizer), "How much did the Tianshan glaciers shrink?", far_behind).text


# -- why ----------------------------------------------------------------------------------


CLAIM = "新能源合作成为推进共同现代化的关键路径之一。"
CAUSE = "这是由于技术联合攻关能够延伸知识外溢半径、提升各国的学习曲线效应。"
LATER = "在经济层面，合作驱动绿色经济加速转型升级。"


def test_a_why_question_gets_the_reason_that_follows_the_claim_it_restates(tokenizer: Tokenizer) -> None:
    found = ask(
        answerer(tokenizer),
        "为什么新能源合作能够成为推进共同现代化的关键路径？",
        [passage("p", [(CLAIM, 0.9), (CAUSE, 0.5), (LATER, 0.45)])],
    )
    assert found.found and CLAIM in found.text and CAUSE in found.text and LATER not in found.text
    # The same passage, asked what it is, gets the claim alone.
    plain = ask(
        answerer(tokenizer),
        "新能源合作成为推进共同现代化的什么？",
        [passage("p", [(CLAIM, 0.9), (CAUSE, 0.5)])],
    )
    assert CLAIM in plain.text and CAUSE not in plain.text


def test_a_why_question_whose_best_sentence_draws_a_consequence_gets_the_sentence_before(
    tokenizer: Tokenizer,
) -> None:
    before = "中亚地区绿色债券发行量不足全球0.3%，严重制约市场化融资能力。"
    then = "因此，有必要设立专项基金，精准赋能中小生态项目。"
    found = ask(
        answerer(tokenizer),
        "为什么有必要设立专项基金赋能中小生态项目？",
        [passage("p", [(before, 0.4), (then, 0.9)])],
    )
    assert found.found and found.text.index(before) < found.text.index(then)


def test_a_reason_is_not_taken_across_a_paragraph_break_and_one_already_given_is_enough(
    tokenizer: Tokenizer,
) -> None:
    broken = ask(
        answerer(tokenizer),
        "为什么新能源合作能够成为推进共同现代化的关键路径？",
        [passage("p", [(CLAIM, 0.9), ("\n\n", 0.0), (LATER, 0.3)])],
    )
    assert CLAIM in broken.text and LATER not in broken.text
    given = ask(
        answerer(tokenizer), "为什么说技术联合攻关重要？", [passage("p", [(CAUSE, 0.9), (LATER, 0.3)])]
    )
    assert CAUSE in given.text and LATER not in given.text


def test_a_reason_in_the_files_next_chunk_is_quoted_from_that_chunk(tokenizer: Tokenizer) -> None:
    first = replace(passage("p", [(CLAIM, 0.9)]), start=100, end=100 + len(CLAIM), section="一、逻辑")
    following = Passage(
        "q",
        CAUSE + LATER,
        first.source,
        0.0,
        section="一、逻辑",
        start=first.end,
        end=first.end + len(CAUSE + LATER),
    )
    reading = read_question("为什么新能源合作能够成为推进共同现代化的关键路径？", (), 3, tokenizer)
    found = answerer(tokenizer).answer(Retrieval(reading, (first,), file_passages=(first, following)))
    assert found.text == f"{CLAIM}[1]{CAUSE}[2]"
    assert [c.chunk_id for c in found.citations] == ["p", "q"]
    assert found.citations[1].highlights == ((0, len(CAUSE)),)
