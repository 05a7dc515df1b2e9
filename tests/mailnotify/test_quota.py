"""Every transition of the quota state machine (CONTRACT §3)."""

from __future__ import annotations

import pytest

from mailnotify.quota import Crossing, Level, Thresholds, step

T = Thresholds()
N, W, C = Level.normal, Level.warning, Level.critical


@pytest.mark.parametrize(
    ("level", "percent", "expected_level", "expected"),
    [
        (N, 0, N, None),
        (N, 79, N, None),
        (N, 80, W, Crossing("exceeded", 80, W)),
        (N, 94, W, Crossing("exceeded", 80, W)),
        (N, 95, C, Crossing("exceeded", 95, C)),  # straight to critical: one event
        (N, 120, C, Crossing("exceeded", 95, C)),
        (W, 80, W, None),  # no repeat while the state holds
        (W, 90, W, None),
        (W, 75, W, None),  # between recovery and warning: holds
        (W, 95, C, Crossing("exceeded", 95, C)),
        (W, 74, N, Crossing("back_to_normal", 75, N)),
        (C, 99, C, None),
        (C, 94, C, None),  # no flapping between 75 and 95
        (C, 80, C, None),
        (C, 75, C, None),
        (C, 74, N, Crossing("back_to_normal", 75, N)),
        (C, 0, N, Crossing("back_to_normal", 75, N)),
        (N, 74, N, None),
    ],
)
def test_transitions(
    level: Level, percent: int, expected_level: Level, expected: Crossing | None
) -> None:
    assert step(level, percent * 1000, 100_000, T) == (expected_level, expected)


def test_thresholds_are_exact_in_integer_arithmetic() -> None:
    assigned = 8 * 2**30
    first_at_80 = -(-assigned * 80 // 100)  # ceil: 6871947674 bytes, as in CONTRACT §4
    assert first_at_80 == 6871947674
    assert step(N, first_at_80 - 1, assigned, T) == (N, None)
    assert step(N, first_at_80, assigned, T)[0] is W


def test_no_limit_assigned_never_crosses() -> None:
    assert step(N, 10**12, 0, T) == (N, None)
    assert step(C, 0, 0, T) == (C, None)


def test_thresholds_are_server_settings() -> None:
    custom = Thresholds(warning=50, critical=60, recovery=40)
    assert step(N, 50, 100, custom) == (W, Crossing("exceeded", 50, W))
    assert step(W, 39, 100, custom) == (N, Crossing("back_to_normal", 40, N))


def test_a_sequence_emits_only_on_crossings() -> None:
    level, events = N, []
    for percent in (10, 81, 85, 79, 76, 96, 97, 90, 80, 76, 74, 74, 99):
        level, crossing = step(level, percent, 100, T)
        if crossing:
            events.append((crossing.event, crossing.crossed))
    assert events == [("exceeded", 80), ("exceeded", 95), ("back_to_normal", 75), ("exceeded", 95)]
