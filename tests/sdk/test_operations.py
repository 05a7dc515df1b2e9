"""mailnotify_sdk._operations: keyword fields pinned to the spec, and reading answers."""

from __future__ import annotations

import typing
from typing import Any

import attrs
import pytest
from mailnotify_sdk import DomainFields, MailnotifyError, NotificationSettingsFields
from mailnotify_sdk._generated.models import DomainUpsert, NotificationSettingsUpdate
from mailnotify_sdk._generated.types import Unset
from starlette.types import Receive, Scope, Send

from tests.conftest import Account
from tests.sdk.conftest import Connect


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
    hints, model_hints = typing.get_type_hints(fields), typing.get_type_hints(model)
    assert hints.keys() == model_hints.keys()
    for name, hint in hints.items():
        assert members(hint) == members(model_hints[name]), name
    required = {field.name for field in attrs.fields(model) if field.default is attrs.NOTHING}
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
