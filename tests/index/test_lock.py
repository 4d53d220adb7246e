"""Readers share the index; an update waits for them and holds new ones back."""

from __future__ import annotations

import threading
import time

from rag.index.lock import ReadWriteLock


def test_an_index_update_waits_for_running_questions_and_holds_new_ones() -> None:
    lock = ReadWriteLock()
    events: list[str] = []
    reading = threading.Event()

    def reader() -> None:
        with lock.reading():
            reading.set()
            time.sleep(0.2)
            events.append("question done")

    def writer() -> None:
        with lock.writing():
            events.append("update")
            time.sleep(0.2)

    def late_reader() -> None:
        with lock.reading():
            events.append("late question")

    threads = [threading.Thread(target=reader)]
    threads[0].start()
    reading.wait()
    threads.append(threading.Thread(target=writer))
    threads[1].start()
    time.sleep(0.05)
    threads.append(threading.Thread(target=late_reader))
    threads[2].start()
    for thread in threads:
        thread.join(5)
    assert events == ["question done", "update", "late question"]
