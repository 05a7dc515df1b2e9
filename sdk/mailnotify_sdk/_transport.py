"""Sending requests: the one seam where httpx's exceptions become the SDK's, and retries."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from ._exceptions import InvalidArgumentError, MailnotifyError, TransportError

# Every exception httpx exports, and what it becomes. A test checks that none is missing.
# Lookup walks the exception's MRO, so the most specific entry wins.
HTTPX_EXCEPTIONS: Mapping[type[Exception], type[MailnotifyError]] = {
    httpx.HTTPError: MailnotifyError,
    httpx.RequestError: TransportError,
    httpx.TransportError: TransportError,
    httpx.TimeoutException: TransportError,
    httpx.ConnectTimeout: TransportError,
    httpx.ReadTimeout: TransportError,
    httpx.WriteTimeout: TransportError,
    httpx.PoolTimeout: TransportError,
    httpx.NetworkError: TransportError,
    httpx.ConnectError: TransportError,
    httpx.ReadError: TransportError,
    httpx.WriteError: TransportError,
    httpx.CloseError: TransportError,
    httpx.ProtocolError: TransportError,
    httpx.LocalProtocolError: TransportError,
    httpx.RemoteProtocolError: TransportError,
    httpx.ProxyError: TransportError,
    httpx.UnsupportedProtocol: TransportError,
    # A body that cannot be decoded, or a redirect loop: the exchange failed on the way.
    httpx.DecodingError: TransportError,
    httpx.TooManyRedirects: TransportError,
    # Misuse of httpx that the SDK's own code would have to commit; never expected.
    httpx.HTTPStatusError: MailnotifyError,
    httpx.InvalidURL: MailnotifyError,
    httpx.CookieConflict: MailnotifyError,
    httpx.StreamError: MailnotifyError,
    httpx.StreamConsumed: MailnotifyError,
    httpx.StreamClosed: MailnotifyError,
    httpx.ResponseNotRead: MailnotifyError,
    httpx.RequestNotRead: MailnotifyError,
}


@contextmanager
def map_httpx_exceptions() -> Iterator[None]:
    """Re-raise any httpx exception as the SDK's, with the original as its cause."""
    try:
        yield
    except Exception as exc:
        for cls in type(exc).__mro__:
            if cls in HTTPX_EXCEPTIONS:
                raise HTTPX_EXCEPTIONS[cls](str(exc) or type(exc).__name__) from exc
        raise


IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
# The connection failed or dropped; a slow answer (read timeout) is not retried, since
# the caller's timeout is a budget.
RETRY_EXCEPTIONS = (httpx.NetworkError, httpx.ConnectTimeout, httpx.RemoteProtocolError)


@dataclass(frozen=True)
class Retries:
    """How idempotent calls (GET, PUT) are retried on connection errors, 429 and 5xx.

    At most ``total`` retries (0 turns retrying off). Retry ``n`` (from 0) waits
    ``backoff * 2**n`` seconds, at most ``max_backoff``, less up to half of it as jitter;
    a ``Retry-After`` header sets the wait instead, and one above ``max_retry_after``
    ends the retries.
    """

    total: int = 2
    backoff: float = 0.5
    max_backoff: float = 8.0
    max_retry_after: float = 60.0

    def __post_init__(self) -> None:
        if min(self.total, self.backoff, self.max_backoff, self.max_retry_after) < 0:
            raise InvalidArgumentError("retries and delays must not be negative")

    def after_error(self, method: str, attempt: int) -> float | None:
        """Seconds to wait before retrying after a connection error, or None to stop."""
        if method not in IDEMPOTENT_METHODS or attempt >= self.total:
            return None
        return self._backoff(attempt)

    def after_response(self, method: str, response: httpx.Response, attempt: int) -> float | None:
        """Seconds to wait before retrying after ``response``, or None to keep it."""
        status = response.status_code
        if status != 429 and status < 500:
            return None
        if method not in IDEMPOTENT_METHODS or attempt >= self.total:
            return None
        retry_after = _retry_after(response.headers.get("retry-after"))
        if retry_after is None:
            return self._backoff(attempt)
        return retry_after if retry_after <= self.max_retry_after else None

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.max_backoff, self.backoff * 2.0**attempt)
        # Jitter spreads the retries of many clients; it needs no cryptographic quality.
        return ceiling * (0.5 + random.random() / 2)  # noqa: S311


def _retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` value (seconds or an HTTP date), None if unusable."""
    if value is None:
        return None
    value = value.strip()
    # isdigit() alone admits "²", which float() refuses.
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    seconds: float = when.timestamp() - time.time()
    return max(0.0, seconds)


def as_retries(retries: int | Retries) -> Retries:
    """``retries`` as a policy: an int is the number of retries, with default delays."""
    if isinstance(retries, Retries):
        return retries
    # bool is an int, but True retries is a mistake, not one retry.
    if not isinstance(retries, int) or isinstance(retries, bool):
        raise InvalidArgumentError(f"retries must be an int or a Retries, not {retries!r}")
    return Retries(total=retries)


def _build(http: httpx.Client | httpx.AsyncClient, request: Mapping[str, Any]) -> httpx.Request:
    try:
        return http.build_request(**request)
    except (TypeError, ValueError) as exc:
        # A value the caller passed that JSON cannot encode (an object, NaN...).
        raise InvalidArgumentError(f"cannot encode the request: {exc}") from exc


def send(http: httpx.Client, request: Mapping[str, Any], retries: Retries) -> httpx.Response:
    """Send ``request`` (``httpx.Client.request`` arguments) with retries; read the answer."""
    with map_httpx_exceptions():
        built = _build(http, request)
        attempt = 0
        while True:
            try:
                response = http.send(built)
            except RETRY_EXCEPTIONS:
                delay = retries.after_error(built.method, attempt)
                if delay is None:
                    raise
            else:
                delay = retries.after_response(built.method, response, attempt)
                if delay is None:
                    return response
                response.close()
            time.sleep(delay)
            attempt += 1


async def send_async(
    http: httpx.AsyncClient, request: Mapping[str, Any], retries: Retries
) -> httpx.Response:
    """Like ``send``, for an ``httpx.AsyncClient``."""
    with map_httpx_exceptions():
        built = _build(http, request)
        attempt = 0
        while True:
            try:
                response = await http.send(built)
            except RETRY_EXCEPTIONS:
                delay = retries.after_error(built.method, attempt)
                if delay is None:
                    raise
            else:
                delay = retries.after_response(built.method, response, attempt)
                if delay is None:
                    return response
                await response.aclose()
            await asyncio.sleep(delay)
            attempt += 1
