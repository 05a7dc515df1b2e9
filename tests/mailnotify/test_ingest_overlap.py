"""Ingest on PostgreSQL, each batch written while the next is judged: the same mailboxes,
events and counts as applying the batches one after the other, and the intake's lock
held only between windows."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, text

from mailnotify import ingest_overlap
from mailnotify.db import writing
from mailnotify.ingest_overlap import Overlapped
from mailnotify.intake import INTAKE_LOCK, UsageResult, apply_usage
from mailnotify.quota import Thresholds
from tests.conftest import MakeUser
from tests.mailnotify.domains import pending_domains

NOW_MS = 1_800_000_000_000


@pytest.fixture
def pg(engine: Engine, make_user: MakeUser) -> Engine:
    if engine.dialect.name != "postgresql":
        pytest.skip("the overlapped ingest is PostgreSQL's")
    pending_domains(engine, make_user("customer").code, "example.com", "example.org")
    return engine


def report(code: str, used: int, hour: int, domain: str = "example.com") -> dict[str, Any]:
    return {
        "email_address": f"{code.lower()}@{domain}",
        "email_code": code,
        "domain_name": domain,
        "observed_at": f"2026-11-24T{hour:02d}:00:00Z",
        "space": {"used": used, "assigned": 100},
        "messages": {"used": 0, "assigned": 100},
    }


def batches(prefix: str) -> list[list[dict[str, Any]]]:
    """Mailboxes in consecutive batches: created then changed in the next one, crossing
    up and back, moving domain, an older report ignored, one left alone for a batch."""
    a, b, c = f"{prefix}A", f"{prefix}B", f"{prefix}C"
    return [
        [report(a, 10, 1), report(b, 10, 1), report(c, 10, 1)],
        [report(a, 96, 2), report(b, 85, 2, "example.org")],
        [report(a, 10, 3), report(a, 50, 2), report(b, 99, 3, "example.org")],
        [report(c, 81, 4), report(a, 90, 4)],
        [report(a, 70, 5), report(c, 70, 5), report(b, 99, 1)],
    ]


def stored(engine: Engine, prefix: str) -> dict[str, tuple[Any, ...]]:
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT email_code, email_address, domain_name, space_used, space_level,"
                " observed_us FROM mailboxes WHERE email_code LIKE :p"
            ),
            {"p": f"{prefix}%"},
        ).all()
    return {row[0][len(prefix) :]: (row[1].split("@")[1], *row[2:]) for row in rows}


def raised(engine: Engine, prefix: str) -> list[tuple[str, int]]:
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT body::json->>'event', (body::json->'payload'->>'crossed')::int"
                " FROM events WHERE body::json->'payload'->>'email_code' LIKE :p"
                " ORDER BY body::json->'payload'->>'email_code', created_at, id"
            ),
            {"p": f"{prefix}%"},
        ).all()
    return [(event, crossed) for event, crossed in rows]


def total(results: list[UsageResult]) -> tuple[int, int, int]:
    return (
        sum(r.applied for r in results),
        sum(r.ignored for r in results),
        sum(r.events for r in results),
    )


@pytest.mark.parametrize("window", [0.0, 60.0])
def test_overlapped_batches_store_and_raise_what_one_by_one_does(
    pg: Engine, monkeypatch: pytest.MonkeyPatch, window: float
) -> None:
    # A window of 0: the lock is given up after every batch; 60: held throughout.
    monkeypatch.setattr(ingest_overlap, "WINDOW_SECONDS", window)
    one_by_one = []
    for reports in batches("S"):
        with writing(pg) as session:
            one_by_one.append(
                apply_usage(
                    session=session, reports=reports, thresholds=Thresholds(), now_ms=NOW_MS
                )
            )
    with Overlapped(pg, thresholds=Thresholds(), now_ms=NOW_MS) as apply:
        overlapped = [apply(reports) for reports in batches("O")]
    assert total(overlapped) == total(one_by_one) == (11, 2, 8)
    assert stored(pg, "O") == stored(pg, "S")
    assert len(stored(pg, "O")) == 3
    assert raised(pg, "O") == raised(pg, "S")


def test_the_intake_lock_is_held_within_a_window_and_given_up_after(
    pg: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def free() -> bool:
        with pg.connect() as connection:
            taken = connection.execute(
                text(f"SELECT pg_try_advisory_xact_lock({INTAKE_LOCK})")
            ).scalar_one()
            connection.rollback()
        return bool(taken)

    monkeypatch.setattr(ingest_overlap, "WINDOW_SECONDS", 60.0)
    with Overlapped(pg, thresholds=Thresholds(), now_ms=NOW_MS) as apply:
        apply([report("LA", 10, 1)])
        assert not free()
        apply([report("LA", 96, 2)])
        assert not free()
    assert free()
    assert stored(pg, "L")["A"][2:4] == (96, "critical")
    monkeypatch.setattr(ingest_overlap, "WINDOW_SECONDS", 0.0)
    with Overlapped(pg, thresholds=Thresholds(), now_ms=NOW_MS) as apply:
        apply([report("LA", 10, 3)])
        assert free()
    assert stored(pg, "L")["A"][2:4] == (10, "normal")
