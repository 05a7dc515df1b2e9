"""Send one signed webhook to a receiver that the address policy allows."""

from __future__ import annotations

import asyncio
import dataclasses
import ipaddress
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpcore
import httpx

from mailnotify.addresses import AddressPolicy, IPAddress
from mailnotify.delivery import errors, signing
from mailnotify.delivery.errors import DeliveryError, ErrorKind, translated
from mailnotify.delivery.outcome import Outcome, OutcomeKind
from mailnotify.delivery.pools import TransportPool
from mailnotify.delivery.resolver import Resolver, system_resolver
from mailnotify.delivery.schedule import parse_retry_after
from mailnotify.delivery.tls import client_context
from mailnotify.delivery.transport import PinnedBackend, PinnedTransport

TIMEOUT = 10.0
# A kept connection the receiver may have closed meanwhile is not used after this long.
KEEPALIVE_SECONDS = 5.0
DRAIN_BYTES = 64 * 1024
# How much of an answer the delivery log keeps (CONTRACT §7).
EXCERPT_BYTES = 1024
DRAIN_SECONDS = 1.0
DRAIN_MARGIN = 0.05
USER_AGENT = "mailnotify-webhooks/1"

logger = logging.getLogger(__name__)


class WebhookSender:
    """Posts signed webhooks to allowed addresses; build once, share for every send.

    Inside ``async with sender.connections():`` connections to a destination are kept and
    reused by later sends to it; outside, every send opens and closes its own.

    ``resolver`` and ``network_backend`` exist for tests: the first names loopback
    receivers, the second observes (or forbids) the connections actually made.
    """

    def __init__(
        self,
        policy: AddressPolicy,
        *,
        ca_bundle: Path | None = None,
        timeout: float = TIMEOUT,
        resolver: Resolver = system_resolver,
        network_backend: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self._policy = policy
        self._timeout = timeout
        self._resolver = resolver
        self._backend = network_backend
        # Loading CAs costs milliseconds; one context serves every send.
        self._ssl = client_context(ca_bundle)
        # Builds requests exactly as an httpx client would (its default headers, the
        # timeout), and never sends one: it has no transport that could.
        self._requests = httpx.AsyncClient(
            transport=_NoTransport(), trust_env=False, timeout=timeout
        )
        self._pool: TransportPool | None = None

    @asynccontextmanager
    async def connections(self) -> AsyncIterator[None]:
        """Keep connections for reuse during the block (nested blocks share the outer one)."""
        if self._pool is not None:
            yield
            return
        self._pool = self._new_pool()
        try:
            yield
        finally:
            pool, self._pool = self._pool, None
            await pool.aclose()

    def _new_pool(self) -> TransportPool:
        def make(host: str, addresses: Sequence[IPAddress]) -> PinnedTransport:
            return PinnedTransport(
                PinnedBackend(host, addresses, self._backend),
                self._ssl,
                keepalive_seconds=KEEPALIVE_SECONDS,
            )

        return TransportPool(make)

    async def send(
        self,
        url: str,
        *,
        secret: str | Sequence[str],
        event_id: str,
        body: bytes,
        now: datetime | None = None,
    ) -> Outcome:
        """POST ``body`` (JSON) to ``url``, signed with ``secret`` as event ``event_id``.

        ``secret`` may be several (a rotation's overlap, the new one first): the
        ``webhook-signature`` header then carries a signature for each.

        Never raises for network or receiver trouble: that is in the outcome. Raises
        ``signing.InvalidSecret`` for a malformed secret.
        """
        now = datetime.now(UTC) if now is None else now
        # Signing first, so that a bad secret is a caller's error and not a delivery failure.
        signed = signing.headers(secret, event_id, body, now)
        host = "?"
        pool = self._pool if self._pool is not None else self._new_pool()
        try:
            with translated():
                async with asyncio.timeout(self._timeout) as budget:
                    target = httpx.URL(url)
                    host = target.host
                    outcome = await self._post(pool, target, signed, body, now, budget)
        except DeliveryError as error:
            told = errors.phrase(error, host=host, timeout=self._timeout)
            outcome = Outcome.from_error(error, told)
        finally:
            if pool is not self._pool:
                await pool.aclose()
        logger.info(
            "webhook attempt %s",
            outcome.kind,
            extra={
                "event_id": event_id,
                "webhook_host": host,
                "outcome": str(outcome.kind),
                "status": outcome.status,
                "detail": outcome.detail,
            },
        )
        return outcome

    async def _post(
        self,
        pool: TransportPool,
        target: httpx.URL,
        signed: dict[str, str],
        body: bytes,
        now: datetime,
        budget: asyncio.Timeout,
    ) -> Outcome:
        if target.scheme != "https" or not target.host:
            raise DeliveryError(ErrorKind.REFUSED, "the URL is not an absolute https URL")
        if target.userinfo:
            raise DeliveryError(ErrorKind.REFUSED, "the URL carries a user:password part")
        # raw_host is the IDNA (ASCII) form httpcore will use for SNI and for connect_tcp.
        host = target.raw_host.decode("ascii")
        port = target.port or 443
        addresses = await self._addresses(host, port)
        refused = [a for a in addresses if not self._policy.permits(a)]
        if refused or not addresses:
            shown = ", ".join(str(a) for a in refused) or "nothing"
            told = f"address {refused[0]} is not public" if refused else f"{host} has no address"
            raise DeliveryError(
                ErrorKind.REFUSED, f"{host} resolves to {shown}: not allowed", phrase=told
            )
        headers = {"content-type": "application/json", "user-agent": USER_AGENT, **signed}
        request = self._requests.build_request("POST", target, content=body, headers=headers)
        async with pool.lease(host, port, addresses) as transport:
            # Redirects are not followed: the transport answers each request as it is.
            response = await transport.handle_async_request(request)
            try:
                outcome = _judge(response, now)
                excerpt = await _drain(response, budget)
                if excerpt:
                    outcome = dataclasses.replace(
                        outcome, excerpt=excerpt[:EXCERPT_BYTES].decode("utf-8", "replace")
                    )
            finally:
                await response.aclose()
        return outcome

    async def _addresses(self, host: str, port: int) -> Sequence[IPAddress]:
        try:
            literal = ipaddress.ip_address(host)
        except ValueError:
            return await self._resolver(host, port)
        return (literal,)


async def _drain(response: httpx.Response, budget: asyncio.Timeout) -> bytes:
    """Read a short answer's body, so that its connection can serve the next request.

    Returns the start of the body (what arrived of its first ``EXCERPT_BYTES``).

    Only status and headers matter; a long or slow body is left unread (its connection is
    closed instead), and whatever happens here does not change the outcome: it stops
    before the send's own time budget runs out.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DRAIN_SECONDS
    when = budget.when()
    if when is not None:
        deadline = min(deadline, when - DRAIN_MARGIN)
    start = bytearray()
    if deadline <= loop.time():
        return bytes(start)
    try:
        async with asyncio.timeout_at(deadline):
            size = 0
            async for chunk in response.aiter_raw():
                size += len(chunk)
                if len(start) < EXCERPT_BYTES:
                    start += chunk[: EXCERPT_BYTES - len(start)]
                if size > DRAIN_BYTES:
                    break
    except (TimeoutError, httpx.HTTPError, httpcore.NetworkError, httpcore.ProtocolError):
        pass
    return bytes(start)


class _NoTransport(httpx.AsyncBaseTransport):
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise RuntimeError("webhook requests go through a pinned transport")


def _judge(response: httpx.Response, now: datetime) -> Outcome:
    status = response.status_code
    if 200 <= status < 300:
        return Outcome(OutcomeKind.DELIVERED, f"HTTP {status}", status=status)
    if 300 <= status < 400:
        return Outcome(
            OutcomeKind.RETRY,
            f"HTTP {status}: redirect not followed",
            status=status,
            phrase="redirect not followed",
        )
    retry_after = None
    if status in (429, 503) and "retry-after" in response.headers:
        retry_after = parse_retry_after(response.headers["retry-after"], now)
    return Outcome(
        OutcomeKind.RETRY,
        f"HTTP {status}",
        status=status,
        retry_after=retry_after,
        phrase=f"HTTP {status}",
    )
