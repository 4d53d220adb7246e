"""Smoke-run the LLM answer path end to end, with a scripted OpenAI-compatible server.

    .venv/bin/python -m eval.quality.llm_smoke            # good cited answers
    .venv/bin/python -m eval.quality.llm_smoke --mode mixed  # invented [9]s, wrong numbers, 500s, bad JSON

Every question of eval/questions.jsonl goes through ``Assistant.stream`` with the real index
(RAG_INDEX_DIR, default ./index; built first if missing), the real ``ChatOpenAI`` client and
HTTP, and the verification; only the model is scripted (eval/scripted_llm.py). It prints what
the verification did: sentences checked, unsupported ones removed, citations repaired, and
fallbacks to the extractive answer. No network or API key is needed.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from rag import Answer, Assistant, Settings

from ..scripted_llm import Reply, good_answer, question_sent, running
from .questions import load_questions

EVAL_DIR = Path(__file__).resolve().parent.parent


@dataclass
class Tally:
    answers: int = 0
    found: int = 0
    with_expected: int = 0
    answerable: int = 0
    sentences_checked: int = 0
    unsupported: int = 0
    citations_repaired: int = 0
    fallbacks: int = 0
    stream_matches: int = 0
    seconds: float = 0.0

    def add(self, answer: Answer, pieces: list[str], expected: Sequence[str]) -> None:
        self.answers += 1
        self.found += answer.found
        self.sentences_checked += answer.sentences_checked
        self.unsupported += answer.unsupported_sentences
        self.citations_repaired += answer.citations_repaired
        self.fallbacks += answer.fallback
        self.stream_matches += "".join(pieces) == answer.text
        if expected:
            self.answerable += 1
            self.with_expected += any(e in answer.text for e in expected)


def mixed_answer(body: dict[str, Any]) -> Reply:
    """Good answers, and per question (stable across the client's retry) one kind of fault."""
    reply = good_answer(body)
    kind = zlib.crc32(question_sent(body).encode()) % 5
    if reply.text == "NOT_FOUND" or kind == 0:
        return reply
    if kind == 1:
        return Reply(re.sub(r"\[\d+\]", "[9]", reply.text))
    if kind == 2:
        return Reply(reply.text + "\n该比例在2099年达到99.9%[1]。")
    if kind == 3:
        return Reply(status=500)
    return Reply(raw="{not json")


def run(settings: Settings, questions_path: Path, mode: str, limit: int | None) -> Tally:
    questions = load_questions(questions_path)[:limit]
    tally = Tally()
    with running(good_answer if mode == "good" else mixed_answer) as fake:
        settings = replace(settings, llm_base_url=fake.url, llm_model=f"fake-{mode}", llm_timeout_s=10.0)
        assistant = Assistant.load(settings)
        started = time.perf_counter()
        for q in questions:
            items = list(assistant.stream(q.question))
            answer = items[-1]
            assert isinstance(answer, Answer)
            tally.add(
                answer, [i for i in items[:-1] if isinstance(i, str)], q.answers if q.answerable else []
            )
        tally.seconds = time.perf_counter() - started
    return tally


def report(tally: Tally, mode: str) -> str:
    rows = [
        ("answers", tally.answers),
        ("found (cited answer)", tally.found),
        ("not found", tally.answers - tally.found),
        ("sentences checked", tally.sentences_checked),
        ("unsupported sentences removed", tally.unsupported),
        ("citations repaired (invented or mis-pointed)", tally.citations_repaired),
        ("fallbacks to the extractive answer", tally.fallbacks),
        ("streamed text == final text", tally.stream_matches),
        ("answerable with an expected answer in the text", f"{tally.with_expected}/{tally.answerable}"),
    ]
    width = max(len(name) for name, _ in rows)
    lines = [f"LLM smoke run ({mode} answers), {tally.seconds:.1f} s"]
    lines += [f"  {name:<{width}}  {value}" for name, value in rows]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--mode", choices=["good", "mixed"], default="good")
    parser.add_argument("--questions", type=Path, default=EVAL_DIR / "questions.jsonl")
    parser.add_argument("--index", type=Path, help="index folder (default: RAG_INDEX_DIR or ./index)")
    parser.add_argument("--limit", type=int, help="only the first N questions")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    if args.index:
        settings = replace(settings, index_dir=args.index)
    tally = run(settings, args.questions, args.mode, args.limit)
    print(report(tally, args.mode))
    return 0 if tally.answers and tally.stream_matches >= tally.answers - tally.fallbacks else 1


if __name__ == "__main__":
    sys.exit(main())
