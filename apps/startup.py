"""The assistant opened in the background, so the web chat serves while a first build runs.

A first build embeds every passage (minutes on two cores). Serving only afterwards leaves a
reader who opens the page meanwhile with a browser error; so the server starts at once, and
until the index is ready the chat says that it is being built and how far it has got.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from rag import Assistant, Settings
from rag.index import Progress, SyncReport


class NotReady(RuntimeError):
    """The index is still being opened or built; the message says how far it is."""


@dataclass(frozen=True)
class BuildState:
    """How far the opening is: passages embedded of those to embed, since ``started``."""

    started: float
    done: int = 0
    total: int = 0

    def describe(self, now: float) -> str:
        if not self.total:
            return "The index is being opened; this takes a few seconds. 正在打开索引，请稍候。"
        share = self.done / self.total
        left = ""
        if 0 < self.done < self.total:
            seconds = (now - self.started) / share * (1 - share)
            left = f", about {_duration(seconds)} left"
        return (
            f"The index is being built: {self.done:,} of {self.total:,} passages embedded "
            f"({share:.0%}{left}). Ask again when it is ready. 正在建立索引，请稍后再问。"
        )


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


class Startup:
    """Opens (or first builds) the index in a thread and brings it up to date with the corpus."""

    def __init__(self, settings: Settings, console: Callable[[str], Progress] | None = None) -> None:
        self.settings = settings
        self.console = console
        self.report: SyncReport | None = None
        self._state = BuildState(time.monotonic())
        self._assistant: Assistant | None = None
        self._error: Exception | None = None
        self._ready = threading.Event()

    def start(self) -> Startup:
        threading.Thread(target=self._open, name="open-index", daemon=True).start()
        return self

    def wait(self, timeout: float | None = None) -> bool:
        return self._ready.wait(timeout)

    def get(self) -> Assistant:
        """The assistant once it is ready; ``NotReady`` (saying how far) until then."""
        if self._error is not None:
            raise NotReady(f"The index could not be opened: {self._error}")
        if self._assistant is None:
            raise NotReady(self._state.describe(time.monotonic()))
        return self._assistant

    def _progress(self, desc: str) -> Progress:
        bar = self.console(desc) if self.console else None

        def update(done: int, total: int) -> None:
            if not self._state.total:
                self._state = BuildState(time.monotonic())
            self._state = BuildState(self._state.started, done, total)
            if bar is not None:
                bar(done, total)

        return update

    def _open(self) -> None:
        try:
            building = self._progress("building the index: embedding")
            # A damaged index is built again (rag.index.health), as `rag index` would.
            assistant = Assistant.load(self.settings, progress=building, repair=True)
            self._state = BuildState(time.monotonic())
            self.report = assistant.library.reindex(progress=self._progress("updating the index: embedding"))
            assistant.warm_up()
            self._assistant = assistant
        except Exception as exc:  # shown to every reader instead of an answer
            self._error = exc
        finally:
            self._ready.set()
