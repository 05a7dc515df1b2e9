"""The retry schedule of webhooks and quota emails, as data."""

from __future__ import annotations

import email.utils
import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Protocol

# Svix's schedule: the first attempt, then one retry after each of these delays.
DELAYS: tuple[timedelta, ...] = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
MAX_ATTEMPTS = 1 + len(DELAYS)
JITTER = 0.2

# Retry-After is honoured as a lower bound on the next delay, never as a replacement:
# "Retry-After: 0" must not let a receiver pull all retries into a few seconds, and a
# scheduled delay already longer than the receiver's wish is kept. The wish is capped at
# the longest step so that a receiver cannot park a delivery for days; the attempt still
# counts, so a delivery ends after MAX_ATTEMPTS whatever the receiver says.
RETRY_AFTER_CAP = max(DELAYS)
_CAP_SECONDS = RETRY_AFTER_CAP.total_seconds()


class Random(Protocol):
    """The part of ``random.Random`` the schedule uses, so tests can pin the jitter."""

    def uniform(self, a: float, b: float) -> float:
        """A number between ``a`` and ``b``."""
        ...


def next_attempt(
    attempts_made: int,
    now: datetime,
    rng: Random,
    retry_after: float | None = None,
    delays: Sequence[timedelta] = DELAYS,
) -> datetime | None:
    """When to try again after ``attempts_made`` failed attempts, or None to mark it failed.

    ``retry_after`` is the receiver's ``Retry-After`` in seconds (see ``Outcome.retry_after``);
    ``delays`` is the schedule (an operator's, or the contract's by default).
    """
    if attempts_made < 1:
        raise ValueError("attempts_made counts the failed attempts so far, starting at 1")
    if attempts_made > len(delays):
        return None
    delay = delays[attempts_made - 1] * rng.uniform(1 - JITTER, 1 + JITTER)
    if retry_after is not None and retry_after > 0:
        # Capped as a number first: a receiver's 1e14 seconds overflows a timedelta.
        cap = min(max(delays).total_seconds(), _CAP_SECONDS)
        wish = min(retry_after, cap) if math.isfinite(retry_after) else cap
        delay = max(delay, timedelta(seconds=wish))
    return now + delay


def parse_retry_after(value: str, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delay-seconds or HTTP-date), or None.

    The receiver's text is never trusted: any value, however long or absurd, gives a
    number between 0 and the cap (``RETRY_AFTER_CAP``), or None.
    """
    value = value.strip()
    if value.isascii() and value.isdigit():
        # Compared as text first: int() of thousands of digits is slow, float() overflows.
        digits = value.lstrip("0") or "0"
        return _CAP_SECONDS if len(digits) > 9 else min(float(int(digits)), _CAP_SECONDS)
    if len(value) > 64:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
        if when.tzinfo is None:
            # HTTP dates are always GMT; asctime's form just does not say so.
            when = when.replace(tzinfo=UTC)
        seconds = (when - now).total_seconds()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return min(max(0.0, seconds), _CAP_SECONDS)
