"""mailnotify_sdk._webhooks: Standard Webhooks both ways with the reference, typed events."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from mailnotify_sdk import (
    DomainCreateEvent,
    EmailOverquotaEvent,
    InvalidArgumentError,
    UnknownEvent,
    WebhookError,
    parse_webhook,
    sign_webhook,
    verify_webhook,
)
from mailnotify_sdk._webhooks import EVENTS
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from mailnotify.delivery import signing
from tests.conftest import Account
from tests.sdk.conftest import Connect

SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()
OTHER_SECRET = "whsec_" + base64.b64encode(b"o" * 32).decode()
SPEC_PATH = Path(__file__).parents[2] / "openapi.yaml"


def event_examples() -> dict[str, dict[str, Any]]:
    """Schema name -> example, for every webhook event in openapi.yaml."""
    schemas = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))["components"]["schemas"]
    return {
        name: schema["example"]
        for name, schema in schemas.items()
        # Webhook bodies, not the delivery log's resources, which name an action_type too.
        if "action_type" in schema.get("properties", {}) and name.endswith("Event")
    }


QUOTA = json.dumps(event_examples()["EmailOverquotaEvent"]).encode()
DOMAIN = json.dumps(event_examples()["DomainCreateEvent"]).encode()


def reference_headers(body: bytes, secret: str = SECRET, at: float | None = None) -> dict[str, str]:
    """Headers signed by the reference ``standardwebhooks`` package."""
    when = datetime.fromtimestamp(time.time() if at is None else at, tz=UTC)
    return {
        "webhook-id": "evt_1",
        "webhook-timestamp": str(int(when.timestamp())),
        "webhook-signature": Webhook(secret).sign("evt_1", when, body.decode()),
    }


def test_we_accept_the_references_signatures() -> None:
    event = verify_webhook(QUOTA, reference_headers(QUOTA), SECRET)
    assert isinstance(event, EmailOverquotaEvent)
    assert (event.event, event.metric, event.payload.crossed) == ("exceeded", "space", 80)
    assert event.created_at == datetime(2026, 11, 24, 10, tzinfo=UTC)


def test_the_reference_accepts_our_signatures() -> None:
    headers = sign_webhook(DOMAIN, SECRET, webhook_id="evt_2")
    assert Webhook(SECRET).verify(DOMAIN, headers) == json.loads(DOMAIN)
    with pytest.raises(WebhookVerificationError):
        Webhook(OTHER_SECRET).verify(DOMAIN, headers)


async def test_the_servers_signatures_verify_with_the_secret_it_hands_out(
    connect: Connect, customer: Account
) -> None:
    secret = (await connect(customer.token).get_signing_secret()).secret
    headers = signing.headers(secret, "evt_3", DOMAIN, datetime.now(UTC))
    assert isinstance(verify_webhook(DOMAIN, headers, secret), DomainCreateEvent)


def test_headers_are_matched_in_any_case_and_str_bodies_work() -> None:
    headers = {name.upper(): value for name, value in reference_headers(QUOTA).items()}
    assert isinstance(verify_webhook(QUOTA.decode(), headers, SECRET), EmailOverquotaEvent)


def test_any_one_of_several_signatures_may_match() -> None:
    headers = reference_headers(QUOTA)
    good = headers["webhook-signature"]
    wrong = reference_headers(QUOTA, OTHER_SECRET)["webhook-signature"]
    headers["webhook-signature"] = f"{wrong} v2,{good[3:]} v1,!!notbase64 junk {good}"
    assert isinstance(verify_webhook(QUOTA, headers, SECRET), EmailOverquotaEvent)


def signed(**changes: str) -> dict[str, str]:
    return {**reference_headers(QUOTA), **changes}


# Each case is built when the test runs, so that its timestamps are fresh.
REFUSED: dict[str, tuple[Callable[[], tuple[bytes, dict[str, str], str]], str]] = {
    "body": (lambda: (QUOTA + b" ", signed(), SECRET), "no signature matches"),
    "secret": (lambda: (QUOTA, signed(), OTHER_SECRET), "no signature matches"),
    "too-old": (
        lambda: (QUOTA, reference_headers(QUOTA, at=time.time() - 301), SECRET),
        "five minutes",
    ),
    "too-new": (
        lambda: (QUOTA, reference_headers(QUOTA, at=time.time() + 301), SECRET),
        "five minutes",
    ),
    "id": (lambda: (QUOTA, signed(**{"webhook-id": "evt_other"}), SECRET), "no signature"),
    "timestamp-not-a-number": (
        lambda: (QUOTA, signed(**{"webhook-timestamp": "soon"}), SECRET),
        "number of seconds",
    ),
    "unknown-version": (
        lambda: (QUOTA, signed(**{"webhook-signature": "v2,abc"}), SECRET),
        "no signature matches",
    ),
    "missing-header": (
        lambda: (QUOTA, {"webhook-id": "evt_1", "webhook-timestamp": "1"}, SECRET),
        "webhook-signature",
    ),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_a_webhook_that_is_not_validly_signed_is_refused(case: str) -> None:
    build, reason = REFUSED[case]
    body, headers, secret = build()
    with pytest.raises(WebhookError, match=reason):
        verify_webhook(body, headers, secret)


def test_the_tolerance_is_five_minutes() -> None:
    for offset in (-290, 290):
        headers = reference_headers(QUOTA, at=time.time() + offset)
        assert isinstance(verify_webhook(QUOTA, headers, SECRET), EmailOverquotaEvent)


def test_a_secret_that_is_not_whsec_base64_is_a_webhook_error() -> None:
    for secret in ("", "whsec_", "whsec_!!!!"):
        with pytest.raises(WebhookError, match="whsec_"):
            verify_webhook(QUOTA, reference_headers(QUOTA), secret)


def test_parse_webhook_chooses_the_model_by_action_type() -> None:
    assert isinstance(parse_webhook(QUOTA), EmailOverquotaEvent)
    domain = parse_webhook(DOMAIN)
    assert isinstance(domain, DomainCreateEvent)
    assert (domain.domain_name, domain.postmaster_code) == ("example.com", "PM2E7A9C4B6D10")


def test_every_event_in_the_spec_is_parsed_to_its_model() -> None:
    examples = event_examples()
    assert {example["action_type"] for example in examples.values()} == set(EVENTS)
    for name, example in examples.items():
        assert type(parse_webhook(json.dumps(example))).__name__ == name


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"not json", "not JSON"),
        (b"[1]", "not a JSON object"),
        (b'{"action_type": "mailbox_delete"}', "no string action_type and id"),
        (b'{"id": "evt_1"}', "no string action_type and id"),
        (b'{"id": 1, "action_type": "domain_create"}', "no string action_type and id"),
        (b'{"action_type": "domain_create", "id": "evt_1"}', "not a valid domain_create"),
        (
            json.dumps({**json.loads(QUOTA), "created_at": "yesterday"}).encode(),
            "not a valid email_overquota",
        ),
    ],
)
def test_parse_webhook_refuses_bodies_that_are_no_known_event(body: bytes, reason: str) -> None:
    with pytest.raises(WebhookError, match=reason):
        parse_webhook(body)


def test_an_event_with_new_fields_and_new_values_verifies_and_parses() -> None:
    # Regression: a new metric (a closed enum) and any new field (additionalProperties:
    # false) made verify_webhook refuse a validly signed event.
    changed = {
        **json.loads(QUOTA),
        "metric": "mailbox_count",
        "event": "recovered",
        "severity": "high",
        "payload": {**json.loads(QUOTA)["payload"], "mailbox_name": "Alice"},
    }
    body = json.dumps(changed).encode()
    event = verify_webhook(body, reference_headers(body), SECRET)
    assert isinstance(event, EmailOverquotaEvent)
    assert (event.metric, event.event) == ("mailbox_count", "recovered")
    assert event["severity"] == "high"
    assert event.payload["mailbox_name"] == "Alice"
    domain = parse_webhook(json.dumps({**json.loads(DOMAIN), "region": "eu"}))
    assert isinstance(domain, DomainCreateEvent)
    assert domain.additional_properties == {"region": "eu"}


def test_an_event_type_the_sdk_does_not_know_is_an_unknown_event() -> None:
    body = json.dumps({"id": "evt_9", "action_type": "mailbox_delete", "x": 1}).encode()
    event = verify_webhook(body, reference_headers(body), SECRET)
    assert event == UnknownEvent(
        id="evt_9",
        action_type="mailbox_delete",
        data={"id": "evt_9", "action_type": "mailbox_delete", "x": 1},
    )
    with pytest.raises(WebhookError, match="no signature matches"):
        verify_webhook(body, reference_headers(body, OTHER_SECRET), SECRET)


@pytest.mark.parametrize(
    ("body", "headers", "secret"),
    [
        (None, {}, SECRET),
        (QUOTA, None, SECRET),
        (QUOTA, "webhook-id: 1", SECRET),
        (QUOTA, {}, None),
        (QUOTA, {}, []),
        (QUOTA, {}, [SECRET, None]),
        (QUOTA, {}, SECRET.encode()),
    ],
    ids=[
        "body-none",
        "headers-none",
        "headers-str",
        "secret-none",
        "secrets-empty",
        "secrets-with-none",
        "secret-bytes",
    ],
)
def test_bad_arguments_to_verify_webhook_are_invalid_argument_errors(
    body: Any, headers: Any, secret: Any
) -> None:
    if isinstance(headers, dict):
        headers = reference_headers(QUOTA)
    with pytest.raises(InvalidArgumentError):
        verify_webhook(body, headers, secret)
