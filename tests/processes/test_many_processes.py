"""Two servers and two workers on one PostgreSQL (CONTRACT §8), with real processes.

Every event raised through either server is delivered, by one worker at a time; a
PostgreSQL stopped under load loses no acknowledged write, and every process resumes by
itself when it is back.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, text

from bench.soak_procs import Postgres, create_database
from mailnotify import accounts, migrate
from mailnotify.db import make_engine, writing
from mailnotify.metrics import samples
from mailnotify.models import Role
from tests.conftest import Account, MakeUser
from tests.contract.platform_helpers import report
from tests.pg import postgres_server
from tests.processes.cluster import cluster, environment, overlapping, wait_until
from tests.processes.conftest import TimingServer

POSTGRES_ONLY = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
CUSTOMERS = 20
MAILBOXES_PER_DOMAIN = 33  # 20 domains x 33 mailboxes x 3 crossings + 20 activations = 2000
ROUNDS = (("2026-11-24T10:00:00Z", 90), ("2026-11-24T10:05:00Z", 97), ("2026-11-24T10:10:00Z", 10))


def _subscribe(base: str, account: Account, url: str) -> None:
    body = {
        "notification_url": url,
        "email_overquota_callback": True,
        "domain_create_callback": True,
    }
    response = httpx.put(f"{base}/api/users/me/notifications", json=body, headers=account.headers)
    assert response.status_code == 200, response.text


def _use_receiver_secret(engine: Engine, secret: str) -> None:
    # The receiver verifies with one secret; give every account that one.
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE notification_settings SET signing_secret = :s"), {"s": secret}
        )


def _webhook_status(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT status, count(*) FROM deliveries WHERE channel = 'webhook' GROUP BY status"
            )
        )
        return {status: count for status, count in rows}


def _event_ids(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return {row[0] for row in connection.execute(text("SELECT id FROM events"))}


@POSTGRES_ONLY
def test_two_servers_and_two_workers_deliver_every_event_once_at_a_time(
    database_url: str,
    engine: Engine,
    make_user: MakeUser,
    timing_receiver: TimingServer,
    tmp_path: Path,
) -> None:
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env = environment(database_url, timing_receiver.ca_bundle)
    env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    customers = [make_user("customer") for _ in range(CUSTOMERS)]
    platform = make_user("platform")
    with cluster(env, tmp_path) as running:
        servers = [running.serve("serve-a"), running.serve("serve-b")]
        for n, customer in enumerate(customers):
            _subscribe(servers[n % 2], customer, timing_receiver.url())
        _use_receiver_secret(engine, timing_receiver.receiver.secret)
        running.worker("worker-a")
        running.worker("worker-b")

        acknowledged = 0
        with httpx.Client(timeout=60) as client:
            for n, customer in enumerate(customers):
                response = client.put(
                    f"{servers[n % 2]}/api/platform/domains/d{n}.example",
                    json={
                        "customer_code": customer.code,
                        "postmaster_code": "PM4D5E6",
                        "status": "active",
                    },
                    headers=platform.headers,
                )
                assert response.status_code == 200, response.text
                acknowledged += 1
            batch_number = 0
            for observed_at, percent in ROUNDS:
                reports = [
                    report(f"M{d}X{m}", f"d{d}.example", space=(percent, 100), at=observed_at)
                    for d in range(CUSTOMERS)
                    for m in range(MAILBOXES_PER_DOMAIN)
                ]
                for start in range(0, len(reports), 110):
                    response = client.post(
                        f"{servers[batch_number % 2]}/api/platform/usage",
                        json={"reports": reports[start : start + 110]},
                        headers=platform.headers,
                    )
                    batch_number += 1
                    assert response.status_code == 200, response.text
                    acknowledged += response.json()["resources"][0]["events"]
        assert acknowledged == 2000

        try:
            wait_until(
                lambda: _webhook_status(engine) == {"delivered": 2000}, "2 000 deliveries", 180
            )
        except AssertionError:
            raise AssertionError(f"{_webhook_status(engine)}\n{running.log_tail()}") from None
        scraped = {
            base: {
                (n, tuple(sorted(labels.items()))): v
                for n, labels, v in samples(httpx.get(f"{base}/metrics").text)
            }
            for base in servers
        }

    arrivals = timing_receiver.receiver.arrivals
    assert {a.webhook_id for a in arrivals} == _event_ids(engine)
    assert all(a.verified for a in arrivals)
    assert overlapping(arrivals) == []
    # Nothing failed or was killed, so nothing was sent twice either.
    assert len(arrivals) == 2000
    # One directory for all four processes: either server's scrape counts every delivery.
    delivered = ("mailnotify_deliveries_total", (("channel", "webhook"), ("outcome", "delivered")))
    for base in servers:
        assert scraped[base].get(delivered) == 2000, base
    usage = ("mailnotify_http_requests_total", (("operation", "reportUsage"), ("status", "200")))
    requests = {k: v for k, v in scraped[servers[0]].items() if k[0] == usage[0]}
    assert scraped[servers[0]].get(usage) == 18, requests


# --- PostgreSQL stopped under load ------------------------------------------------------------


@dataclass
class Load:
    """Usage batches sent in turn to each server until stopped; what each answer was."""

    servers: list[str]
    platform: Account
    domains: list[str]
    answers: list[tuple[float, float, int, list[str]]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        n = 0
        with httpx.Client(timeout=30) as client:
            while not self.stop.is_set():
                domain = self.domains[n % len(self.domains)]
                codes = [f"B{n}X{m}" for m in range(10)]
                body = {"reports": [report(code, domain, space=(90, 100)) for code in codes]}
                started = time.monotonic()
                try:
                    response = client.post(
                        f"{self.servers[n % 2]}/api/platform/usage",
                        json=body,
                        headers=self.platform.headers,
                    )
                    status = response.status_code
                except httpx.HTTPError:
                    status = 0
                self.answers.append((started, time.monotonic(), status, codes))
                n += 1
                time.sleep(0.05)

    def acknowledged(self) -> list[str]:
        return [code for _, _, status, codes in self.answers if status == 200 for code in codes]

    def answered_200_after(self, moment: float) -> int:
        return sum(
            1 for started, _, status, _ in self.answers if started > moment and status == 200
        )


@pytest.fixture
def own_postgres() -> Iterator[tuple[Postgres, str]]:
    """A PostgreSQL server of this test's own (the suite's shared one keeps running)."""
    with postgres_server() as admin_url:
        url = create_database(admin_url, "faults")
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        yield Postgres(admin_url), url


def _user(engine: Engine, role: Role) -> Account:
    with writing(engine) as session:
        created = accounts.create_user(session=session, role=role)
    return Account(created.code, created.token)


def test_postgres_stopped_under_load_loses_no_acknowledged_event(
    own_postgres: tuple[Postgres, str], timing_receiver: TimingServer, tmp_path: Path
) -> None:
    postgres, url = own_postgres
    engine = make_engine(url)
    customers = [_user(engine, Role.customer) for _ in range(4)]
    platform = _user(engine, Role.platform)
    env = environment(url, timing_receiver.ca_bundle)
    try:
        with cluster(env, tmp_path) as running:
            servers = [running.serve("serve-a"), running.serve("serve-b")]
            domains = []
            for n, customer in enumerate(customers):
                _subscribe(servers[n % 2], customer, timing_receiver.url())
                domain = f"f{n}.example"
                response = httpx.put(
                    f"{servers[0]}/api/platform/domains/{domain}",
                    json={
                        "customer_code": customer.code,
                        "postmaster_code": "PM4D5E6",
                        "status": "active",
                    },
                    headers=platform.headers,
                )
                assert response.status_code == 200, response.text
                domains.append(domain)
            _use_receiver_secret(engine, timing_receiver.receiver.secret)
            running.worker("worker-a")
            running.worker("worker-b")

            load = Load(servers, platform, domains)
            thread = threading.Thread(target=load.run, daemon=True)
            thread.start()
            try:
                wait_until(lambda: len(load.acknowledged()) >= 30, "load before the stop", 60)
                postgres.stop()
                down_at = time.monotonic()
                time.sleep(3)
                readyz = httpx.get(f"{servers[0]}/readyz", timeout=10)
                while_down = httpx.get(
                    f"{servers[1]}/api/users/me/notifications",
                    headers=customers[0].headers,
                    timeout=10,
                )
                postgres.start()
                up_at = time.monotonic()
                # Both servers take writes again by themselves.
                wait_until(
                    lambda: load.answered_200_after(up_at) >= 4, "writes after the restart", 60
                )
            finally:
                load.stop.set()
                thread.join(60)

            acknowledged = set(load.acknowledged())
            with engine.connect() as connection:
                bodies = [row[0] for row in connection.execute(text("SELECT body FROM events"))]
            raised = {json.loads(body).get("payload", {}).get("email_code") for body in bodies}
            missing = acknowledged - raised
            assert not missing, f"{len(missing)} acknowledged events lost"
            # The workers resume by themselves and deliver every event the database holds.
            expected = _event_ids(engine)
            try:
                wait_until(
                    lambda: expected <= {a.webhook_id for a in timing_receiver.receiver.arrivals},
                    "every event delivered after the restart",
                    120,
                )
            except AssertionError:
                raise AssertionError(f"{_webhook_status(engine)}\n{running.log_tail()}") from None
            assert all(p.poll() is None for p in running.processes.values()), running.log_tail()
    finally:
        engine.dispose()

    assert overlapping(timing_receiver.receiver.arrivals) == []
    assert readyz.status_code == 503
    durations = [ended - started for started, ended, _, _ in load.answers]
    assert max(durations) < 15, "a request hung while the database was down"
    outage = [status for started, _, status, _ in load.answers if down_at <= started <= up_at]
    assert outage, "no request was sent while the database was down"
    assert set(outage) <= {200, 503}, outage
    assert while_down.status_code == 503
    assert "retry-after" in while_down.headers
