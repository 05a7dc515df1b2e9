"""``GET /metrics`` after real traffic, parsed with prometheus-client's own parser (CONTRACT §8)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from connexion import AsyncApp
from sqlalchemy import Engine, text
from starlette.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from mailnotify.app import create_app
from mailnotify.config import Settings
from mailnotify.metrics import ENV, Metrics, OutboxCollector, OutboxState, samples, scrape
from mailnotify.metrics_middleware import RequestMetricsMiddleware, operation_of
from tests.conftest import Account, MakeUser
from tests.contract.platform_helpers import post_usage, put_domain, report
from tests.receivers import HTTPSServer

Series = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(body: str) -> Series:
    return {(name, frozenset(labels.items())): value for name, labels, value in samples(body)}


def value(series: Series, name: str, **labels: str) -> float:
    return series.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
def local(settings: Settings, receiver: HTTPSServer) -> Settings:
    return settings.model_copy(
        update={
            "webhook_allow_cidrs": "127.0.0.0/8",
            "webhook_ca_bundle": receiver.ca_bundle,
            "embedded_worker": True,
        }
    )


@pytest.fixture
def app(local: Settings, engine: Engine) -> AsyncApp:
    return create_app(local, engine=engine)


@pytest.fixture
def client(app: AsyncApp) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def _subscribe(
    client: TestClient, engine: Engine, customer: Account, port: int, secret: str
) -> None:
    response = client.put(
        "/api/users/me/notifications",
        headers=customer.headers,
        json={
            "notification_url": f"https://127.0.0.1:{port}/ok",
            "email_overquota_callback": True,
            "domain_create_callback": True,
        },
    )
    assert response.status_code == 200, response.text
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE notification_settings SET signing_secret = :s"), {"s": secret}
        )


DELIVERED = "mailnotify_deliveries_total"
WEBHOOK_OK = {"channel": "webhook", "outcome": "delivered"}


def test_metrics_count_requests_intake_events_and_deliveries(
    client: TestClient,
    engine: Engine,
    make_user: MakeUser,
    receiver: HTTPSServer,
) -> None:
    customer, platform = make_user("customer"), make_user("platform")
    _subscribe(client, engine, customer, receiver.port, receiver.secret)
    for _ in range(3):
        assert (
            client.get("/api/users/me/notifications", headers=customer.headers).status_code == 200
        )
    assert client.get("/api/users/me/notifications").status_code == 401
    assert client.get("/api/users/nobody/x").status_code == 404
    assert (
        put_domain(client, platform, "example.com", customer_code=customer.code).status_code == 200
    )
    batch = [report(f"E{i}", "example.com", space=(90, 100)) for i in range(4)]
    assert post_usage(client, platform, *batch).json()["resources"][0]["events"] == 4
    older = report("E0", "example.com", space=(10, 100), at="2026-01-01T00:00:00Z")
    assert post_usage(client, platform, older).json()["resources"][0]["ignored"] == 1

    # The embedded worker counts into the app's own series.
    deadline = time.monotonic() + 30
    skipped = {"channel": "mailbox_email", "outcome": "skipped"}
    while True:
        seen = parse(client.get("/metrics").text)
        if value(seen, DELIVERED, **WEBHOOK_OK) >= 5 and value(seen, DELIVERED, **skipped) >= 4:
            break
        assert time.monotonic() < deadline, "the embedded worker did not deliver"
        time.sleep(0.05)

    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    series = parse(response.text)
    requests = "mailnotify_http_requests_total"
    assert value(series, requests, operation="getNotificationSettings", status="200") == 3
    assert value(series, requests, operation="getNotificationSettings", status="401") == 1
    assert value(series, requests, operation="updateNotificationSettings", status="200") == 1
    assert value(series, requests, operation="unmatched", status="404") == 1
    assert value(series, requests, operation="metrics", status="200") >= 1
    histogram = "mailnotify_http_request_duration_seconds_count"
    assert value(series, histogram, operation="getNotificationSettings") == 4
    assert value(series, "mailnotify_usage_reports_total", result="applied") == 4
    assert value(series, "mailnotify_usage_reports_total", result="ignored") == 1
    assert value(series, "mailnotify_events_total", action_type="email_overquota") == 4
    assert value(series, "mailnotify_events_total", action_type="domain_create") == 1
    deliveries = DELIVERED
    assert value(series, deliveries, **WEBHOOK_OK) == 5
    # No SMTP here: the mailbox warnings are skipped (CONTRACT §7), not retried.
    assert value(series, deliveries, channel="mailbox_email", outcome="skipped") == 4
    latency = "mailnotify_event_to_delivery_seconds_count"
    assert value(series, latency, channel="webhook") == 5
    assert value(series, "mailnotify_outbox_up") == 1
    assert value(series, "mailnotify_outbox_pending") == 0
    assert value(series, "mailnotify_outbox_oldest_due_seconds") >= 0
    # No user data in any label: no path, address, code, domain or token.
    forbidden = ("example.com", "/", customer.code, platform.code)
    for name, labels, _ in samples(response.text):
        leaks = [f for f in forbidden for label in labels.values() if f in label.lower()]
        assert not leaks, (name, labels)


def test_outbox_gauges_are_skipped_when_the_database_does_not_answer() -> None:
    def hang() -> OutboxState:
        time.sleep(5)
        raise AssertionError("unreachable")

    collector = OutboxCollector(hang, timeout=0.2)
    series = parse(scrape(Metrics(), collector).decode())
    assert value(series, "mailnotify_outbox_up") == 0
    assert ("mailnotify_outbox_pending", frozenset()) not in series


def test_operation_labels_never_carry_the_raw_path() -> None:
    assert operation_of({"path": "/api/platform/domains/secret.example"}, "/api/ui") == "unmatched"
    routed = {"path": "/x", "extensions": {"connexion_routing": {"operation_id": "upsertDomain"}}}
    assert operation_of(routed, "/api/ui") == "upsertDomain"
    assert operation_of({"path": "/api/ui/index.html"}, "/api/ui") == "docs"
    assert operation_of({"path": "/readyz"}, "/api/ui") == "readyz"


async def test_operation_is_seen_when_the_server_gives_the_scope_no_extensions() -> None:
    # uvicorn's scopes have no "extensions"; Connexion's routing notes the operation in a
    # shallow copy of the scope, which the middleware saw only when the dict was shared.
    metrics = Metrics()

    async def routed(scope: Scope, receive: Receive, send: Send) -> None:
        copy = dict(scope)
        routing = copy.setdefault("extensions", {}).setdefault("connexion_routing", {})
        routing["operation_id"] = "reportUsage"
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(_message: Message) -> None:
        return None

    middleware = RequestMetricsMiddleware(routed, metrics=metrics, docs_prefix="/api/ui")
    await middleware({"type": "http", "path": "/api/platform/usage"}, receive, send)
    series = parse(scrape(metrics, None).decode())
    requests = "mailnotify_http_requests_total"
    assert value(series, requests, operation="reportUsage", status="200") == 1


# Multiprocess mode changes prometheus-client's state for the whole process: these tests run
# their processes as subprocesses, so that nothing leaks into the rest of the suite.
_COUNT_ONE = """
from mailnotify.metrics import Metrics, join_multiprocess_dir
join_multiprocess_dir()
Metrics().delivery("webhook", "delivered")
"""
_SCRAPE = """
from mailnotify.metrics import Metrics, join_multiprocess_dir, scrape
join_multiprocess_dir()
print(scrape(Metrics(), None).decode())
"""
_SERVE_WITH_A_CHILD = """
import os, subprocess, sys
from mailnotify.metrics import Metrics, clear_multiprocess_dir, scrape, use_multiprocess_dir
directory = use_multiprocess_dir()
assert directory is not None and not list(directory.iterdir())
subprocess.run([sys.executable, "-c", sys.argv[1]], check=True)
subprocess.run([sys.executable, "-c", sys.argv[1]], check=True)
print(scrape(Metrics(), None).decode())
clear_multiprocess_dir(directory)
assert not directory.exists()
"""


def _python(code: str, *args: str, directory: Path | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if k != ENV}
    if directory is not None:
        env[ENV] = str(directory)
    done = subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_process_that_joins_keeps_the_counts_of_processes_that_are_gone(
    tmp_path: Path,
) -> None:
    # A restarted worker used to delete a killed one's files: the sums dropped, which
    # Prometheus reads as a counter reset.
    _python(_COUNT_ONE, directory=tmp_path)
    _python(_COUNT_ONE, directory=tmp_path)
    series = parse(_python(_SCRAPE, directory=tmp_path))
    assert value(series, DELIVERED, **WEBHOOK_OK) == 2


def test_a_serving_process_gives_its_children_a_fresh_directory() -> None:
    series = parse(_python(_SERVE_WITH_A_CHILD, _COUNT_ONE))
    assert value(series, DELIVERED, **WEBHOOK_OK) == 2
