"""Signing secrets: creation, rotation with an overlap, and signatures a verifier accepts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, delete, update
from standardwebhooks import Webhook, WebhookVerificationError

from mailnotify.db import changing, looking_up
from mailnotify.delivery import signing
from mailnotify.models import NotificationSettings, table_of
from mailnotify.subscriptions import secrets
from mailnotify.subscriptions.secrets import SigningSecrets
from tests.mailnotify.subscriptions.helpers import new_user

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
NOW_MS = int(NOW.timestamp() * 1000)


def test_create_makes_distinct_whsec_secrets() -> None:
    made = {secrets.create() for _ in range(20)}
    assert len(made) == 20
    assert all(secret.startswith("whsec_") for secret in made)


def test_rotation_keeps_the_previous_secret_until_it_expires() -> None:
    before = SigningSecrets(secrets.create())
    after = before.rotated(now_ms=NOW_MS, overlap_seconds=3600)
    assert after.current != before.current
    assert after.valid(NOW_MS) == (after.current, before.current)
    assert after.valid(NOW_MS + 3_599_999) == (after.current, before.current)
    assert after.valid(NOW_MS + 3_600_000) == (after.current,)
    assert after.previous_expiry(NOW_MS) == NOW_MS + 3_600_000
    assert after.previous_expiry(NOW_MS + 3_600_000) is None


def test_rotation_with_no_overlap_drops_the_previous_secret_at_once() -> None:
    after = SigningSecrets(secrets.create()).rotated(now_ms=NOW_MS, overlap_seconds=0)
    assert after.valid(NOW_MS) == (after.current,)
    assert after.previous is None


@pytest.mark.parametrize("seconds", [-1, 604_801])
def test_rotation_refuses_an_overlap_outside_the_contract(seconds: int) -> None:
    with pytest.raises(ValueError, match="604800"):
        SigningSecrets(secrets.create()).rotated(now_ms=NOW_MS, overlap_seconds=seconds)


def test_a_webhook_signed_during_the_overlap_verifies_with_either_secret() -> None:
    old = SigningSecrets(secrets.create())
    new = old.rotated(now_ms=NOW_MS, overlap_seconds=86_400)
    body = b'{"id":"evt_1","action_type":"ping"}'
    now = datetime.now(UTC)
    headers = signing.headers(new.valid(NOW_MS), "evt_1", body, now)
    signatures = headers["webhook-signature"].split(" ")
    assert len(signatures) == 2
    for secret in (old.current, new.current):
        assert Webhook(secret).verify(body, headers) == {"id": "evt_1", "action_type": "ping"}
    with pytest.raises(WebhookVerificationError):
        Webhook(secrets.create()).verify(body, headers)


def test_the_new_secret_signs_first() -> None:
    old = SigningSecrets(secrets.create())
    new = old.rotated(now_ms=NOW_MS, overlap_seconds=60)
    body = b"{}"
    both = signing.headers(new.valid(NOW_MS), "evt_1", body, NOW)
    alone = signing.headers((new.current,), "evt_1", body, NOW)
    assert both["webhook-signature"].startswith(alone["webhook-signature"] + " v1,")


def test_headers_need_a_secret() -> None:
    with pytest.raises(signing.InvalidSecret, match="no signing secret"):
        signing.headers((), "evt_1", b"{}", NOW)


def test_rotate_stores_both_secrets_and_the_expiry(engine: Engine) -> None:
    user = new_user(engine)
    with changing(engine) as connection:
        before = secrets.stored(connection, user_id=user)
        after = secrets.rotate(connection, user_id=user, now_ms=NOW_MS, overlap_seconds=60)
    with looking_up(engine) as connection:
        assert secrets.stored(connection, user_id=user) == after
    assert after.previous == before.current
    assert secrets.resource(after, NOW_MS) == {
        "secret": after.current,
        "previous_expires_at": "2026-11-24T10:01:00Z",
    }
    assert secrets.resource(after, NOW_MS + 60_000)["previous_expires_at"] is None


def test_a_row_without_a_secret_gets_one_when_read(engine: Engine) -> None:
    user = new_user(engine)
    table = table_of(NotificationSettings)
    with changing(engine) as connection:
        connection.execute(update(table).where(table.c.user_id == user).values(signing_secret=None))
        made = secrets.stored(connection, user_id=user)
        assert secrets.stored(connection, user_id=user) == made
        connection.execute(delete(table).where(table.c.user_id == user))
        assert secrets.stored(connection, user_id=user).current.startswith("whsec_")
