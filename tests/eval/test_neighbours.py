"""The bench's CPU-burning neighbours burn while they run, and not at all while paused."""

from __future__ import annotations

import os
import time
from pathlib import Path

from eval.bench.neighbours import busy_neighbours, paused


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def burned_during(pid: int, seconds: float) -> float:
    before = cpu_seconds(pid)
    time.sleep(seconds)
    return cpu_seconds(pid) - before


def test_a_paused_neighbour_burns_nothing_and_burns_again_after() -> None:
    with busy_neighbours(1) as [proc]:
        assert burned_during(proc.pid, 0.5) > 0.2
        with paused([proc]):
            assert burned_during(proc.pid, 0.5) < 0.05
        assert burned_during(proc.pid, 0.5) > 0.2
    assert proc.poll() is not None, "the neighbour is gone after the block"
