"""The web chat serves while the index is first built, and says how far the build is."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import cast

import gradio as gr

from apps.startup import BuildState, Startup
from apps.web import Conversation, WebChat
from rag import Assistant, Settings
from rag.index import Progress

QUESTION = "天山冰川过去50年减少了多少？"


class HeldBuild:
    """A console bar that holds the first build at its first progress report until released."""

    def __init__(self) -> None:
        self.reached = threading.Event()
        self.release = threading.Event()

    def __call__(self, desc: str) -> Progress:
        def update(done: int, total: int) -> None:
            self.reached.set()
            assert self.release.wait(120)

        return update


def no_progress(*args: object, **kwargs: object) -> None:
    """Stands in for gr.Progress outside a Gradio event."""


def test_a_reader_during_the_first_build_is_told_how_far_it_is(settings: Settings, tmp_path: Path) -> None:
    fresh = Settings(corpus_dir=settings.corpus_dir, index_dir=tmp_path / "new", cache_dir=tmp_path / "cache")
    held = HeldBuild()
    chat = WebChat(Startup(fresh, console=held).start())
    assert held.reached.wait(120)

    *_, (box, messages, _, _) = chat.respond(QUESTION, Conversation())
    assert "being built" in messages[-1]["content"] and " of " in messages[-1]["content"]
    assert box == QUESTION  # kept, to ask again
    status, timer, _ = chat.index_status()
    assert "being built" in status and timer.active is True
    assert chat.papers() == []
    upload, _, _ = chat.upload([str(settings.corpus_dir / "new_energy.md")], cast(gr.Progress, no_progress))
    assert upload.startswith("✗ Not indexed yet")

    held.release.set()
    startup = cast(Startup, chat.source)
    assert startup.wait(120)
    *_, (_, messages, _, sources) = chat.respond(QUESTION, Conversation())
    assert any("11.7%" in m["content"] for m in messages) and "[1]" in sources
    status, timer, rows = chat.index_status()
    assert status == "" and timer.active is False and len(rows) == len(chat.papers()) >= 2


def test_an_index_that_cannot_be_opened_is_said_in_the_chat(tmp_path: Path) -> None:
    broken = Settings(corpus_dir=tmp_path / "no-such-folder", index_dir=tmp_path / "index")
    startup = Startup(broken).start()
    assert startup.wait(60)
    *_, (_, messages, _, _) = WebChat(startup).respond(QUESTION, Conversation())
    assert messages[-1]["content"].startswith("The index could not be opened: corpus folder")


def test_the_estimate_follows_the_rate_so_far() -> None:
    assert "being opened" in BuildState(0.0).describe(5.0)
    halfway = BuildState(0.0, done=500, total=1000).describe(60.0)
    assert "500 of 1,000 passages embedded (50%, about 60 s left)" in halfway


def test_a_damaged_index_is_built_again_at_the_start(settings: Settings) -> None:
    Assistant.load(settings).index.close()
    (settings.index_dir / "chroma" / "chroma.sqlite3").write_bytes(b"")
    startup = Startup(settings).start()
    assert startup.wait(300)
    assert len(startup.get().papers()) >= 2
