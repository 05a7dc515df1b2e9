"""mailnotify_sdk._operations: keyword fields pinned to the spec, and reading answers."""

from __future__ import annotations

import sys
import typing
from pathlib import Path
from typing import Any

import attrs
import mailnotify_sdk._generated.models
import pytest
import yaml
from mailnotify_sdk import DomainFields, MailnotifyError, NotificationSettingsFields
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


async def test_keyword_mistakes_are_type_errors_before_sending(
    connect: Connect, customer: Account
) -> None:
    client = connect(customer.token)
    unknown: dict[str, Any] = {"colour": "red"}
    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
        await client.update_notification_settings(**unknown)
    missing: dict[str, Any] = {"customer_code": customer.code, "status": "active"}
    with pytest.raises(TypeError, match="missing required keyword argument 'postmaster_code'"):
        await client.upsert_domain("example.com", **missing)


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
