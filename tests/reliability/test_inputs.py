"""Inputs from scripts and browsers: a bad one gets a clear error and breaks nothing after it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from apps.web import Conversation, WebChat
from rag import Assistant, QuestionError, Settings, Turn
from tests.paths import ROOT

QUESTION = "天山冰川过去50年减少了多少？"


@pytest.mark.parametrize(("k", "error"), [("5", TypeError), (2.5, TypeError), (True, TypeError)])
def test_k_that_is_not_a_whole_number_is_refused(assistant: Assistant, k: object, error: type) -> None:
    with pytest.raises(error, match="k must be a whole number from 1 to 50"):
        assistant.retrieve(QUESTION, k=k)  # type: ignore[arg-type]


@pytest.mark.parametrize("k", [0, -1, 51])
def test_k_out_of_range_is_refused(assistant: Assistant, k: int) -> None:
    with pytest.raises(QuestionError, match=f"k={k} is out of range: ask for 1 to 50 passages"):
        assistant.retrieve(QUESTION, k=k)


def test_k_of_one_and_of_the_maximum_work(assistant: Assistant) -> None:
    assert len(assistant.retrieve(QUESTION, k=1)) == 1
    assert 1 < len(assistant.retrieve(QUESTION, k=50)) <= 50


@pytest.mark.parametrize("history", [[("q", "a")], [{"question": "q", "answer": "a"}], "q", [Turn(1, "a")]])  # type: ignore[arg-type]
def test_history_of_anything_but_turns_is_refused(assistant: Assistant, history: object) -> None:
    with pytest.raises(TypeError, match="history"):
        assistant.ask(QUESTION, history=history)  # type: ignore[arg-type]


def test_a_lone_surrogate_in_the_history_is_cleaned_away(assistant: Assistant) -> None:
    history = [Turn("天山冰川\ud800的变化", "减少了11.7%\udfff")]
    answer = assistant.ask("它的主要原因是什么？", history=history)
    assert answer.question == "它的主要原因是什么？"
    assert assistant.retrieval("它减少了多少？", history=history).reading.query.startswith("天山冰川 的变化")


def test_a_web_session_survives_a_lone_surrogate_and_answers_the_next_question(assistant: Assistant) -> None:
    chat = WebChat(assistant)
    *_, (_, messages, conversation, _) = chat.respond("天山冰川\ud800减少了多少？", Conversation())
    for message in messages:
        message["content"].encode("utf-8")  # what Gradio sends must encode
    assert (
        isinstance(conversation, Conversation) and conversation.turns[0].question == "天山冰川 减少了多少？"
    )
    *_, (_, messages, after, _) = chat.respond(QUESTION, conversation)
    answered = [m["content"] for m in messages if not m.get("metadata")]
    assert len(after.turns) == 2 and "11.7%" in answered[-1]


def test_the_cli_prints_chinese_under_an_ascii_output_encoding(
    shared_settings: Settings, assistant: Assistant
) -> None:
    env = {
        **os.environ,
        "PYTHONIOENCODING": "ascii",
        "RAG_CORPUS_DIR": str(shared_settings.corpus_dir),
        "RAG_INDEX_DIR": str(shared_settings.index_dir),
        "RAG_CACHE_DIR": str(shared_settings.cache_dir),
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(
        [sys.executable, "-m", "apps.cli", "ask", QUESTION],
        env=env,
        capture_output=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert b"11.7%" in done.stdout and b"\\u5929\\u5c71" in done.stdout  # 天山, escaped
