"""Kept connections: reused only for the same checked destination, closed when done."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import ssl
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import trustme

from mailnotify.addresses import AddressPolicy, IPAddress
from mailnotify.delivery import OutcomeKind, WebhookSender, generate_secret
from mailnotify.delivery.pools import TransportPool
from mailnotify.delivery.transport import PinnedBackend, PinnedTransport
from tests.receivers import (
    HTTPSServer,
    MapResolver,
    RecordingBackend,
    Tripwire,
    server_tls_context,
)

LOOPBACK = AddressPolicy.from_networks([ipaddress.ip_network("127.0.0.0/8")])
BODY = json.dumps({"id": "evt_1", "action_type": "domain_create"}).encode()


def ip(text: str) -> IPAddress:
    return ipaddress.ip_address(text)


def sender(server: HTTPSServer, resolver: MapResolver, backend: RecordingBackend) -> WebhookSender:
    return WebhookSender(
        LOOPBACK,
        ca_bundle=server.ca_bundle,
        timeout=5.0,
        resolver=resolver,
        network_backend=backend,
    )


async def send_twice(webhooks: WebhookSender, port: int, secret: str) -> None:
    for number in range(2):
        outcome = await webhooks.send(
            f"https://hooks.test:{port}/ok", secret=secret, event_id=f"evt_{number}", body=BODY
        )
        assert outcome.kind is OutcomeKind.DELIVERED


async def test_sends_in_a_connections_block_share_one_connection(receiver: HTTPSServer) -> None:
    resolver = MapResolver({"hooks.test": [ip("127.0.0.1")]})
    backend = RecordingBackend()
    webhooks = sender(receiver, resolver, backend)
    async with webhooks.connections():
        await send_twice(webhooks, receiver.port, receiver.secret)
    assert backend.connects == [("127.0.0.1", receiver.port)]
    # Every send still looked the name up and checked the answer itself.
    assert resolver.calls == [("hooks.test", receiver.port)] * 2
    assert [r.verified for r in receiver.receiver.requests] == [True, True]


async def test_without_the_block_every_send_connects_anew(receiver: HTTPSServer) -> None:
    backend = RecordingBackend()
    webhooks = sender(receiver, MapResolver({"hooks.test": [ip("127.0.0.1")]}), backend)
    await send_twice(webhooks, receiver.port, receiver.secret)
    assert backend.connects == [("127.0.0.1", receiver.port)] * 2


async def test_a_new_answer_from_the_resolver_gets_its_own_connection(
    receiver: HTTPSServer,
) -> None:
    resolver = MapResolver({"hooks.test": [ip("127.0.0.1")]})
    backend = RecordingBackend()
    webhooks = sender(receiver, resolver, backend)
    async with webhooks.connections():
        await send_twice(webhooks, receiver.port, receiver.secret)
        # The name now resolves elsewhere: the kept connection to 127.0.0.1 is not used.
        resolver.table["hooks.test"] = [ip("127.0.0.2"), ip("127.0.0.1")]
        await send_twice(webhooks, receiver.port, receiver.secret)
    assert backend.connects == [
        ("127.0.0.1", receiver.port),
        ("127.0.0.2", receiver.port),
        ("127.0.0.1", receiver.port),
    ]


class CountingTransport(PinnedTransport):
    """A pinned transport that notes when it is closed."""

    closed = 0

    async def aclose(self) -> None:
        type(self).closed += 1
        await super().aclose()


@pytest.fixture
def transports() -> list[CountingTransport]:
    CountingTransport.closed = 0
    return []


def pool(made: list[CountingTransport], **options: Any) -> TransportPool:
    context = ssl.create_default_context()

    def make(host: str, addresses: Sequence[IPAddress]) -> PinnedTransport:
        transport = CountingTransport(PinnedBackend(host, addresses, Tripwire()), context)
        made.append(transport)
        return transport

    return TransportPool(make, **options)


async def test_a_transport_is_reused_only_for_the_same_destination(
    transports: list[CountingTransport],
) -> None:
    pools = pool(transports)
    checked = [ip("127.0.0.1")]
    async with pools.lease("a.test", 443, checked) as first:
        pass
    async with pools.lease("a.test", 443, checked) as again:
        assert again is first
    async with pools.lease("a.test", 8443, checked) as other_port:
        assert other_port is not first
    async with pools.lease("a.test", 443, [ip("127.0.0.2")]) as other_address:
        assert other_address is not first
    async with pools.lease("b.test", 443, checked) as other_host:
        assert other_host is not first
    async with (
        pools.lease("a.test", 443, checked) as one,
        pools.lease("a.test", 443, checked) as two,
    ):
        # One send at a time per transport.
        assert one is not two
    assert CountingTransport.closed == 0
    await pools.aclose()
    assert CountingTransport.closed == len(transports) == 5


async def test_idle_transports_are_bounded_and_expire(transports: list[CountingTransport]) -> None:
    now = [0.0]
    pools = pool(transports, max_idle=2, idle_seconds=10, clock=lambda: now[0])
    for host in ("a.test", "b.test", "c.test"):
        async with pools.lease(host, 443, [ip("127.0.0.1")]):
            pass
    # The least recently used one went over the bound.
    assert CountingTransport.closed == 1
    now[0] = 11.0
    async with pools.lease("c.test", 443, [ip("127.0.0.1")]):
        pass
    assert CountingTransport.closed == 2
    await pools.aclose()
    assert CountingTransport.closed == 3


async def test_a_transport_in_use_when_the_pool_closes_is_closed_on_return(
    transports: list[CountingTransport],
) -> None:
    pools = pool(transports)
    async with pools.lease("a.test", 443, [ip("127.0.0.1")]):
        await pools.aclose()
        assert CountingTransport.closed == 0
    assert CountingTransport.closed == 1


async def test_a_kept_connection_the_receiver_closed_is_replaced(
    ca: trustme.CA, ca_bundle: Path
) -> None:
    # A receiver that answers each request and then closes the connection without saying
    # so, as one whose keep-alive timeout ran out between two sends.
    answered: list[bytes] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # One request per connection.
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        answered.append(await reader.readexactly(length))
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(
        serve, "127.0.0.1", 0, ssl=server_tls_context(ca, "hooks.test")
    )
    port = server.sockets[0].getsockname()[1]
    # The default network backend: its view of a closed idle connection is under test.
    webhooks = WebhookSender(
        LOOPBACK,
        ca_bundle=ca_bundle,
        timeout=5.0,
        resolver=MapResolver({"hooks.test": [ip("127.0.0.1")]}),
    )
    async with server, webhooks.connections():
        for number in range(2):
            outcome = await webhooks.send(
                f"https://hooks.test:{port}/ok",
                secret=generate_secret(),
                event_id=f"e{number}",
                body=BODY,
            )
            assert outcome.kind is OutcomeKind.DELIVERED, outcome
            await asyncio.sleep(0.05)  # the close reaches this side
    assert answered == [BODY, BODY]
