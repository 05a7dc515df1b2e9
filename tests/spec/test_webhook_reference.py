"""The spec's webhook reference: every event type listed, and a test vector that verifies.

The vector is read from ``info.description`` as a consumer would copy it, and checked
against the reference ``standardwebhooks`` package, the server's signer and the SDK.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from mailnotify_sdk import EmailOverquotaEvent, parse_webhook, sign_webhook
from standardwebhooks.webhooks import Webhook

from mailnotify import events
from mailnotify.delivery import signing
from mailnotify.quota import Crossing, Level, Metric
from tests.spec.test_openapi import SPEC, load

# An event id as mailnotify.events makes them: 13 hex digits of time, 16 random bytes.
EVENT_ID = re.compile(r"^evt_[0-9a-f]{13}[A-Za-z0-9_-]{22}$")
VECTOR_KEYS = ("secret", "webhook-id", "webhook-timestamp", "body", "webhook-signature")


def description() -> str:
    text: str = load(SPEC)["info"]["description"]
    return text


def read_vector() -> dict[str, str]:
    """The ``key: value`` lines of the test vector block."""
    block = re.search(r"Test vector.*?```text\n(.*?)```", description(), flags=re.DOTALL)
    assert block, "no test vector in info.description"
    vector = dict(re.findall(r"^([a-z-]+):\s+(\S.*)$", block.group(1), flags=re.MULTILINE))
    assert tuple(vector) == VECTOR_KEYS
    return vector


@pytest.fixture
def vector() -> dict[str, str]:
    return read_vector()


def test_the_vector_has_the_real_forms(vector: dict[str, str]) -> None:
    secret = vector["secret"]
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) == 32
    assert EVENT_ID.match(vector["webhook-id"])
    assert vector["webhook-timestamp"].isdigit()
    assert json.loads(vector["body"])["id"] == vector["webhook-id"]


def test_the_reference_package_gives_the_vectors_signature(vector: dict[str, str]) -> None:
    when = datetime.fromtimestamp(int(vector["webhook-timestamp"]), tz=UTC)
    signed = Webhook(vector["secret"]).sign(vector["webhook-id"], when, vector["body"])
    assert signed == vector["webhook-signature"]


def test_the_server_and_the_sdk_give_the_vectors_signature(vector: dict[str, str]) -> None:
    body = vector["body"].encode()
    timestamp = int(vector["webhook-timestamp"])
    assert (
        signing.sign(vector["secret"], vector["webhook-id"], timestamp, body)
        == (vector["webhook-signature"])
    )
    headers = sign_webhook(
        body, vector["secret"], webhook_id=vector["webhook-id"], timestamp=timestamp
    )
    assert headers["webhook-signature"] == vector["webhook-signature"]


def test_the_vectors_body_is_what_the_server_sends(vector: dict[str, str]) -> None:
    data: dict[str, Any] = json.loads(vector["body"])
    payload = data["payload"]
    sent = events.email_overquota(
        event_id=data["id"],
        created_at=datetime.fromisoformat(data["created_at"]),
        crossing=Crossing(data["event"], payload["crossed"], Level.warning),
        metric=Metric(data["metric"]),
        domain_name=data["domain_name"],
        email_address=payload["email_address"],
        email_code=payload["email_code"],
        used=payload["used_size"],
        assigned=payload["assigned_size"],
    )
    assert sent == vector["body"].encode()
    assert isinstance(parse_webhook(sent), EmailOverquotaEvent)
    # The schema's example is the same event, so the docs show one consistent story.
    assert load(SPEC)["components"]["schemas"]["EmailOverquotaEvent"]["example"] == data


def callback_bodies(spec: dict[str, Any]) -> set[str]:
    """The schema names of every webhook body the callbacks describe."""
    return {
        request["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/")[-1]
        for item in spec["paths"].values()
        for operation in item.values()
        for callback in operation.get("callbacks", {}).values()
        for expression in callback.values()
        for request in expression.values()
    }


def test_every_event_type_is_in_the_reference_with_its_schema() -> None:
    # The event bodies are the callbacks' (a delivery also has an action_type, open).
    spec = load(SPEC)
    schemas = spec["components"]["schemas"]
    events_ = {
        schemas[name]["properties"]["action_type"]["enum"][0]: name
        for name in callback_bodies(spec)
    }
    assert set(events_) == {"email_overquota", "domain_create", "ping"}
    text = description()
    for action_type, schema_name in events_.items():
        row = re.search(rf"^\| `{action_type}` \|.*\| `{schema_name}` \|$", text, re.MULTILINE)
        assert row, f"{action_type} ({schema_name}) is not in the event type table"


@pytest.mark.parametrize(
    "topic",
    [
        "5 minutes",
        "At least once",
        "No order",
        "Rotating the secret",
        "the new secret's first",
        "How this API evolves",
        "16 MiB",
    ],
)
def test_the_description_covers(topic: str) -> None:
    assert topic in " ".join(description().split())
