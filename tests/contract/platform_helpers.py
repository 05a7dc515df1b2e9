"""Helpers for tests that drive the platform intake over HTTP."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, text
from starlette.testclient import TestClient

from tests.conftest import Account

HOOK = "https://hooks.example.com/mail"


def put_domain(client: TestClient, platform: Account, name: str, **fields: Any) -> Any:
    """PUT a domain; the response."""
    body = {"postmaster_code": "PM4D5E6", "status": "active", **fields}
    return client.put(f"/api/platform/domains/{name}", json=body, headers=platform.headers)


def report(
    code: str,
    domain: str,
    *,
    space: tuple[int, int] = (0, 100),
    messages: tuple[int, int] = (0, 100),
    at: str = "2026-11-24T10:00:00Z",
    address: str | None = None,
) -> dict[str, Any]:
    """One usage report."""
    return {
        "email_address": address or f"{code.lower()}@{domain}",
        "email_code": code,
        "domain_name": domain,
        "observed_at": at,
        "space": {"used": space[0], "assigned": space[1]},
        "messages": {"used": messages[0], "assigned": messages[1]},
    }


def post_usage(client: TestClient, platform: Account, *reports: dict[str, Any]) -> Any:
    """POST a usage batch; the response."""
    return client.post(
        "/api/platform/usage", json={"reports": list(reports)}, headers=platform.headers
    )


def enable(client: TestClient, account: Account, **fields: Any) -> None:
    """Save destinations and switch actions on."""
    body = {"notification_url": HOOK, "notification_email": "ops@example.com", **fields}
    response = client.put("/api/users/me/notifications", json=body, headers=account.headers)
    assert response.status_code == 200, response.text


def events(engine: Engine) -> list[dict[str, Any]]:
    """Every event, oldest first, with its body parsed."""
    import json

    with engine.connect() as connection:
        rows = (
            connection.execute(
                text("SELECT id, action_type, body FROM events ORDER BY created_at, id")
            )
            .mappings()
            .all()
        )
    return [{**row, "body": json.loads(row["body"])} for row in rows]


def deliveries(engine: Engine) -> list[tuple[str, str, str | None, str | None]]:
    """(event action type, channel, recipient user code, recipient address) per delivery."""
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT e.action_type, d.channel, u.code, d.recipient FROM deliveries d "
                "JOIN events e ON e.id = d.event_id LEFT JOIN users u ON u.id = d.user_id "
                "ORDER BY d.id"
            )
        ).all()
    return [(row[0], row[1], row[2], row[3]) for row in rows]
