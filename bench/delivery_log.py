"""The delivery log's listing: 25 deliveries of a user with 1 M deliveries, page 1 and 400.

``python -m bench.delivery_log [--quick]`` (SQLite, a temporary file). The target
(issue 9): p50 under 5 ms on both pages, so that a log's length does not matter.
Exits 1 if it is missed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from mailnotify import accounts, migrate
from mailnotify.db import looking_up, make_engine, writing
from mailnotify.models import Role, new_delivery_id
from mailnotify.outbox import log
from mailnotify.outbox.log import DeliveryFilter

TARGET_MS = 5.0
PAGES = (1, 400)


def _fill(path: Path, rows: int) -> int:
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    with writing(engine) as session:
        code = accounts.create_user(session=session, role=Role.customer).code
        user = accounts.user_by_code(session=session, code=code).id
    assert user is not None
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(
            "INSERT INTO events (id, action_type, domain_name, created_at, body)"
            " VALUES ('evt_bench', 'domain_create', 'example.com', '2026-11-24 10:00:00', '{}')"
        )
        cursor.executemany(
            "INSERT INTO deliveries (public_id, event_id, user_id, channel, status, attempts,"
            " due_ms, created_ms) VALUES (?, 'evt_bench', ?, 'webhook', 'pending', 0, ?, ?)",
            [(new_delivery_id(), user, i, i) for i in range(rows)],
        )
        raw.commit()
    finally:
        raw.close()
    engine.dispose()
    return user


def main(argv: list[str] | None = None) -> int:
    """Measure; 0 if the target holds."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="100 000 rows, fewer samples")
    args = parser.parse_args(argv)
    rows, samples = (100_000, 50) if args.quick else (1_000_000, 300)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "log.db"
        user = _fill(path, rows)
        engine = make_engine(f"sqlite:///{path}")
        ok = True
        with looking_up(engine) as connection:
            for page in PAGES:
                times = []
                for _ in range(samples):
                    start = time.perf_counter()
                    log.list_deliveries(
                        connection, user_id=user, where=DeliveryFilter(), page=page, per=25
                    )
                    times.append((time.perf_counter() - start) * 1000)
                times.sort()
                p50, p99 = statistics.median(times), times[int(len(times) * 0.99) - 1]
                ok = ok and p50 < TARGET_MS
                print(
                    f"delivery log, {rows} rows of one user, page {page}: "
                    f"p50 {p50:.2f} ms, p99 {p99:.2f} ms (target p50 < {TARGET_MS} ms)"
                )
        engine.dispose()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
