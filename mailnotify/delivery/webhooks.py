"""Send one signed webhook to a receiver that the address policy allows."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import httpcore
import httpx

from mailnotify.addresses import AddressPolicy, IPAddress
from mailnotify.config import Settings
from mailnotify.delivery import signing
from mailnotify.delivery.errors import DeliveryError, ErrorKind, translated
from mailnotify.delivery.outcome import Outcome, OutcomeKind
from mailnotify.delivery.resolver import Resolver, system_resolver
from mailnotify.delivery.schedule import parse_retry_after
from mailnotify.delivery.tls import client_context
from mailnotify.delivery.transport import PinnedBackend, PinnedTransport

TIMEOUT = 10.0
USER_AGENT = "mailnotify-webhooks/1"
CA_BUNDLE_VARIABLE = "MAILNOTIFY_WEBHOOK_CA_BUNDLE"

logger = logging.getLogger(__name__)


class WebhookSender:
    """Posts signed webhooks to allowed addresses; build once, share for every send.

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
        self._ssl = client_context(ca_bundle, variable=CA_BUNDLE_VARIABLE)

    @classmethod
    def from_settings(cls, settings: Settings) -> WebhookSender:
        """A sender with the operator's allow-list and CA bundle."""
        return cls(
            AddressPolicy.from_networks(settings.allow_networks),
            ca_bundle=settings.webhook_ca_bundle,
        )

    async def send(
        self,
        url: str,
        *,
        secret: str,
        event_id: str,
        body: bytes,
        now: datetime | None = None,
    ) -> Outcome:
        """POST ``body`` (JSON) to ``url``, signed with ``secret`` as event ``event_id``.

        Never raises for network or receiver trouble: that is in the outcome. Raises
        ``signing.InvalidSecret`` for a malformed secret.
        """
        now = datetime.now(UTC) if now is None else now
        # Signing first, so that a bad secret is a caller's error and not a delivery failure.
        signed = signing.headers(secret, event_id, body, now)
        host = "?"
        try:
            with translated():
                async with asyncio.timeout(self._timeout):
                    target = httpx.URL(url)
                    host = target.host
                    response = await self._post(target, signed, body)
        except DeliveryError as error:
            outcome = Outcome.from_error(error)
        else:
            outcome = _judge(response, now)
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

    async def _post(self, target: httpx.URL, signed: dict[str, str], body: bytes) -> httpx.Response:
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
            raise DeliveryError(ErrorKind.REFUSED, f"{host} resolves to {shown}: not allowed")
        transport = PinnedTransport(PinnedBackend(host, addresses, self._backend), self._ssl)
        headers = {"content-type": "application/json", "user-agent": USER_AGENT, **signed}
        client = httpx.AsyncClient(
            transport=transport,
            trust_env=False,  # an environment proxy would connect elsewhere than checked
            follow_redirects=False,
            timeout=self._timeout,
        )
        # Only status and headers matter; the body is never read, so its size is no concern.
        async with (
            client,
            client.stream("POST", target, content=body, headers=headers) as response,
        ):
            return response

    async def _addresses(self, host: str, port: int) -> Sequence[IPAddress]:
        try:
            literal = ipaddress.ip_address(host)
        except ValueError:
            return await self._resolver(host, port)
        return (literal,)


def _judge(response: httpx.Response, now: datetime) -> Outcome:
    status = response.status_code
    if 200 <= status < 300:
        return Outcome(OutcomeKind.DELIVERED, f"HTTP {status}", status=status)
    if 300 <= status < 400:
        return Outcome(OutcomeKind.RETRY, f"HTTP {status}: redirect not followed", status=status)
    retry_after = None
    if status in (429, 503) and "retry-after" in response.headers:
        retry_after = parse_retry_after(response.headers["retry-after"], now)
    return Outcome(OutcomeKind.RETRY, f"HTTP {status}", status=status, retry_after=retry_after)
