"""The worker's loop: fairness between receivers, idle cost, wake-ups, database outages."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event, text
from starlette.testclient import TestClient

from mailnotify.addresses import AddressPolicy
from mailnotify.app import create_app
from mailnotify.clock import now_ms
from mailnotify.config import Settings
from mailnotify.db import make_engine
from mailnotify.delivery.webhooks import WebhookSender
from mailnotify.outbox.build import build_worker
from mailnotify.outbox.dispatch import Dispatcher, Senders
from mailnotify.outbox.store import Store
from mailnotify.outbox.wake import OutboxSignal
from mailnotify.outbox.worker import DeliveryWorker, listen_url
from mailnotify.quota import Thresholds
from tests.conftest import Account, MakeUser
from tests.contract.platform_helpers import post_usage, put_domain, report
from tests.receivers import HTTPSServer, MapResolver

LOOPBACK = "127.0.0.0/8"


@pytest.fixture
def local_settings(settings: Settings, receiver: HTTPSServer) -> Settings:
    return settings.model_copy(
        update={"webhook_allow_cidrs": LOOPBACK, "webhook_ca_bundle": receiver.ca_bundle}
    )


@pytest.fixture
def client(local_settings: Settings, engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(local_settings, engine=engine)) as test_client:
        yield test_client


def subscribe(client: TestClient, engine: Engine, account: Account, url: str, secret: str) -> None:
    response = client.put(
        "/api/users/me/notifications",
        headers=account.headers,
        json={"notification_url": url, "email_overquota_callback": True},
    )
    assert response.status_code == 200, response.text
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE notification_settings SET signing_secret = :s"), {"s": secret}
        )


def quota_events(
    client: TestClient, platform: Account, customer: Account, domain: str, count: int
) -> None:
    put_domain(client, platform, domain, customer_code=customer.code)
    batch = [report(f"{domain[:2].upper()}{n}", domain, space=(90, 100)) for n in range(count)]
    assert post_usage(client, platform, *batch).json()["resources"][0]["events"] == count


def webhook_statuses(engine: Engine, host: str) -> list[str]:
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT d.status FROM deliveries d JOIN notification_settings s"
                " ON s.user_id = d.user_id WHERE d.channel = 'webhook'"
                " AND s.notification_url LIKE :url ORDER BY d.id"
            ),
            {"url": f"https://{host}:%"},
        )
        return [row[0] for row in rows]


@asynccontextmanager
async def running(worker: DeliveryWorker, wake: OutboxSignal | None = None) -> AsyncIterator[None]:
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop, wake))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


async def wait_for(condition: Any, seconds: float) -> float:
    """Poll ``condition`` off the loop until it holds; the seconds it took."""
    started = time.monotonic()
    while not await asyncio.to_thread(condition):
        assert time.monotonic() - started < seconds, "the condition never held"
        await asyncio.sleep(0.05)
    return time.monotonic() - started


async def test_defect_6_a_receiver_that_never_answers_does_not_delay_another_tenant(
    local_settings: Settings,
    engine: Engine,
    client: TestClient,
    receiver: HTTPSServer,
    make_user: MakeUser,
) -> None:
    platform = make_user("platform")
    slow, fast = make_user("customer"), make_user("customer")
    subscribe(client, engine, slow, f"https://127.0.0.1:{receiver.port}/hang", receiver.secret)
    quota_events(client, platform, slow, "slow.example", 12)
    policy = AddressPolicy.from_networks(local_settings.allow_networks)
    webhooks = WebhookSender(
        policy,
        ca_bundle=receiver.ca_bundle,
        timeout=6,
        resolver=MapResolver({"hooks.test": [ipaddress.ip_address("127.0.0.1")]}),
    )
    worker = DeliveryWorker(
        store=Store(engine, clock=now_ms, lease_ms=60_000),
        dispatcher=Dispatcher(Senders(webhooks, None, "a@b.example"), Thresholds(80, 95, 75)),
        webhooks=webhooks,
        concurrency=8,
        per_destination=3,
    )
    signal = OutboxSignal()
    async with running(worker, signal):
        await wait_for(lambda: len(receiver.receiver.requests) >= 3, 10)
        # Every send the hanging receiver may hold is in flight; another tenant arrives.
        subscribe(client, engine, fast, f"https://hooks.test:{receiver.port}/ok", receiver.secret)
        await asyncio.to_thread(quota_events, client, platform, fast, "fast.example", 1)
        signal.notify()
        took = await wait_for(lambda: webhook_statuses(engine, "hooks.test") == ["delivered"], 5)
        assert took < 3  # the hanging receiver holds its sends for 6 s
        assert webhook_statuses(engine, "127.0.0.1").count("delivered") == 0
        # The receiver never held more than its share at once.
        assert sum(r.path == "/hang" for r in receiver.receiver.requests) <= 3


class Statements:
    """Counts the statements an engine runs."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)
        self._engine = engine

    def _seen(self, *_args: Any) -> None:
        self.count += 1

    def close(self) -> None:
        event.remove(self._engine, "before_cursor_execute", self._seen)


async def test_an_idle_worker_makes_next_to_no_queries(
    local_settings: Settings, engine: Engine
) -> None:
    worker = build_worker(local_settings, engine)
    statements = Statements(engine)
    try:
        async with running(worker):
            await asyncio.sleep(2.5)
    finally:
        statements.close()
    # Polling every 0.1 s made 25 here; sleeping until the next due delivery or 10 s, 1.
    assert statements.count <= 5


async def test_a_delivery_due_later_is_sent_when_it_is_due_not_at_the_idle_cap(
    local_settings: Settings,
    engine: Engine,
    client: TestClient,
    receiver: HTTPSServer,
    make_user: MakeUser,
) -> None:
    customer, platform = make_user("customer"), make_user("platform")
    subscribe(client, engine, customer, f"https://127.0.0.1:{receiver.port}/ok", receiver.secret)
    quota_events(client, platform, customer, "later.example", 1)
    with engine.begin() as connection:
        connection.execute(text("UPDATE deliveries SET due_ms = :d"), {"d": now_ms() + 1500})
    worker = build_worker(local_settings, engine, idle_cap=30)
    async with running(worker):
        took = await wait_for(lambda: webhook_statuses(engine, "127.0.0.1") == ["delivered"], 10)
    assert 1.0 < took < 6


async def test_a_notify_from_another_connection_wakes_a_listening_worker(
    local_settings: Settings,
    engine: Engine,
    receiver: HTTPSServer,
    make_user: MakeUser,
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's; SQLite workers poll")
    assert listen_url(engine) is not None
    # The API writes through an engine of its own, as another process would.
    writer = make_engine(local_settings.database_url)
    try:
        with TestClient(create_app(local_settings, engine=writer)) as api:
            customer, platform = make_user("customer"), make_user("platform")
            url = f"https://127.0.0.1:{receiver.port}/ok"
            subscribe(api, writer, customer, url, receiver.secret)
            worker = build_worker(local_settings, engine, idle_cap=60)
            async with running(worker):
                await asyncio.sleep(1)  # idle, listening
                await asyncio.to_thread(quota_events, api, platform, customer, "wake.example", 1)
                took = await wait_for(
                    lambda: webhook_statuses(engine, "127.0.0.1") == ["delivered"], 10
                )
            assert took < 5  # not the 60 s idle cap
    finally:
        writer.dispose()


@pytest.fixture
def admin(postgres_admin_url: str) -> Iterator[Engine]:
    engine = create_engine(f"{postgres_admin_url}/postgres", isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


async def test_defect_9_a_database_outage_is_two_log_lines_and_the_worker_backs_off(
    local_settings: Settings,
    engine: Engine,
    caplog: pytest.LogCaptureFixture,
    request: pytest.FixtureRequest,
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("the outage is made by refusing connections to a PostgreSQL database")
    database = engine.url.database
    admin: Engine = request.getfixturevalue("admin")

    def refuse(allowed: bool) -> None:
        with admin.connect() as connection:
            connection.execute(
                text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS {str(allowed).lower()}')
            )
            if not allowed:
                connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE datname = :d AND pid <> pg_backend_pid()"
                    ),
                    {"d": database},
                )

    caplog.set_level(logging.INFO, logger="mailnotify.worker")
    # Idle, it looks every 0.2 s, so the outage is met at once.
    worker = build_worker(local_settings, engine, idle_cap=0.2)
    try:
        async with running(worker):
            await asyncio.sleep(0.5)
            await asyncio.to_thread(refuse, False)
            await asyncio.sleep(4)
            await asyncio.to_thread(refuse, True)
            await wait_for(lambda: "database available again" in caplog.text, 10)
    finally:
        await asyncio.to_thread(refuse, True)
    lines = [r for r in caplog.records if r.name == "mailnotify.worker"]
    assert [r.getMessage() for r in lines if r.getMessage() == "database unavailable"] == [
        "database unavailable"
    ]
    [back] = [r for r in lines if r.getMessage() == "database available again"]
    tries = back.__dict__["failed_calls"]
    # Backing off from 0.1 s, doubling up to 5 s: a handful of tries in 4 s, not 40.
    assert 2 <= tries <= 12
    assert not any(r.exc_info for r in lines)
    assert len(lines) == 2


async def test_a_stopping_worker_gives_back_sends_that_do_not_end_in_time(
    local_settings: Settings,
    engine: Engine,
    client: TestClient,
    receiver: HTTPSServer,
    make_user: MakeUser,
) -> None:
    customer, platform = make_user("customer"), make_user("platform")
    subscribe(client, engine, customer, f"https://127.0.0.1:{receiver.port}/hang", receiver.secret)
    quota_events(client, platform, customer, "drain.example", 2)
    worker = build_worker(local_settings, engine)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    await wait_for(lambda: len(receiver.receiver.requests) >= 2, 10)
    stop.set()
    started = time.monotonic()
    await asyncio.wait_for(task, 15)
    # Three seconds of drain, not the 10 s a send may take.
    assert time.monotonic() - started < 6
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT status, attempts, lease_until_ms FROM deliveries WHERE channel = 'webhook'"
            )
        ).all()
    assert [tuple(row) for row in rows] == [("pending", 0, None)] * 2
