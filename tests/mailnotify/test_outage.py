"""A database outage: two log lines with a count between them, and the back-off."""

from __future__ import annotations

import logging

import pytest

from mailnotify.outage import MAX_PAUSE, DatabaseUnavailable, Outage


def test_an_outage_is_two_lines_with_the_count_and_a_doubling_capped_pause(
    caplog: pytest.LogCaptureFixture,
) -> None:
    logger = logging.getLogger("mailnotify.test_outage")
    outage = Outage(logger)
    with caplog.at_level(logging.INFO, logger=logger.name):
        outage.succeeded()  # no outage yet: nothing to tell
        pauses = [outage.failed(DatabaseUnavailable("no answer\nwithin 5 s")) for _ in range(12)]
        assert outage.down
        outage.succeeded()
        outage.succeeded()
    assert not outage.down
    assert pauses[:3] == [0.1, 0.2, 0.4]
    assert pauses == sorted(pauses)
    assert pauses[-1] == MAX_PAUSE
    assert [r.getMessage() for r in caplog.records] == [
        "database unavailable",
        "database available again",
    ]
    down, back = caplog.records
    assert down.__dict__["reason"] == "no answer"
    assert back.__dict__["failed_calls"] == 12
    assert back.__dict__["down_seconds"] >= 0


def test_after_an_outage_the_next_one_is_told_again(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("mailnotify.test_outage")
    outage = Outage(logger)
    with caplog.at_level(logging.INFO, logger=logger.name):
        for _ in range(2):
            outage.failed(DatabaseUnavailable("gone"))
            assert outage.failed(DatabaseUnavailable("gone")) == 0.2
            outage.succeeded()
    assert [r.getMessage() for r in caplog.records] == [
        "database unavailable",
        "database available again",
    ] * 2
