"""The eval report: answers and refusals for the product beside its baselines, in report.md and the chart."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

from eval.quality.baselines import PlainLangChain
from eval.quality.harness import Record, breakdown, summarize, supported
from eval.quality.questions import Evidence, Question
from eval.quality.report import across_systems, write_report
from rag import Settings
from rag.answer.verify import cited_numbers, split_sentences


def record(id: str, type: str, lang: str, correct: bool, found: bool = True) -> Record:
    answerable = type != "unanswerable"
    return Record(
        id, type, lang, answerable, 1 if answerable else None, 1.0, found=found,
        loose=correct if answerable else None, correct=correct if answerable else None,
        cited_evidence=correct if answerable else None, ask_ms=5.0,
    )  # fmt: skip


def results(systems: dict[str, list[Record]]) -> dict[str, Any]:
    return {
        "questions": 5,
        "answerable": 4,
        "min_evidence_score": 0.9,
        "systems": {
            name: {
                "overall": summarize(rs),
                "by_type": breakdown(rs, "type"),
                "by_lang": breakdown(rs, "lang"),
            }
            for name, rs in systems.items()
        },
    }


PRODUCT = [
    record("1", "fact", "zh", True),
    record("2", "fact", "en", False, found=False),
    record("3", "number", "zh", True),
    record("4", "number", "en", True),
    record("5", "unanswerable", "en", False, found=False),
]
PLAIN = [
    record("1", "fact", "zh", True),
    record("2", "fact", "en", False),
    record("3", "number", "zh", False),
    record("4", "number", "en", False),
    record("5", "unanswerable", "en", False),
]


def test_answer_accuracy_is_tabled_by_type_and_language_for_every_system() -> None:
    rows = across_systems(results({"product (hybrid)": PRODUCT, "plain LangChain": PLAIN}), "accuracy")
    assert rows["product (hybrid)"] == {"fact": 0.5, "number": 1.0, "en": 0.5, "zh": 1.0}
    assert rows["plain LangChain"] == {"fact": 0.5, "number": 0.0, "en": 0.0, "zh": 0.5}


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_report_keeps_the_answer_table_and_a_four_panel_chart(tmp_path: Path) -> None:
    write_report(tmp_path, results({"product (hybrid)": PRODUCT, "plain LangChain": PLAIN}))
    report = (tmp_path / "report.md").read_text(encoding="utf-8")
    section = report.split("## Supported answer accuracy by question type and language", 1)[1]
    assert "| system | fact | number | en | zh |" in section
    assert "| product (hybrid) | 0.500 | 1.000 | 0.500 | 1.000 |" in section
    assert "| plain LangChain | 0.500 | 0.000 | 0.000 | 0.500 |" in section
    overall = report.split("## Overall", 1)[1].split("##", 1)[0]
    assert "| plain LangChain | 1.000 |" in overall and "0.250 | 0.250 | 0.250 | 0.000 | 0.000 |" in overall
    assert "](report_chart.png)" in report
    assert png_size(tmp_path / "report_chart.png") == (1400, 850)


EVIDENCE = "天山冰川过去50年减少11.7%"
GLACIER = Question(
    "g",
    "天山冰川过去50年减少了多少？",
    "zh",
    "number",
    ["11.7%"],
    [Evidence("climate_cooperation.txt", EVIDENCE)],
)


def test_the_plain_pipeline_answers_with_its_top_passage_cited_and_never_refuses(settings: Settings) -> None:
    answer = PlainLangChain(settings).ask(GLACIER.question)
    assert answer.found and len(answer.citations) == 1
    assert EVIDENCE in answer.citations[0].text and answer.citations[0].source == "climate_cooperation.txt"
    sentences = split_sentences(answer.text)
    assert len(sentences) > 1 and all(set(cited_numbers(s)) == {1} for s in sentences)
    assert supported(answer, GLACIER)
