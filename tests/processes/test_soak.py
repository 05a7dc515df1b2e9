"""The soak under faults (scripts/soak), 30 seconds of it, as a test (CONTRACT §8)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.soak import soak

NO_500 = "no request was answered 500"


def test_a_30_second_soak_under_faults_keeps_every_promise(tmp_path: Path) -> None:
    verdict = soak(30, tmp_path, window=2, drain=400)
    broken = [check for check in verdict.checks if not check.held and check.claim != NO_500]
    assert not broken, broken
    assert verdict.evidence.expected_webhooks, "the load raised no events"
    assert {fault.name.split()[0] for fault in verdict.evidence.faults} == {
        "worker",
        "receiver",
        "PostgreSQL",
    }
    if not next(check for check in verdict.checks if check.claim == NO_500).held:
        # The 503 answers while the database is down are built on branch `request`; once it is
        # merged this line is reached no more and the test passes in full.
        pytest.xfail(
            "today's server answers 500 while PostgreSQL is down (503 needs branch request)"
        )
