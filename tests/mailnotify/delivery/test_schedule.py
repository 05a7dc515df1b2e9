"""The retry schedule and Retry-After parsing."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from mailnotify.delivery.schedule import (
    DELAYS,
    MAX_ATTEMPTS,
    RETRY_AFTER_CAP,
    next_attempt,
    parse_retry_after,
)

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


class Fixed:
    """Jitter pinned to one point of the interval: 0 low end, 0.5 middle, 1 high end."""

    def __init__(self, point: float) -> None:
        self.point = point

    def uniform(self, a: float, b: float) -> float:
        return a + (b - a) * self.point


def test_the_schedule_is_the_contracts() -> None:
    assert [d.total_seconds() for d in DELAYS] == [5, 300, 1800, 7200, 18000, 36000, 36000]
    assert MAX_ATTEMPTS == 8


def test_without_jitter_each_retry_waits_its_delay_and_then_the_delivery_fails() -> None:
    waits = [next_attempt(n, NOW, Fixed(0.5)) for n in range(1, MAX_ATTEMPTS + 1)]
    assert [w - NOW if w else None for w in waits] == [*DELAYS, None]


@pytest.mark.parametrize(("point", "factor"), [(0.0, 0.8), (1.0, 1.2)])
def test_jitter_reaches_twenty_percent_either_way(point: float, factor: float) -> None:
    assert next_attempt(4, NOW, Fixed(point)) == NOW + DELAYS[3] * factor


def test_real_jitter_stays_within_bounds_and_varies() -> None:
    rng = random.Random(7)
    waits = {next_attempt(2, NOW, rng) for _ in range(200)}
    assert len(waits) > 100
    assert all(w is not None and 240 <= (w - NOW).total_seconds() <= 360 for w in waits)


def test_retry_after_longer_than_the_delay_wins() -> None:
    assert next_attempt(1, NOW, Fixed(0.5), retry_after=120) == NOW + timedelta(seconds=120)


def test_retry_after_shorter_than_the_delay_does_not_hurry_us() -> None:
    assert next_attempt(3, NOW, Fixed(0.5), retry_after=1) == NOW + DELAYS[2]
    assert next_attempt(3, NOW, Fixed(0.5), retry_after=0) == NOW + DELAYS[2]


def test_retry_after_is_capped_and_the_attempt_still_counts() -> None:
    assert next_attempt(1, NOW, Fixed(0.5), retry_after=7 * 86400) == NOW + RETRY_AFTER_CAP
    assert next_attempt(MAX_ATTEMPTS, NOW, Fixed(0.5), retry_after=60) is None


def test_attempts_count_from_one() -> None:
    with pytest.raises(ValueError, match="attempts_made"):
        next_attempt(0, NOW, Fixed(0.5))


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 0 ", 0.0),
        ("Tue, 24 Nov 2026 10:05:00 GMT", 300.0),
        ("Tuesday, 24-Nov-26 10:05:00 GMT", 300.0),
        ("Tue Nov 24 10:05:00 2026", 300.0),  # asctime: GMT without saying so
        ("Tue, 24 Nov 2026 09:00:00 GMT", 0.0),  # already past
        ("-5", None),
        ("1.5", None),
        ("soon", None),
        ("", None),
        ("١٢", None),  # non-ASCII digits
    ],
)
def test_retry_after_values(value: str, seconds: float | None) -> None:
    assert parse_retry_after(value, NOW) == seconds


# Issue 7, defect 1: one receiver's Retry-After must not raise anywhere.
ABSURD_RETRY_AFTER = [
    "100000000000000",
    "9" * 400,
    "9" * 5000,
    "Fri, 31 Dec 9999 23:59:59 GMT",
    "Mon, 01 Jan 0001 00:00:00 GMT",
    "Fri, 31 Dec 99999 23:59:59 GMT",
    "Fri, 31 Dec 1999 99:99:99 GMT",
    "x" * 10_000,
]


@pytest.mark.parametrize("value", ABSURD_RETRY_AFTER, ids=lambda v: v[:30])
def test_defect_1_an_absurd_retry_after_is_capped_and_never_raises(value: str) -> None:
    seconds = parse_retry_after(value, NOW)
    assert seconds is None or 0 <= seconds <= RETRY_AFTER_CAP.total_seconds()
    retry = next_attempt(1, NOW, Fixed(0.5), retry_after=seconds)
    assert retry is not None
    assert retry <= NOW + RETRY_AFTER_CAP


@pytest.mark.parametrize("seconds", [1e14, 1e300, float("inf")])
def test_defect_1_a_huge_wish_is_capped_before_it_becomes_a_timedelta(seconds: float) -> None:
    assert next_attempt(1, NOW, Fixed(0.5), retry_after=seconds) == NOW + RETRY_AFTER_CAP
    # Not a number: no wish at all.
    assert next_attempt(1, NOW, Fixed(0.5), retry_after=float("nan")) == NOW + DELAYS[0]
