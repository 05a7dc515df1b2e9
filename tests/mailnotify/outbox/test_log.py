"""The delivery log's queries, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, event, insert, select

from mailnotify import accounts, events
from mailnotify.db import changing, looking_up, writing
from mailnotify.models import Channel, Delivery, DeliveryAttempt, Role, table_of
from mailnotify.outbox import log
from mailnotify.outbox.log import DeliveryFilter
from mailnotify.outbox.writer import Outbox

T0 = 1_795_514_400_000  # 2026-11-24T10:00:00Z


def _user(engine: Engine) -> int:
    with writing(engine) as session:
        code = accounts.create_user(session=session, role=Role.customer).code
        user = accounts.user_by_code(session=session, code=code)
        assert user.id is not None
        return user.id


def _event(
    engine: Engine,
    recipients: list[tuple[int | None, Channel, str | None]],
    *,
    action_type: str = "domain_create",
    now_ms: int = T0,
) -> str:
    event_id = events.new_event_id()
    outbox = Outbox(now=datetime.fromtimestamp(now_ms / 1000, UTC), now_ms=now_ms)
    outbox.add(
        action_type=action_type,
        domain_name="example.com",
        event_id=event_id,
        body=b"{}",
        recipients=recipients,
    )
    with writing(engine) as session:
        outbox.write(session)
    return event_id


def _ids(engine: Engine, event_id: str) -> list[tuple[int, str]]:
    deliveries = table_of(Delivery)
    with looking_up(engine) as connection:
        query = select(deliveries.c.id, deliveries.c.public_id).where(
            deliveries.c.event_id == event_id
        )
        return [(row.id, row.public_id) for row in connection.execute(query)]


def _attempt(engine: Engine, delivery_id: int, number: int, **values: object) -> None:
    row = {
        "delivery_id": delivery_id,
        "number": number,
        "started_at": datetime.fromtimestamp((T0 + number * 1000) / 1000, UTC),
        "duration_ms": 12,
        **values,
    }
    with changing(engine) as connection:
        connection.execute(insert(table_of(DeliveryAttempt)).values(**row))


def _list(engine: Engine, user_id: int, page: int = 1, per: int = 25, **where: object) -> log.Page:
    with looking_up(engine) as connection:
        return log.list_deliveries(
            connection,
            user_id=user_id,
            where=DeliveryFilter(**where),  # type: ignore[arg-type]
            page=page,
            per=per,
        )


def test_a_users_deliveries_come_newest_first_with_pagination(engine: Engine) -> None:
    user = _user(engine)
    made = [_event(engine, [(user, Channel.webhook, None)], now_ms=T0 + i) for i in range(5)]
    first = _list(engine, user, page=1, per=2)
    assert [d["event_id"] for d in first.resources] == [made[4], made[3]]
    assert first.body()["pagination"] == {
        "per": 2,
        "page": 1,
        "total_pages": 3,
        "total_records": 5,
    }
    last = _list(engine, user, page=3, per=2)
    assert [d["event_id"] for d in last.resources] == [made[0]]
    assert _list(engine, user, page=4, per=2).resources == []


def test_a_delivery_shows_the_contract_fields(engine: Engine) -> None:
    user = _user(engine)
    event_id = _event(engine, [(user, Channel.webhook, None)])
    [resource] = _list(engine, user).resources
    assert resource == {
        "id": _ids(engine, event_id)[0][1],
        "event_id": event_id,
        "action_type": "domain_create",
        "channel": "webhook",
        "destination": None,
        "status": "pending",
        "attempt_count": 0,
        "created_at": "2026-11-24T10:00:00Z",
        "next_attempt_at": "2026-11-24T10:00:00Z",
        "delivered_at": None,
        "last_attempt": None,
    }
    assert str(resource["id"]).startswith("dlv_")


def test_other_users_and_mailbox_warnings_are_not_listed(engine: Engine) -> None:
    user, other = _user(engine), _user(engine)
    _event(engine, [(other, Channel.webhook, None), (None, Channel.mailbox_email, "a@x.com")])
    mine = _event(engine, [(user, Channel.email, None)], action_type="email_overquota")
    assert [d["event_id"] for d in _list(engine, user).resources] == [mine]
    [(_, public_id)] = [p for p in _ids(engine, mine)]
    with looking_up(engine) as connection:
        assert log.get_delivery(connection, user_id=other, public_id=public_id) is None
        assert log.get_delivery(connection, user_id=user, public_id="dlv_nope") is None


def test_filters_combine(engine: Engine) -> None:
    user = _user(engine)
    quota = _event(
        engine,
        [(user, Channel.webhook, None), (user, Channel.email, None)],
        action_type="email_overquota",
        now_ms=T0,
    )
    domain = _event(engine, [(user, Channel.webhook, None)], now_ms=T0 + 60_000)

    def by(**where: Any) -> list[tuple[object, object]]:
        return [(d["event_id"], d["channel"]) for d in _list(engine, user, **where).resources]

    assert by(action_type="domain_create") == [(domain, "webhook")]
    assert by(channel="email") == [(quota, "email")]
    assert by(event_id=quota, channel="webhook") == [(quota, "webhook")]
    assert by(since_ms=T0 + 1) == [(domain, "webhook")]
    assert by(until_ms=T0 + 1) == [(quota, "email"), (quota, "webhook")]
    assert by(status="delivered") == []
    assert len(by(status="pending")) == 3
    assert _list(engine, user, action_type="email_overquota").total_records == 2


def test_the_last_attempt_and_every_attempt_in_order(engine: Engine) -> None:
    user = _user(engine)
    event_id = _event(engine, [(user, Channel.webhook, None)])
    [(delivery_id, public_id)] = _ids(engine, event_id)
    _attempt(engine, delivery_id, 1, error="connection refused")
    _attempt(engine, delivery_id, 2, status_code=500, error="HTTP 500", response_excerpt="oops")
    [listed] = _list(engine, user).resources
    assert listed["last_attempt"] == {
        "number": 2,
        "started_at": "2026-11-24T10:00:02Z",
        "duration_ms": 12,
        "status_code": 500,
        "error": "HTTP 500",
        "response_excerpt": "oops",
    }
    with looking_up(engine) as connection:
        found = log.get_delivery(connection, user_id=user, public_id=public_id)
    assert found is not None
    attempts = found["attempts"]
    assert isinstance(attempts, list)
    assert [a["number"] for a in attempts] == [1, 2]
    assert attempts[0]["error"] == "connection refused"
    assert found["last_attempt"] == attempts[1]


def test_redeliver_queues_the_delivery_now_whatever_its_status(engine: Engine) -> None:
    user = _user(engine)
    event_id = _event(engine, [(user, Channel.webhook, None)])
    [(delivery_id, public_id)] = _ids(engine, event_id)
    deliveries = table_of(Delivery)
    with changing(engine) as connection:
        connection.execute(
            deliveries.update()
            .where(deliveries.c.id == delivery_id)
            .values(status="failed", attempts=8, due_ms=T0 + 10)
        )
        queued = log.redeliver(connection, user_id=user, public_id=public_id, now_ms=T0 + 99_000)
    assert queued is not None
    assert queued["status"] == "pending"
    assert queued["attempt_count"] == 8
    assert queued["next_attempt_at"] == "2026-11-24T10:01:39Z"
    assert "attempts" not in queued
    with changing(engine) as connection:
        assert log.redeliver(connection, user_id=user + 1, public_id=public_id, now_ms=T0) is None


def test_the_listing_and_its_count_walk_the_user_index(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("query plans are checked on SQLite, whose planner is deterministic")
    user = _user(engine)
    statements: list[tuple[str, object]] = []

    def remember(_c: object, _cur: object, sql: str, params: object, *_: object) -> None:
        statements.append((sql, params))

    event.listen(engine, "before_cursor_execute", remember)
    try:
        page = _list(engine, user, page=400)
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    assert page.body()["pagination"] == {
        "per": 25,
        "page": 400,
        "total_pages": 0,
        "total_records": 0,
    }
    with looking_up(engine) as connection:
        listing = [(sql, params) for sql, params in statements if "FROM deliveries" in sql]
        assert len(listing) == 2
        for sql, params in listing:
            plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params).all()  # type: ignore[arg-type]
            details = " ".join(str(row[-1]) for row in plan)
            assert "ix_deliveries_user_id_id" in details, details
            assert "SCAN deliveries" not in details.replace("USING COVERING INDEX", ""), details


def test_the_count_stops_at_its_limit_and_pages_go_on(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(log, "COUNT_LIMIT", 3)
    user = _user(engine)
    made = [_event(engine, [(user, Channel.webhook, None)], now_ms=T0 + i) for i in range(5)]
    first = _list(engine, user, page=1, per=2)
    assert first.body()["pagination"] == {
        "per": 2,
        "page": 1,
        "total_pages": 2,
        "total_records": 3,
    }
    assert [d["event_id"] for d in _list(engine, user, page=3, per=2).resources] == [made[0]]
