"""What /proc says about a process: CPU seconds, resident memory, and the machine's load."""

from __future__ import annotations

import os
import statistics
from collections.abc import Sequence
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


def memory_kb(pid: int, key: str) -> int:
    """A ``/proc/PID/status`` figure in KiB (``VmRSS``, ``VmHWM``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1])
    raise KeyError(key)


def busy_cores() -> float:
    """The one-minute load average: how busy the shared machine was."""
    return os.getloadavg()[0]


def pinned(cpu: int, argv: Sequence[str]) -> list[str]:
    """``argv`` pinned to one CPU with taskset (unpinned if taskset is missing)."""
    if (os.cpu_count() or 1) > 1 and Path("/usr/bin/taskset").exists():
        return ["/usr/bin/taskset", "-c", str(cpu), *argv]
    return list(argv)


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile ``share`` (0..1) of ``values``."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def median(values: Sequence[float]) -> float:
    """The median, NaN for no values."""
    return statistics.median(values) if values else float("nan")
