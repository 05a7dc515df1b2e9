"""The soak under faults (scripts/soak), 30 seconds of it, as a test (CONTRACT §8)."""

from __future__ import annotations

from pathlib import Path

from bench.soak import soak


def test_a_30_second_soak_under_faults_keeps_every_promise(tmp_path: Path) -> None:
    verdict = soak(30, tmp_path, window=2, drain=400)
    broken = [check for check in verdict.checks if not check.held]
    assert not broken, broken
    assert verdict.evidence.expected_webhooks, "the load raised no events"
    assert {fault.name.split()[0] for fault in verdict.evidence.faults} == {
        "worker",
        "receiver",
        "PostgreSQL",
    }
