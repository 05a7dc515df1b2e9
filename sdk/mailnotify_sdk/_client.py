"""The two clients: one method per API operation, each a thin call into ``_operations``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from types import TracebackType
from typing import Self, TypeVar, Unpack
from urllib.parse import urlsplit

import httpx

from . import _operations as operations
from ._exceptions import InvalidArgumentError
from ._generated.models import (
    Delivery,
    DeliveryChannel,
    DeliveryDetail,
    Domain,
    NotificationSettings,
    SigningSecret,
    UsageReport,
    UsageResult,
)
from ._operations import (
    DeliveryFilters,
    DomainFields,
    NotificationSettingsFields,
    Operation,
    result,
)
from ._transport import Retries, as_retries, map_httpx_exceptions, send, send_async
from ._version import __version__

T = TypeVar("T")

DEFAULT_TIMEOUT = 10.0
DEFAULT_RETRIES = 2
# The largest page the API serves: the fewest requests for a walk through every delivery.
PAGE_SIZE = 100
DEFAULT_OVERLAP_SECONDS = 86_400


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

    def list_deliveries(self, **filters: Unpack[DeliveryFilters]) -> Iterator[Delivery]:
        """Every delivery matching ``filters``, newest first, fetched a page at a time.

        Pages are requested lazily, as the iteration reaches them.
        """
        operations.list_deliveries_page(1, PAGE_SIZE, filters)  # a bad filter fails here

        def walk() -> Iterator[Delivery]:
            page = 1
            while True:
                found = self._call(operations.list_deliveries_page(page, PAGE_SIZE, filters))
                yield from found.resources
                # A short page is the last; total_pages may stop short of a long log.
                if len(found.resources) < PAGE_SIZE:
                    return
                page += 1

        return walk()

    def get_delivery(self, delivery_id: str) -> DeliveryDetail:
        """One delivery with every attempt."""
        return self._call(operations.get_delivery(delivery_id))

    def redeliver_delivery(self, delivery_id: str) -> Delivery:
        """Send a delivery again now, to the destination saved now."""
        return self._call(operations.redeliver(delivery_id))

    def send_test_notification(self, channel: DeliveryChannel = "webhook") -> DeliveryDetail:
        """Send a test ping to the saved destination; the delivery with its one attempt."""
        return self._call(operations.send_test(channel))

    def rotate_signing_secret(
        self, *, previous_expires_in: int = DEFAULT_OVERLAP_SECONDS
    ) -> SigningSecret:
        """A new signing secret; the previous one signs too for ``previous_expires_in`` s."""
        return self._call(operations.rotate_signing_secret(previous_expires_in))

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

    def list_deliveries(self, **filters: Unpack[DeliveryFilters]) -> AsyncIterator[Delivery]:
        """Every delivery matching ``filters``, newest first, fetched a page at a time.

        Iterate with ``async for``; pages are requested lazily, as the iteration reaches them.
        """
        operations.list_deliveries_page(1, PAGE_SIZE, filters)  # a bad filter fails here

        async def walk() -> AsyncIterator[Delivery]:
            page = 1
            while True:
                found = await self._call(operations.list_deliveries_page(page, PAGE_SIZE, filters))
                for delivery in found.resources:
                    yield delivery
                if len(found.resources) < PAGE_SIZE:
                    return
                page += 1

        return walk()

    async def get_delivery(self, delivery_id: str) -> DeliveryDetail:
        """One delivery with every attempt."""
        return await self._call(operations.get_delivery(delivery_id))

    async def redeliver_delivery(self, delivery_id: str) -> Delivery:
        """Send a delivery again now, to the destination saved now."""
        return await self._call(operations.redeliver(delivery_id))

    async def send_test_notification(self, channel: DeliveryChannel = "webhook") -> DeliveryDetail:
        """Send a test ping to the saved destination; the delivery with its one attempt."""
        return await self._call(operations.send_test(channel))

    async def rotate_signing_secret(
        self, *, previous_expires_in: int = DEFAULT_OVERLAP_SECONDS
    ) -> SigningSecret:
        """A new signing secret; the previous one signs too for ``previous_expires_in`` s."""
        return await self._call(operations.rotate_signing_secret(previous_expires_in))

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
