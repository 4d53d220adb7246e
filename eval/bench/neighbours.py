"""CPU-burning neighbour processes: what a busy server's cores look like to a question."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

# Pure Python arithmetic: holds one core, touches no memory or disk worth speaking of.
BURN = "while True:\n    pass\n"


@contextmanager
def busy_neighbours(count: int) -> Iterator[list[subprocess.Popen[bytes]]]:
    """``count`` processes that each keep one core busy while the block runs."""
    procs = [subprocess.Popen([sys.executable, "-c", BURN]) for _ in range(count)]
    try:
        yield procs
    finally:
        for proc in procs:
            proc.kill()
        for proc in procs:
            proc.wait()


@contextmanager
def paused(procs: list[subprocess.Popen[bytes]]) -> Iterator[None]:
    """The neighbours stopped (SIGSTOP) while the block runs, and going on after it: a quiet
    moment between loaded ones, without the seconds a restart of the processes takes."""
    for proc in procs:
        proc.send_signal(signal.SIGSTOP)
    time.sleep(_SETTLE_S)
    try:
        yield
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGCONT)
        time.sleep(_SETTLE_S)


# Long enough for the scheduler to have taken the neighbours off the cores, or put them back.
_SETTLE_S = 0.02
