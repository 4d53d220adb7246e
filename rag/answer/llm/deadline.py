"""A model call that ends when its time is up, whatever the endpoint does.

The HTTP client's time-out bounds each wait for a byte, not the call: its retry adds a
second whole time-out (a hanging endpoint took 61 s under a 30 s limit), and a reply that
trickles in a byte at a time never trips it. So the call runs in a worker thread and the
reader waits on a queue with the deadline; at the deadline the reader gets
``AnswerTimeout`` and the worker stops at its next piece (or when the client gives up).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Generator, Iterable
from typing import TypeVar

T = TypeVar("T")


class AnswerTimeout(TimeoutError):
    """The whole model call took longer than its deadline."""


class _Done:
    pass


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def within(seconds: float, produce: Callable[[], Iterable[T]]) -> Generator[T, None, None]:
    """The items of ``produce()`` as they arrive, raising ``AnswerTimeout`` after ``seconds``."""
    items: queue.Queue[T | _Done | _Failed] = queue.Queue()
    stop = threading.Event()

    def work() -> None:
        try:
            source = produce()
            try:
                for item in source:
                    items.put(item)
                    if stop.is_set():
                        break
            finally:
                close = getattr(source, "close", None)
                if close is not None:
                    close()
            items.put(_Done())
        except BaseException as exc:  # handed to the waiting reader, who decides
            items.put(_Failed(exc))

    threading.Thread(target=work, name="llm-call", daemon=True).start()
    deadline = time.monotonic() + seconds
    try:
        while True:
            left = deadline - time.monotonic()
            try:
                if left <= 0:
                    raise queue.Empty
                item = items.get(timeout=left)
            except queue.Empty:
                raise AnswerTimeout(f"no complete reply within {seconds:g} s") from None
            if isinstance(item, _Done):
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item
    finally:
        stop.set()
