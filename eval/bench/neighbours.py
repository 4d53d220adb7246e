"""CPU-burning neighbour processes: what a busy server's cores look like to a question."""

from __future__ import annotations

import subprocess
import sys
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
