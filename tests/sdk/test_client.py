"""mailnotify_sdk._client: every operation and every documented error, with both clients."""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest
import yaml
from mailnotify_sdk import (
    APIError,
    AsyncClient,
    AuthenticationError,
    Client,
    FieldError,
    InvalidArgumentError,
    NotFoundError,
    NotificationSettings,
    PermissionDeniedError,
    ServerError,
    Usage,
    UsageReport,
    ValidationError,
)
from mailnotify_sdk._exceptions import api_error
from sqlalchemy import Engine, text
from starlette.types import ASGIApp

from tests.conftest import Account, MakeUser
from tests.sdk.conftest import ORIGIN, Connect, SyncASGITransport

SPEC_PATH = Path(__file__).parents[2] / "openapi.yaml"
METHODS = ("get", "put", "post", "patch", "delete")


def snake(operation_id: str) -> str:
    """The SDK's method name for an operationId."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation_id).lower()


def spec_operations() -> dict[str, dict[str, Any]]:
    """operationId -> the operation, from openapi.yaml."""
    spec = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    return {
        operation["operationId"]: operation
        for item in spec["paths"].values()
        for method, operation in item.items()
        if method in METHODS
    }


Call = Callable[[AsyncClient, Account], Awaitable[object]]


EARLIER = datetime(2026, 11, 24, 9, tzinfo=UTC)


def usage_report(**changes: Any) -> UsageReport:
    """A valid report for a mailbox of example.com, with ``changes`` applied."""
    report = UsageReport(
        email_address="alice@example.com",
        email_code="EA1B2C3",
        domain_name="example.com",
        observed_at=datetime(2026, 11, 24, 10, tzinfo=UTC),
        space=Usage(used=10, assigned=100),
        messages=Usage(used=1, assigned=100),
    )
    return attrs.evolve(report, **changes)


# One valid call per operation (given a customer that exists), and the role allowed it.
CALLS: dict[str, tuple[str, Call]] = {
    "getNotificationSettings": ("customer", lambda c, _: c.get_notification_settings()),
    "updateNotificationSettings": (
        "customer",
        lambda c, _: c.update_notification_settings(email_overquota_email=False),
    ),
    "getSigningSecret": ("customer", lambda c, _: c.get_signing_secret()),
    "upsertDomain": (
        "platform",
        lambda c, customer: c.upsert_domain(
            "example.com", customer_code=customer.code, postmaster_code="PM1", status="pending"
        ),
    ),
    "reportUsage": ("platform", lambda c, _: c.report_usage([usage_report()])),
}
RETURNS = {
    "getNotificationSettings": "NotificationSettings",
    "updateNotificationSettings": "NotificationSettings",
    "getSigningSecret": "SigningSecret",
    "upsertDomain": "Domain",
    "reportUsage": "UsageResult",
}
# For each operation that documents 422: an invalid call, and the fields it names.
INVALID_CALLS: dict[str, tuple[Call, list[str]]] = {
    "updateNotificationSettings": (
        lambda c, _: c.update_notification_settings(
            notification_url="ftp://hooks.example.com", notification_email="not an address"
        ),
        ["notification_url", "notification_email"],
    ),
    "upsertDomain": (
        lambda c, customer: c.upsert_domain(
            "Not a domain", customer_code=customer.code, postmaster_code="PM1", status="active"
        ),
        ["domain_name"],
    ),
    "reportUsage": (
        lambda c, _: c.report_usage(
            [usage_report(), usage_report(space=Usage(used=-1, assigned=100))]
        ),
        ["reports.1.space.used"],
    ),
}
# The table whose loss makes the operation fail with 500.
TABLES: dict[str, str] = {
    "getNotificationSettings": "notification_settings",
    "updateNotificationSettings": "notification_settings",
    "getSigningSecret": "notification_settings",
    "upsertDomain": "domains",
    "reportUsage": "domains",
}
MESSAGES = {
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    422: "Validation failed",
    500: "Internal server error",
}
EXCEPTIONS: dict[int, type[APIError]] = {
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    422: ValidationError,
    500: ServerError,
}


def documented_errors() -> list[tuple[str, int]]:
    """(operationId, status) for every error status openapi.yaml documents.

    415 and 405 aside: the SDK always sends JSON with the right method, so the server's
    answers are checked separately; so is 503, which needs an unreachable database.
    """
    return [
        (operation_id, int(status))
        for operation_id, operation in spec_operations().items()
        for status in operation["responses"]
        if int(status) >= 400 and int(status) not in (405, 415, 503)
    ]


def test_every_operation_has_a_method_on_both_clients_and_a_call_here() -> None:
    operations = spec_operations()
    for operation_id in operations:
        name = snake(operation_id)
        assert callable(getattr(Client, name, None)), name
        assert inspect.iscoroutinefunction(getattr(AsyncClient, name, None)), name
    assert set(public_methods(Client)) - {"close"} == {snake(o) for o in operations}
    assert set(CALLS) == set(RETURNS) == set(operations)


def public_methods(cls: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in vars(cls).items()
        if callable(member) and not name.startswith("_")
    }


def test_both_clients_have_the_same_methods_and_signatures() -> None:
    sync, async_ = public_methods(Client), public_methods(AsyncClient)
    async_["close"] = async_.pop("aclose")
    assert sync.keys() == async_.keys()
    for name, signature in sync.items():
        assert signature == async_[name], name
    # The transports differ in type (sync, async); the parameters do not.
    assert list(inspect.signature(Client).parameters) == list(
        inspect.signature(AsyncClient).parameters
    )


async def test_get_returns_the_defaults_of_a_new_user(connect: Connect, customer: Account) -> None:
    settings = await connect(customer.token).get_notification_settings()
    assert settings == NotificationSettings(
        notification_url=None,
        email_overquota_callback=False,
        domain_create_callback=False,
        notification_email=None,
        email_overquota_email=False,
    )


async def test_update_sends_only_the_given_fields(connect: Connect, customer: Account) -> None:
    client = connect(customer.token)
    saved = await client.update_notification_settings(
        notification_url="https://hooks.example.com/mail",
        email_overquota_callback=True,
        notification_email="ops@example.com",
    )
    assert saved.notification_url == "https://hooks.example.com/mail"
    assert saved.email_overquota_callback is True
    # Omitted fields are not sent: had they been sent as null or false, these would change.
    after = await client.update_notification_settings(domain_create_callback=True)
    assert after == NotificationSettings(
        notification_url="https://hooks.example.com/mail",
        email_overquota_callback=True,
        domain_create_callback=True,
        notification_email="ops@example.com",
        email_overquota_email=False,
    )
    assert await client.get_notification_settings() == after
    assert await client.update_notification_settings() == after


async def test_explicit_none_is_sent_as_null_and_clears(
    connect: Connect, customer: Account
) -> None:
    client = connect(customer.token)
    await client.update_notification_settings(
        notification_url="https://hooks.example.com/mail", notification_email="ops@example.com"
    )
    cleared = await client.update_notification_settings(notification_email=None)
    assert cleared.notification_email is None
    assert cleared.notification_url == "https://hooks.example.com/mail"


async def add_domain(connect: Connect, make_user: MakeUser, customer: Account) -> None:
    """Add example.com for ``customer``: usage reports need a known domain."""
    platform = connect(make_user("platform").token)
    await platform.upsert_domain(
        "example.com", customer_code=customer.code, postmaster_code="PM1", status="active"
    )


async def test_every_operation_succeeds(connect: Connect, make_user: MakeUser) -> None:
    customer = make_user("customer")
    await add_domain(connect, make_user, customer)
    for operation_id, (role, call) in CALLS.items():
        answer = await call(connect(make_user(role).token), customer)
        assert type(answer).__name__ == RETURNS[operation_id], operation_id


async def test_the_signing_secret_is_whsec_and_stays_the_same(
    connect: Connect, customer: Account
) -> None:
    client = connect(customer.token)
    first = await client.get_signing_secret()
    assert first.secret.startswith("whsec_")
    assert await client.get_signing_secret() == first


async def test_upsert_domain_and_report_usage_return_what_was_saved(
    connect: Connect, make_user: MakeUser, customer: Account
) -> None:
    platform = connect(make_user("platform").token)
    domain = await platform.upsert_domain(
        "example.com", customer_code=customer.code, postmaster_code="PM1", status="pending"
    )
    assert (domain.domain_name, domain.customer_code, domain.manager_code) == (
        "example.com",
        customer.code,
        None,
    )
    assert (domain.status, domain.activated_at) == ("pending", None)
    domain = await platform.upsert_domain(
        "example.com", customer_code=customer.code, postmaster_code="PM1", status="active"
    )
    assert domain.activated_at is not None
    result = await platform.report_usage(
        [usage_report(space=Usage(used=81, assigned=100)), usage_report(observed_at=EARLIER)]
    )
    assert (result.applied, result.ignored, result.events) == (1, 1, 1)


@pytest.mark.parametrize(("operation_id", "status"), documented_errors())
async def test_every_documented_error_raises_its_exception(
    connect: Connect, make_user: MakeUser, engine: Engine, operation_id: str, status: int
) -> None:
    role, call = CALLS[operation_id]
    customer = make_user("customer")
    await add_domain(connect, make_user, customer)
    token = make_user(role).token
    base_url = ORIGIN
    fields: list[str] = []
    if status == 401:
        token = "nope"
    elif status == 403:
        token = make_user("mailbox").token
    elif status == 404:
        base_url = f"{ORIGIN}/nope"
    elif status == 422:
        call, fields = INVALID_CALLS[operation_id]
    elif status == 500:
        with engine.begin() as connection:
            connection.execute(text(f"DROP TABLE {TABLES[operation_id]}"))
    client = connect(token, base_url=base_url)
    with pytest.raises(EXCEPTIONS[status]) as caught:
        await call(client, customer)
    error = caught.value
    assert (error.status_code, error.message) == (status, MESSAGES[status])
    assert error.request_id
    assert error.request_id in str(error)
    assert [e.field for e in error.errors] == fields
    assert all(e.description for e in error.errors)


async def test_a_disabled_user_gets_permission_denied(
    connect: Connect, make_user: MakeUser
) -> None:
    client = connect(make_user("customer", disabled=True).token)
    with pytest.raises(PermissionDeniedError):
        await client.get_notification_settings()


def test_415_and_405_from_the_server_become_plain_api_errors(
    app: ASGIApp, customer: Account
) -> None:
    # The SDK always sends JSON to the right method, so it cannot provoke these itself;
    # its error translation is checked on the server's real answers instead.
    url = f"{ORIGIN}/api/users/me/notifications"
    with httpx.Client(transport=SyncASGITransport(app)) as http:
        unsupported = http.put(
            url, content=b"x", headers={**customer.headers, "Content-Type": "text/plain"}
        )
        not_allowed = http.post(url, headers=customer.headers)
    error = api_error(unsupported.status_code, unsupported.content, "r1")
    assert type(error) is APIError
    assert (error.status_code, error.message) == (415, "Unsupported media type")
    assert error.errors == [FieldError(field="body", description="must be application/json")]
    error = api_error(not_allowed.status_code, not_allowed.content, None)
    assert type(error) is APIError
    assert (error.status_code, error.message, error.errors) == (405, "Method not allowed", [])


def test_base_url_is_the_origin_and_the_sdk_adds_api() -> None:
    client = Client("https://api.example.com/", "t")
    assert str(client._http.base_url) == "https://api.example.com/api/"
    for bad in ("api.example.com", "ftp://api.example.com", "https://", "http://[::1", None):
        with pytest.raises(InvalidArgumentError, match="base_url must be the server's origin"):
            Client(bad, "t")  # type: ignore[arg-type]


def test_a_base_url_ending_in_api_is_taken_as_it_is() -> None:
    # Regression: "https://api.example.com/api" became .../api/api, and every call a 404.
    for given in ("https://api.example.com/api", "https://api.example.com/api/"):
        assert str(Client(given, "t")._http.base_url) == "https://api.example.com/api/"
    prefixed = Client("https://example.com/mail", "t")
    assert str(prefixed._http.base_url) == "https://example.com/mail/api/"


async def test_a_base_url_ending_in_api_reaches_the_server(
    connect: Connect, customer: Account
) -> None:
    settings = await connect(customer.token, base_url=f"{ORIGIN}/api").get_notification_settings()
    assert settings.email_overquota_email is False


@pytest.mark.parametrize(
    "arguments",
    [
        {"token": None},
        {"token": "bad\ntoken"},
        {"timeout": "soon"},
        {"timeout": 0},
        {"retries": "3"},
        {"retries": -1},
    ],
    ids=["token-none", "token-newline", "timeout-str", "timeout-0", "retries-str", "retries-neg"],
)
def test_bad_constructor_arguments_are_invalid_argument_errors(arguments: dict[str, Any]) -> None:
    given: dict[str, Any] = {"base_url": "https://api.example.com", "token": "t", **arguments}
    for cls in (Client, AsyncClient):
        with pytest.raises(InvalidArgumentError):
            cls(**given)


def test_the_sync_client_closes_as_a_context_manager() -> None:
    with Client("https://api.example.com", "t") as client:
        assert not client._http.is_closed
    assert client._http.is_closed


async def test_the_async_client_closes_as_a_context_manager() -> None:
    async with AsyncClient("https://api.example.com", "t") as client:
        assert not client._http.is_closed
    assert client._http.is_closed
