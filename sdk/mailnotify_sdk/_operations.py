"""What each operation sends and how its answer is read, shared by both clients.

Adding an operation: a function here that pairs the generated module's request with a
reader of its success body, and a method of the same name on ``Client`` and
``AsyncClient`` that passes it to ``_call``.
"""

# No ``from __future__ import annotations`` here: TypedDict only sees ``NotRequired``
# in evaluated annotations.

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, NotRequired, TypedDict, TypeVar

import httpx

from ._exceptions import InvalidArgumentError, MailnotifyError, api_error
from ._generated.api.notifications import get_notification_settings as _get_settings
from ._generated.api.notifications import get_signing_secret as _get_signing_secret
from ._generated.api.notifications import update_notification_settings as _update_settings
from ._generated.api.platform import report_usage as _report_usage
from ._generated.api.platform import upsert_domain as _upsert_domain
from ._generated.models import (
    Domain,
    DomainResponse,
    DomainStatus,
    DomainUpsert,
    NotificationSettings,
    NotificationSettingsResponse,
    NotificationSettingsUpdate,
    SigningSecret,
    SigningSecretResponse,
    UsageBatch,
    UsageReport,
    UsageResult,
    UsageResultResponse,
)

T = TypeVar("T")


class NotificationSettingsFields(TypedDict, total=False):
    """The fields ``update_notification_settings`` accepts; a test pins them to the spec."""

    notification_url: str | None
    email_overquota_callback: bool
    domain_create_callback: bool
    notification_email: str | None
    email_overquota_email: bool


class DomainFields(TypedDict):
    """The fields ``upsert_domain`` accepts; a test pins them to the spec."""

    customer_code: str
    postmaster_code: str
    status: DomainStatus
    manager_code: NotRequired[str | None]
    postmaster_token: NotRequired[str | None]


@dataclass(frozen=True)
class Operation(Generic[T]):
    """One call: ``httpx.Client.request`` arguments, and a reader of the success body."""

    request: Mapping[str, Any]
    read: Callable[[Any], T]


# What the generated models raise for a value they cannot take.
_MODEL_ERRORS = (TypeError, ValueError, KeyError, AttributeError)


@contextmanager
def arguments(method: str) -> Iterator[None]:
    """Turn a failure to build ``method``'s request into an ``InvalidArgumentError``."""
    try:
        yield
    except InvalidArgumentError:
        raise
    except _MODEL_ERRORS as exc:
        raise InvalidArgumentError(f"{method}(): {exc}") from exc


def get_notification_settings() -> Operation[NotificationSettings]:
    """GET /users/me/notifications."""
    return Operation(_get_settings._get_kwargs(), _settings)


def update_notification_settings(fields: Mapping[str, object]) -> Operation[NotificationSettings]:
    """PUT /users/me/notifications with exactly the given fields."""
    with arguments("update_notification_settings"):
        _check(fields, NotificationSettingsFields, "update_notification_settings")
        body = NotificationSettingsUpdate.from_dict(fields)
        return Operation(_update_settings._get_kwargs(body=body), _settings)


def get_signing_secret() -> Operation[SigningSecret]:
    """GET /users/me/notifications/signing-secret."""
    return Operation(
        _get_signing_secret._get_kwargs(),
        lambda body: SigningSecretResponse.from_dict(body).resources[0],
    )


def upsert_domain(domain_name: str, fields: Mapping[str, object]) -> Operation[Domain]:
    """PUT /platform/domains/{domain_name} with exactly the given fields."""
    with arguments("upsert_domain"):
        if not isinstance(domain_name, str):
            raise TypeError(f"domain_name must be a str, not {type(domain_name).__name__}")
        _check(fields, DomainFields, "upsert_domain")
        body = DomainUpsert.from_dict(fields)
        return Operation(
            _upsert_domain._get_kwargs(domain_name, body=body),
            lambda body: DomainResponse.from_dict(body).resources[0],
        )


def report_usage(reports: Sequence[UsageReport]) -> Operation[UsageResult]:
    """POST /platform/usage."""
    with arguments("report_usage"):
        if isinstance(reports, str | bytes) or not all(
            isinstance(report, UsageReport) for report in reports
        ):
            raise TypeError("reports must be a sequence of UsageReport")
        return Operation(
            _report_usage._get_kwargs(body=UsageBatch(reports=list(reports))),
            lambda body: UsageResultResponse.from_dict(body).resources[0],
        )


def _settings(body: Any) -> NotificationSettings:
    return NotificationSettingsResponse.from_dict(body).resources[0]


def _check(fields: Mapping[str, object], allowed: Any, method: str) -> None:
    # The generated from_dict drops unknown keys silently, and a missing one fails with a
    # KeyError; the caller gets the words of Python's own error for a bad keyword instead.
    unknown = sorted(set(fields) - set(allowed.__annotations__))
    if unknown:
        raise InvalidArgumentError(f"{method}() got an unexpected keyword argument {unknown[0]!r}")
    missing = sorted(allowed.__required_keys__ - set(fields))
    if missing:
        raise InvalidArgumentError(f"{method}() missing required keyword argument {missing[0]!r}")


def result(operation: Operation[T], response: httpx.Response) -> T:
    """The operation's result, or the ``APIError`` that ``response`` stands for."""
    if not response.is_success:
        raise api_error(
            response.status_code, response.content, response.headers.get("x-request-id")
        )
    try:
        return operation.read(response.json())
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        raise MailnotifyError(
            f"unexpected {response.status_code} response body from "
            f"{response.request.method} {response.request.url}"
        ) from exc
