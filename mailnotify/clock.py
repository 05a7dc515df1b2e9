"""Time, as the outbox counts it: milliseconds since the epoch, injectable in tests."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """Tells the time in epoch milliseconds."""

    def __call__(self) -> int:
        """Now."""
        ...


def now_ms() -> int:
    """The wall clock in epoch milliseconds."""
    return time.time_ns() // 1_000_000
