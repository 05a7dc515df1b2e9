"""Crash safety and parallel workers: at least once, never twice at the same time."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from starlette.testclient import TestClient

from mailnotify.app import create_app
from mailnotify.config import Settings
from mailnotify.outbox.build import build_worker
from tests.conftest import MakeUser
from tests.contract.platform_helpers import post_usage, put_domain, report
from tests.receivers import HTTPSServer

EVENTS = 12
LEASE_SECONDS = 11


def _raise_events(
    settings: Settings, engine: Engine, make_user: MakeUser, receiver: HTTPSServer, path: str
) -> set[str]:
    customer, platform = make_user("customer"), make_user("platform")
    local = settings.model_copy(update={"webhook_allow_cidrs": "127.0.0.0/8"})
    with TestClient(create_app(local, engine=engine)) as client:
        response = client.put(
            "/api/users/me/notifications",
            headers=customer.headers,
            json={
                "notification_url": f"https://127.0.0.1:{receiver.port}{path}",
                "email_overquota_callback": True,
            },
        )
        assert response.status_code == 200, response.text
        put_domain(client, platform, "example.com", customer_code=customer.code)
        batch = [report(f"E{i}", "example.com", space=(90, 100)) for i in range(EVENTS)]
        assert post_usage(client, platform, *batch).json()["resources"][0]["events"] == EVENTS
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE notification_settings SET signing_secret = :s"), {"s": receiver.secret}
        )
        return {
            row[0]
            for row in connection.execute(
                text("SELECT event_id FROM deliveries WHERE channel = 'webhook'")
            )
        }


def _statuses(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        # The mailbox warnings wait for SMTP, which these tests do not run.
        rows = connection.execute(
            text(
                "SELECT status, count(*) FROM deliveries WHERE channel = 'webhook' GROUP BY status"
            )
        )
        return {status: count for status, count in rows}


def _start_worker(settings: Settings, receiver: HTTPSServer) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "MAILNOTIFY_DATABASE_URL": settings.database_url,
        "MAILNOTIFY_WEBHOOK_ALLOW_CIDRS": "127.0.0.0/8",
        "MAILNOTIFY_WEBHOOK_CA_BUNDLE": str(receiver.ca_bundle),
        "MAILNOTIFY_WORKER_LEASE_SECONDS": str(LEASE_SECONDS),
    }
    command = [str(Path(sys.executable).parent / "mailnotify"), "worker"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_a_worker_killed_mid_batch_loses_nothing(
    settings: Settings, engine: Engine, make_user: MakeUser, receiver: HTTPSServer
) -> None:
    # /slow answers after a second, so the kill lands while every send is in flight.
    event_ids = _raise_events(settings, engine, make_user, receiver, "/slow")
    first = _start_worker(settings, receiver)
    try:
        deadline = time.monotonic() + 30
        while not receiver.receiver.requests:
            assert time.monotonic() < deadline, "the worker sent nothing"
            time.sleep(0.02)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        first.kill()
    assert _statuses(engine).get("delivered", 0) < EVENTS, "the kill came too late to matter"
    second = _start_worker(settings, receiver)
    try:
        deadline = time.monotonic() + LEASE_SECONDS + 30
        while _statuses(engine) != {"delivered": EVENTS}:
            assert time.monotonic() < deadline, _statuses(engine)
            time.sleep(0.2)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(15)
    received = [r.headers["webhook-id"] for r in receiver.receiver.requests]
    assert set(received) == event_ids  # every event at least once
    assert all(r.verified for r in receiver.receiver.requests)


@pytest.mark.parametrize("workers", [2, 4])
def test_parallel_workers_never_claim_one_delivery_twice(
    settings: Settings,
    engine: Engine,
    make_user: MakeUser,
    receiver: HTTPSServer,
    workers: int,
) -> None:
    _raise_events(settings, engine, make_user, receiver, "/ok")
    claimed: list[list[int]] = [[] for _ in range(workers)]
    barrier = threading.Barrier(workers)

    def claim(slot: int) -> None:
        worker = build_worker(settings, engine, batch=5)
        barrier.wait()
        while jobs := worker.store.claim(5):
            claimed[slot].extend(job.delivery_id for job in jobs)

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    every = [delivery for batch in claimed for delivery in batch]
    with engine.connect() as connection:
        total = connection.execute(text("SELECT count(*) FROM deliveries")).scalar_one()
    assert total == 2 * EVENTS  # each event's webhook and its mailbox warning
    assert len(every) == total
    assert len(set(every)) == total
