"""mailnotify_sdk._operations: keyword fields pinned to the spec, and reading answers."""

from __future__ import annotations

import json
import sys
import typing
from pathlib import Path
from typing import Any

import attrs
import mailnotify_sdk._generated.models
import pytest
import yaml
from mailnotify_sdk import (
    APIError,
    DomainFields,
    InvalidArgumentError,
    MailnotifyError,
    NotificationSettingsFields,
)
from mailnotify_sdk._generated.models import DomainUpsert, NotificationSettingsUpdate
from mailnotify_sdk._generated.types import Unset
from starlette.types import Receive, Scope, Send

from tests.conftest import Account
from tests.sdk.conftest import Connect


def read_only_properties() -> dict[str, set[str]]:
    """Schema name -> its properties marked ``readOnly`` in openapi.yaml."""
    spec = yaml.safe_load((Path(__file__).parents[2] / "openapi.yaml").read_text("utf-8"))
    return {
        name: {p for p, prop in schema.get("properties", {}).items() if prop.get("readOnly")}
        for name, schema in spec["components"]["schemas"].items()
    }


READ_ONLY = read_only_properties()


def members(hint: Any) -> set[Any]:
    """The types a hint allows, ``Unset`` aside."""
    args = (
        typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, type(int | str)) else ()
    )
    return {arg for arg in (args or (hint,)) if arg is not Unset}


@pytest.mark.parametrize(
    ("fields", "model"),
    [(NotificationSettingsFields, NotificationSettingsUpdate), (DomainFields, DomainUpsert)],
)
def test_keyword_fields_match_the_generated_request_model(fields: Any, model: type) -> None:
    # The generated models import each other for type checking only.
    models = {**vars(mailnotify_sdk._generated.models), "Unset": Unset}
    hints, model_hints = (
        typing.get_type_hints(fields),
        typing.get_type_hints(model, vars(sys.modules[model.__module__]), models),
    )
    # Read-only properties are accepted (and ignored) by the server, never sent by the SDK.
    for name in READ_ONLY.get(model.__name__, ()):
        del model_hints[name]
    assert hints.keys() == model_hints.keys()
    for name, hint in hints.items():
        assert members(hint) == members(model_hints[name]), name
    required = {
        field.name
        for field in attrs.fields(model)
        if field.default is attrs.NOTHING and field.name not in READ_ONLY.get(model.__name__, ())
    }
    assert fields.__required_keys__ == required


async def test_keyword_mistakes_are_invalid_argument_errors_before_sending(
    connect: Connect, customer: Account
) -> None:
    client = connect(customer.token, app=refuse_every_request)
    unknown: dict[str, Any] = {"colour": "red"}
    with pytest.raises(InvalidArgumentError, match="unexpected keyword argument 'colour'"):
        await client.update_notification_settings(**unknown)
    missing: dict[str, Any] = {"customer_code": customer.code, "status": "active"}
    with pytest.raises(
        InvalidArgumentError, match="missing required keyword argument 'postmaster_code'"
    ):
        await client.upsert_domain("example.com", **missing)


async def refuse_every_request(scope: Scope, receive: Receive, send: Send) -> None:
    """An app that fails the test if the SDK sends anything."""
    raise AssertionError(f"the SDK sent {scope['method']} {scope['path']}")


# Bad arguments of every method, each refused before anything is sent.
BAD_CALLS: dict[str, Any] = {
    "upsert_domain-unknown-status": lambda c: c.upsert_domain(
        "example.com", customer_code="CU1", postmaster_code="PM1", status="live"
    ),
    "upsert_domain-name-not-a-str": lambda c: c.upsert_domain(
        7, customer_code="CU1", postmaster_code="PM1", status="active"
    ),
    "upsert_domain-fields-not-json": lambda c: c.upsert_domain(
        "example.com", customer_code=object(), postmaster_code="PM1", status="active"
    ),
    "update-value-not-json": lambda c: c.update_notification_settings(
        notification_url=float("nan")
    ),
    "report_usage-dicts": lambda c: c.report_usage([{"email_address": "a@example.com"}]),
    "report_usage-a-str": lambda c: c.report_usage("reports"),
}


@pytest.mark.parametrize("case", list(BAD_CALLS))
async def test_upsert_domain_status_live_and_every_bad_argument_is_a_mailnotify_error(
    connect: Connect, case: str
) -> None:
    # Regression: upsert_domain(status="live") raised the generated model's bare TypeError.
    client = connect("token", app=refuse_every_request)
    with pytest.raises(InvalidArgumentError) as caught:
        await BAD_CALLS[case](client)
    assert isinstance(caught.value, MailnotifyError)
    assert isinstance(caught.value, ValueError)
    assert type(caught.value.__cause__) is not AssertionError


async def open_api(scope: Scope, receive: Receive, send: Send) -> None:
    """A later server: every answer carries a field and an enum value this SDK never saw."""
    path = scope["path"]
    status, body = 200, {}
    if path == "/api/users/me/notifications":
        body = {
            "resources": [
                {
                    "notification_url": "https://hooks.example.com/mail",
                    "email_overquota_callback": True,
                    "domain_create_callback": False,
                    "notification_email": None,
                    "email_overquota_email": False,
                    "webhook_status": {
                        "state": "recovering",
                        "failing_since": None,
                        "disabled_at": None,
                        "last_success_at": None,
                        "probe_at": None,
                    },
                    "digest_email": True,
                }
            ],
            "links": {"self": path},
        }
    elif path.startswith("/api/users/me/notifications/deliveries/"):
        attempt = {
            "number": 1,
            "started_at": "2026-11-24T10:00:00Z",
            "duration_ms": 84,
            "status_code": 204,
            "error": None,
            "response_excerpt": "",
            "ip": "192.0.2.1",
        }
        body = {
            "resources": [
                {
                    "id": "dlv_66102c6004800zxYEcbbPWxqY5LpABdyD9w",
                    "event_id": "evt_66102c6004800Xq3mR8vK2pLw7NcT5hYb_A",
                    "action_type": "mailbox_delete",
                    "channel": "sms",
                    "destination": "+15550100",
                    "status": "expired",
                    "attempt_count": 1,
                    "created_at": "2026-11-24T10:00:00Z",
                    "next_attempt_at": None,
                    "delivered_at": None,
                    "last_attempt": attempt,
                    "attempts": [attempt],
                    "priority": "low",
                }
            ]
        }
    elif path.startswith("/api/platform/domains/"):
        body = {
            "resources": [
                {
                    "domain_name": "example.com",
                    "customer_code": "CU4F9A2C7E1B3D",
                    "manager_code": None,
                    "postmaster_code": "PM2E7A9C4B6D10",
                    "status": "archived",
                    "activated_at": None,
                    "region": "eu",
                }
            ]
        }
    else:
        status = 402
        body = {
            "message": "Payment required",
            "errors": [{"field": "plan", "description": "is over its limit", "code": "x"}],
            "documentation_url": "https://docs.example.com/errors/402",
        }
    payload = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


async def test_responses_with_new_fields_and_new_enum_values_are_read(
    connect: Connect,
) -> None:
    client = connect("token", app=open_api)
    settings = await client.get_notification_settings()
    assert settings.email_overquota_callback is True
    # webhook_status became a field of the spec (issue 9): the new field is another one.
    assert settings.additional_properties == {"digest_email": True}
    assert settings.webhook_status.state == "recovering"
    assert settings.webhook_status.additional_properties == {"probe_at": None}
    delivery = await client.get_delivery("dlv_66102c6004800zxYEcbbPWxqY5LpABdyD9w")
    assert (delivery.action_type, delivery.channel, delivery.status) == (
        "mailbox_delete",
        "sms",
        "expired",
    )
    assert delivery["priority"] == "low"
    assert [a["ip"] for a in delivery.attempts] == ["192.0.2.1"]
    domain = await client.upsert_domain(
        "example.com", customer_code="CU1", postmaster_code="PM1", status="active"
    )
    assert (domain.status, domain["region"]) == ("archived", "eu")
    with pytest.raises(APIError) as caught:
        await client.get_signing_secret()
    error = caught.value
    assert (error.status_code, error.message) == (402, "Payment required")
    assert [(e.field, e.description) for e in error.errors] == [("plan", "is over its limit")]


async def captive_portal(scope: Scope, receive: Receive, send: Send) -> None:
    """Answers 200 with a page instead of the API's JSON, as a captive portal does."""
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"<html>Sign in to the Wi-Fi</html>"})


async def test_a_success_body_that_is_not_the_apis_is_a_mailnotify_error(
    connect: Connect,
) -> None:
    client = connect("token", app=captive_portal)
    with pytest.raises(MailnotifyError, match="unexpected 200 response body from GET") as caught:
        await client.get_notification_settings()
    assert type(caught.value) is MailnotifyError
