"""The two clients: one method per API operation, each a thin call into ``_operations``."""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Self, TypeVar, Unpack
from urllib.parse import urlsplit

import httpx

from . import _operations as operations
from ._exceptions import InvalidArgumentError
from ._generated.models import (
    Domain,
    NotificationSettings,
    SigningSecret,
    UsageReport,
    UsageResult,
)
from ._operations import DomainFields, NotificationSettingsFields, Operation, result
from ._transport import Retries, as_retries, map_httpx_exceptions, send, send_async
from ._version import __version__

T = TypeVar("T")

DEFAULT_TIMEOUT = 10.0
DEFAULT_RETRIES = 2


def _api_url(base_url: str) -> str:
    """The API's root for ``base_url``: the origin plus ``/api``, which may be given too."""
    try:
        url = urlsplit(base_url)
        valid = url.scheme in ("http", "https") and bool(url.hostname)
    except (ValueError, TypeError, AttributeError):
        valid = False
    if not valid:
        raise InvalidArgumentError(
            "base_url must be the server's origin, like https://api.example.com "
            f"(the SDK adds /api): {base_url!r}"
        )
    root = base_url.rstrip("/")
    return root if root.endswith("/api") else root + "/api"


def _headers(token: str) -> dict[str, str]:
    if not isinstance(token, str) or not token.isascii() or not token.isprintable():
        raise InvalidArgumentError("token must be the API token, a str of printable ASCII")
    return {"X-Api-Token": token, "User-Agent": f"mailnotify-sdk-python/{__version__}"}


def _timeout(timeout: float | httpx.Timeout) -> float | httpx.Timeout:
    numeric = isinstance(timeout, int | float) and not isinstance(timeout, bool)
    if isinstance(timeout, httpx.Timeout) or (numeric and timeout > 0):
        return timeout
    raise InvalidArgumentError(f"timeout must be seconds above 0 or an httpx.Timeout: {timeout!r}")


class Client:
    """A client for the mailnotify API.

    ``base_url`` is the server's origin (``https://api.example.com``); the SDK adds
    ``/api``, unless ``base_url`` already ends in it. ``timeout`` is in seconds, or an
    ``httpx.Timeout``. ``retries`` is the number of retries of idempotent calls, or a
    ``Retries``; 0 turns them off.
    ``transport`` replaces httpx's network transport, to call an app in-process.
    Use it as a context manager, or call ``close()``.
    """

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retries: int | Retries = DEFAULT_RETRIES,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._retries = as_retries(retries)
        api_url, headers = _api_url(base_url), _headers(token)
        with map_httpx_exceptions():
            self._http = httpx.Client(
                base_url=api_url, headers=headers, timeout=_timeout(timeout), transport=transport
            )

    def get_notification_settings(self) -> NotificationSettings:
        """The caller's notification settings."""
        return self._call(operations.get_notification_settings())

    def update_notification_settings(
        self, **fields: Unpack[NotificationSettingsFields]
    ) -> NotificationSettings:
        """Change the given fields; return the settings as saved.

        An omitted field keeps its value; ``None`` clears a destination.
        """
        return self._call(operations.update_notification_settings(fields))

    def get_signing_secret(self) -> SigningSecret:
        """The secret that signs the caller's webhooks (``whsec_...``)."""
        return self._call(operations.get_signing_secret())

    def upsert_domain(self, domain_name: str, **fields: Unpack[DomainFields]) -> Domain:
        """Create or update a domain (role ``platform``); return it as saved."""
        return self._call(operations.upsert_domain(domain_name, fields))

    def report_usage(self, reports: Sequence[UsageReport]) -> UsageResult:
        """Apply a batch of mailbox usage reports atomically (role ``platform``)."""
        return self._call(operations.report_usage(reports))

    def _call(self, operation: Operation[T]) -> T:
        return result(operation, send(self._http, operation.request, self._retries))

    def close(self) -> None:
        """Close the client's connections."""
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class AsyncClient:
    """The asyncio twin of ``Client``: the same arguments, and the same methods to await."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retries: int | Retries = DEFAULT_RETRIES,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._retries = as_retries(retries)
        api_url, headers = _api_url(base_url), _headers(token)
        with map_httpx_exceptions():
            self._http = httpx.AsyncClient(
                base_url=api_url, headers=headers, timeout=_timeout(timeout), transport=transport
            )

    async def get_notification_settings(self) -> NotificationSettings:
        """The caller's notification settings."""
        return await self._call(operations.get_notification_settings())

    async def update_notification_settings(
        self, **fields: Unpack[NotificationSettingsFields]
    ) -> NotificationSettings:
        """Change the given fields; return the settings as saved.

        An omitted field keeps its value; ``None`` clears a destination.
        """
        return await self._call(operations.update_notification_settings(fields))

    async def get_signing_secret(self) -> SigningSecret:
        """The secret that signs the caller's webhooks (``whsec_...``)."""
        return await self._call(operations.get_signing_secret())

    async def upsert_domain(self, domain_name: str, **fields: Unpack[DomainFields]) -> Domain:
        """Create or update a domain (role ``platform``); return it as saved."""
        return await self._call(operations.upsert_domain(domain_name, fields))

    async def report_usage(self, reports: Sequence[UsageReport]) -> UsageResult:
        """Apply a batch of mailbox usage reports atomically (role ``platform``)."""
        return await self._call(operations.report_usage(reports))

    async def _call(self, operation: Operation[T]) -> T:
        return result(operation, await send_async(self._http, operation.request, self._retries))

    async def aclose(self) -> None:
        """Close the client's connections."""
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()
