"""The delivery operations through the SDK: the lazy walk over every page, rotation."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import httpx
from mailnotify_sdk import AsyncClient, Client, verify_webhook
from mailnotify_sdk._client import PAGE_SIZE
from sqlalchemy import Engine, insert, text
from standardwebhooks import Webhook
from starlette.types import ASGIApp

from mailnotify.delivery import signing
from mailnotify.models import Delivery, Event, new_delivery_id, table_of
from mailnotify.subscriptions import secrets
from mailnotify.subscriptions.secrets import SigningSecrets
from tests.conftest import Account
from tests.sdk.conftest import ORIGIN, SyncASGITransport

COUNT = PAGE_SIZE * 2 + 5


def add_deliveries(engine: Engine, account: Account, count: int = COUNT) -> list[str]:
    """``count`` webhook deliveries of one event for ``account``; their ids, newest first."""
    ids = [new_delivery_id() for _ in range(count)]
    with engine.begin() as connection:
        user_id = connection.execute(
            text("SELECT id FROM users WHERE code = :c"), {"c": account.code}
        ).scalar_one()
        connection.execute(
            insert(table_of(Event)).values(
                id="evt_walk",
                action_type="domain_create",
                domain_name="x.com",
                created_at=datetime.now(UTC),
                body="{}",
            )
        )
        connection.execute(
            insert(table_of(Delivery)),
            [
                {
                    "public_id": public_id,
                    "event_id": "evt_walk",
                    "user_id": user_id,
                    "channel": "webhook",
                    "status": "pending",
                    "attempts": 0,
                    "due_ms": 0,
                    "created_ms": index,
                }
                for index, public_id in enumerate(ids)
            ],
        )
    return ids[::-1]


class Counting(SyncASGITransport):
    """Counts the requests it carries."""

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app)
        self.requests = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        return super().handle_request(request)


def test_list_deliveries_walks_every_page_lazily(
    app: ASGIApp, engine: Engine, customer: Account
) -> None:
    newest_first = add_deliveries(engine, customer)
    transport = Counting(app)
    with Client(ORIGIN, customer.token, transport=transport) as client:
        walk = client.list_deliveries(channel="webhook")
        assert transport.requests == 0
        first = next(iter(walk))
        assert (first.id, transport.requests) == (newest_first[0], 1)
        rest = [delivery.id for delivery in walk]
    assert [first.id, *rest] == newest_first
    assert transport.requests == 3


async def test_the_async_walk_is_the_same(app: ASGIApp, engine: Engine, customer: Account) -> None:
    newest_first = add_deliveries(engine, customer)
    transport = httpx.ASGITransport(app=app)
    async with AsyncClient(ORIGIN, customer.token, transport=transport) as client:
        found = [delivery.id async for delivery in client.list_deliveries()]
        assert found == newest_first
        assert [d.id async for d in client.list_deliveries(status="delivered")] == []


def test_verify_webhook_takes_the_old_or_new_secret_during_a_rotation() -> None:
    old = SigningSecrets(secrets.create())
    new = old.rotated(now_ms=int(time.time() * 1000), overlap_seconds=60)
    body = b'{"id": "evt_1", "created_at": "2026-11-24T10:00:00Z", "action_type": "ping"}'
    headers: dict[str, Any] = signing.headers(
        new.valid(int(time.time() * 1000)), "evt_1", body, datetime.now(UTC)
    )
    for secret in (old.current, new.current, [secrets.create(), old.current]):
        assert verify_webhook(body, headers, secret).action_type == "ping"
    assert Webhook(new.current).verify(body, headers)["id"] == "evt_1"
