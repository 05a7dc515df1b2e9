"""Event bodies, exactly as webhooks carry them (CONTRACT §4), and their ids."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime

import orjson

from mailnotify.quota import Crossing, Metric


def new_event_id() -> str:
    """A unique, unguessable event id; receivers deduplicate on it."""
    # Time first, so inserts land at the end of the events and deliveries indexes instead of
    # all over them (a large ingest runs faster); 16 random bytes keep it unguessable.
    return "evt_" + format(time.time_ns() // 1000, "013x") + secrets.token_urlsafe(16)


def rfc3339(moment: datetime) -> str:
    """``moment`` as the API shows times: UTC, to the second, with a ``Z``."""
    # SQLite hands back naive datetimes (stored as UTC); PostgreSQL the session's zone.
    utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")


def ms_rfc3339(ms: int | None) -> str | None:
    """Milliseconds since the epoch as the API shows times, or None."""
    return None if ms is None else rfc3339(datetime.fromtimestamp(ms / 1000, UTC))


def email_overquota(
    *,
    event_id: str,
    created_at: datetime,
    crossing: Crossing,
    metric: Metric,
    domain_name: str,
    email_address: str,
    email_code: str,
    used: int,
    assigned: int,
) -> bytes:
    """The ``email_overquota`` webhook body."""
    return orjson.dumps(
        {
            "id": event_id,
            "created_at": rfc3339(created_at),
            "action_type": "email_overquota",
            "event": crossing.event,
            "metric": metric.value,
            "domain_name": domain_name,
            "payload": {
                "email_address": email_address,
                "email_code": email_code,
                "assigned_size": assigned,
                "used_size": used,
                "crossed": crossing.crossed,
            },
        }
    )


def domain_create(
    *,
    event_id: str,
    created_at: datetime,
    domain_name: str,
    postmaster_code: str,
    postmaster_token: str | None,
) -> bytes:
    """The ``domain_create`` webhook body; the token only when the platform supplied one."""
    body: dict[str, object] = {
        "id": event_id,
        "created_at": rfc3339(created_at),
        "action_type": "domain_create",
        "domain_name": domain_name,
        "postmaster_code": postmaster_code,
    }
    if postmaster_token is not None:
        body["postmaster_token"] = postmaster_token
    return orjson.dumps(body)
