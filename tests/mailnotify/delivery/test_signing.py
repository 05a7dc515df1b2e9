"""Signing, checked in both directions against the reference ``standardwebhooks`` package."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from mailnotify.delivery.signing import InvalidSecret, generate_secret, headers, sign

BODY = b'{"id":"evt_1","action_type":"email_overquota","crossed":80}'


def test_secrets_are_32_random_bytes_in_whsec_form() -> None:
    secret = generate_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) == 32
    assert generate_secret() != secret


def test_the_reference_verifies_our_headers() -> None:
    secret = generate_secret()
    sent = headers(secret, "evt_1", BODY, datetime.now(UTC))
    assert Webhook(secret).verify(BODY, sent) == {
        "id": "evt_1",
        "action_type": "email_overquota",
        "crossed": 80,
    }


def test_the_reference_rejects_a_changed_body_or_another_secret() -> None:
    secret = generate_secret()
    sent = headers(secret, "evt_1", BODY, datetime.now(UTC))
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY.replace(b"80", b"95"), sent)
    with pytest.raises(WebhookVerificationError):
        Webhook(generate_secret()).verify(BODY, sent)


def test_we_compute_what_the_reference_computes() -> None:
    secret = generate_secret()
    when = datetime(2026, 11, 24, 10, 0, 0, tzinfo=UTC)
    ours = sign(secret, "evt_1", int(when.timestamp()), BODY)
    assert ours == Webhook(secret).sign("evt_1", when, BODY.decode())
    assert ours.startswith("v1,")


def test_unpadded_secrets_from_elsewhere_sign_like_the_reference() -> None:
    secret = "whsec_" + base64.b64encode(b"k" * 31).decode().rstrip("=")
    assert not secret.endswith("=")
    when = datetime(2026, 1, 1, tzinfo=UTC)
    assert sign(secret, "m", int(when.timestamp()), b"{}") == Webhook(secret).sign("m", when, "{}")


def test_headers_carry_id_and_whole_second_timestamp() -> None:
    now = datetime(2026, 11, 24, 10, 0, 0, 900_000, tzinfo=UTC)
    sent = headers(generate_secret(), "evt_9", BODY, now)
    assert sent["webhook-id"] == "evt_9"
    assert sent["webhook-timestamp"] == str(int(now.timestamp()))
    assert set(sent) == {"webhook-id", "webhook-timestamp", "webhook-signature"}


def test_an_old_timestamp_is_refused_by_the_reference() -> None:
    secret = generate_secret()
    sent = headers(secret, "evt_1", BODY, datetime.now(UTC) - timedelta(hours=1))
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY, sent)


@pytest.mark.parametrize(
    ("secret", "reason"),
    [
        ("sk_QUJDREVGR0hJSktMTU5PUA==", "does not start with whsec_"),
        ("whsec_***not-base64***", "not valid base64"),
        ("whsec_QUJD$", "not valid base64"),
        ("whsec_", "empty"),
    ],
)
def test_malformed_secrets_are_refused_without_repeating_them(secret: str, reason: str) -> None:
    with pytest.raises(InvalidSecret, match=reason) as raised:
        sign(secret, "evt_1", 0, BODY)
    assert secret not in str(raised.value)


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        headers(generate_secret(), "evt_1", BODY, datetime(2026, 1, 1))


def test_during_a_rotation_both_secrets_sign_the_new_one_first() -> None:
    new, old = generate_secret(), generate_secret()
    moment = datetime.now(UTC)
    signed = headers([new, old], "msg_rotating", b'{"a": 1}', moment)
    first, second = signed["webhook-signature"].split(" ")
    assert first == sign(new, "msg_rotating", int(moment.timestamp()), b'{"a": 1}')
    assert second == sign(old, "msg_rotating", int(moment.timestamp()), b'{"a": 1}')
    for secret in (new, old):
        Webhook(secret).verify(b'{"a": 1}', signed)
