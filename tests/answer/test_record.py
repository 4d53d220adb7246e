"""Questions about a paper's record are answered from the record, cited to the line that prints it."""

from __future__ import annotations

from rag import Answer, Assistant


def quoted(answer: Answer) -> list[str]:
    return [p.text[s:e] for p in answer.citations for s, e in p.highlights]


def test_the_authors_come_from_the_author_line_not_a_body_sentence(assistant: Assistant) -> None:
    answer = assistant.ask("这篇中国与中亚气候合作论文的作者是谁？")
    assert answer.found and "张立辉、黄忠伟、黄建平[1]" in answer.text
    assert quoted(answer) == ["张立辉，黄忠伟，黄建平"]


def test_an_english_record_question_gets_an_english_sentence_with_the_pinyin(assistant: Assistant) -> None:
    answer = assistant.ask("Who wrote the paper on China–Central Asia climate cooperation?")
    assert answer.found and " was written by " in answer.text
    assert "ZHANG Li-hui, HUANG Zhong-wei and HUANG Jian-ping (张立辉、黄忠伟、黄建平) [1][2]" in answer.text


def test_the_doi_and_the_funding_are_cited_where_they_are_printed(assistant: Assistant) -> None:
    doi = assistant.ask("卫玲、梁炜这篇论文的DOI是什么？")
    assert "10.13885/j.issn.1000-2804.2026.01.004[1]" in doi.text
    funding = assistant.ask("这篇气候合作论文由哪个基金资助？")
    assert "24YJCGJW008" in funding.text and "24YJCGJW008" in "".join(quoted(funding))


def test_a_field_the_paper_does_not_print_is_said_to_be_missing(assistant: Assistant) -> None:
    answer = assistant.ask("卫玲、梁炜的论文发表在哪本期刊？")
    assert not answer.found and answer.citations == ()
    assert answer.text.endswith("没有印出期刊名称。")


def test_the_catalogue_page_fills_what_the_full_text_does_not_print(assistant: Assistant) -> None:
    answer = assistant.ask("张立辉、黄忠伟、黄建平的论文发表在哪本期刊？")
    assert answer.found and "《新疆大学学报（哲学社会科学版）》" in answer.text
    assert answer.citations[0].source == "climate_cooperation_catalogue.txt"


def test_a_question_about_every_paper_answers_for_each(assistant: Assistant) -> None:
    answer = assistant.ask("这些论文的DOI分别是什么？")
    assert answer.text.count("DOI为") == 2 and len(answer.citations) == 2


def test_a_title_no_paper_has_is_reported_with_the_papers_there_are(assistant: Assistant) -> None:
    answer = assistant.ask("《中亚水资源合作研究》的作者是谁？")
    assert not answer.found and "没有与《中亚水资源合作研究》相符的论文" in answer.text
    assert "《中国—中亚新能源合作的战略价值与路径选择：推进共同现代化的视角》" in answer.text


def test_a_biography_question_quotes_the_authors_biography(assistant: Assistant) -> None:
    answer = assistant.ask("张立辉是哪一年出生的？")
    assert answer.found and "张立辉生于1993年[1]" in answer.text
    assert quoted(answer)[0].startswith("张立辉(1993—)")
