"""The intake's bulk writes (COPY and one UPDATE ... FROM on PostgreSQL): the same rows
as SQLite's statements, on both databases."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import Engine, text

from mailnotify.addresses import AddressPolicy
from mailnotify.app import load_spec
from mailnotify.bulk import insert_many, update_many
from mailnotify.config import load_settings
from mailnotify.db import writing
from mailnotify.ingest import ingest
from mailnotify.intake import apply_usage
from mailnotify.quota import Thresholds
from mailnotify.validation import component_schema, format_checker
from tests.conftest import MakeUser
from tests.mailnotify.domains import pending_domains

# After every observed_at below.
NOW_MS = 1_800_000_000_000
COLUMNS = (
    "email_code",
    "email_address",
    "domain_name",
    "space_used",
    "space_assigned",
    "space_level",
    "messages_used",
    "messages_assigned",
    "messages_level",
    "observed_us",
)


@pytest.fixture
def domains(engine: Engine, make_user: MakeUser) -> None:
    pending_domains(engine, make_user("customer").code, "example.com", "example.org")


def box(code: str, used: int) -> tuple[Any, ...]:
    return (
        code,
        f"{code.lower()}@example.com",
        "example.com",
        used,
        100,
        "normal",
        0,
        10,
        "normal",
        1,
    )


def used(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT email_code, space_used FROM mailboxes"))
        return {code: value for code, value in rows}


@pytest.mark.usefixtures("domains")
def test_defect_two_bulk_updates_in_one_transaction_apply_only_their_own_rows(
    engine: Engine,
) -> None:
    # On PostgreSQL the changes pass through a temporary table; rows of the first call
    # left in it would be applied again by the second, undoing the change in between.
    with writing(engine) as session:
        connection = session.connection()
        insert_many(connection, "mailboxes", COLUMNS, [box("A", 1), box("B", 1)])
        update_many(connection, "mailboxes", "email_code", ("space_used",), [(2, "A")])
        connection.execute(text("UPDATE mailboxes SET space_used = 5 WHERE email_code = 'A'"))
        update_many(connection, "mailboxes", "email_code", ("space_used",), [(3, "B")])
    assert used(engine) == {"A": 5, "B": 3}
    # And again in the next transaction, where the temporary table already exists.
    with writing(engine) as session:
        update_many(session.connection(), "mailboxes", "email_code", ("space_used",), [(7, "A")])
    assert used(engine) == {"A": 7, "B": 3}


def report(code: str, address: str, domain: str, used: int, at: str) -> dict[str, Any]:
    return {
        "email_address": address,
        "email_code": code,
        "domain_name": domain,
        "observed_at": at,
        "space": {"used": used, "assigned": 100},
        "messages": {"used": 0, "assigned": 100},
    }


@pytest.mark.usefixtures("domains")
def test_updates_and_moves_of_many_mailboxes_are_stored_alike_on_both_databases(
    engine: Engine,
) -> None:
    first = "2026-11-24T10:00:00Z"
    later = "2026-11-24T11:00:00Z"
    count = 1200
    reports = [report(f"M{n}", f"m{n}@example.com", "example.com", 10, first) for n in range(count)]
    with writing(engine) as session:
        apply_usage(session=session, reports=reports, thresholds=Thresholds(), now_ms=NOW_MS)
    # Every third mailbox moves to the other domain; every one crosses to warning.
    changed = [
        report(
            f"M{n}",
            f"m{n}@example.org" if n % 3 == 0 else f"m{n}@example.com",
            "example.org" if n % 3 == 0 else "example.com",
            85,
            later,
        )
        for n in range(count)
    ]
    with writing(engine) as session:
        result = apply_usage(
            session=session, reports=changed, thresholds=Thresholds(), now_ms=NOW_MS
        )
    assert (result.applied, result.events) == (count, count)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT email_code, email_address, domain_name, space_used, space_level"
                " FROM mailboxes"
            )
        ).all()
    stored = {row[0]: tuple(row[1:]) for row in rows}
    assert len(stored) == count
    for n in range(count):
        domain = "example.org" if n % 3 == 0 else "example.com"
        assert stored[f"M{n}"] == (f"m{n}@{domain}", domain, 85, "warning")


@pytest.mark.usefixtures("domains")
def test_defect_after_an_ingest_the_tables_it_filled_have_planner_statistics(
    engine: Engine, tmp_path: Path
) -> None:
    # Until autovacuum got to them, the workers' claims were planned for empty tables.
    lines = [
        orjson.dumps(
            report(f"S{n}", f"s{n}@example.com", "example.com", 90, "2026-11-24T10:00:00Z")
        )
        for n in range(50)
    ]
    path = tmp_path / "reports.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    schema = component_schema(
        load_spec(load_settings({})), "UsageBatch", format_checker(AddressPolicy())
    )
    summary = ingest(
        path,
        engine=engine,
        schema=schema,
        thresholds=Thresholds(),
        now_ms=NOW_MS,
        progress=io.StringIO(),
    )
    assert (summary.applied, summary.events) == (50, 50)
    if engine.dialect.name != "postgresql":
        return  # SQLite plans without gathered statistics
    with engine.connect() as connection:
        analyzed = connection.execute(
            text(
                "SELECT relname FROM pg_stat_user_tables"
                " WHERE last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL"
            )
        ).scalars()
        assert {"mailboxes", "events", "deliveries"} <= set(analyzed)
