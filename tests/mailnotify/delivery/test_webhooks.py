"""Webhooks against a real HTTPS receiver (uvicorn, trustme) on loopback."""

from __future__ import annotations

import ipaddress
import json
import logging
import socket
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from standardwebhooks import Webhook

from mailnotify.addresses import AddressPolicy, IPAddress
from mailnotify.delivery import (
    ErrorKind,
    InvalidSecret,
    OutcomeKind,
    WebhookSender,
    generate_secret,
)
from tests.receivers import (
    SLOW_SECONDS,
    HTTPSServer,
    MapResolver,
    RecordingBackend,
    Tripwire,
)

LOOPBACK = AddressPolicy.from_networks([ipaddress.ip_network("127.0.0.0/8")])
BODY = json.dumps({"id": "evt_1", "action_type": "domain_create"}).encode()


def ip(text: str) -> IPAddress:
    return ipaddress.ip_address(text)


def table(**names: Sequence[str]) -> MapResolver:
    return MapResolver({k.replace("_", "."): [ip(a) for a in v] for k, v in names.items()})


def sender(
    server: HTTPSServer,
    resolver: MapResolver | None = None,
    *,
    policy: AddressPolicy = LOOPBACK,
    timeout: float = 5.0,
    backend: RecordingBackend | Tripwire | None = None,
    ca_bundle: Path | None = None,
) -> WebhookSender:
    return WebhookSender(
        policy,
        ca_bundle=server.ca_bundle if ca_bundle is None else ca_bundle,
        timeout=timeout,
        resolver=resolver or table(hooks_test=["127.0.0.1"]),
        network_backend=backend,
    )


async def test_delivers_a_signed_webhook_to_the_checked_address(receiver: HTTPSServer) -> None:
    resolver = table(hooks_test=["127.0.0.1"])
    backend = RecordingBackend()
    webhooks = sender(receiver, resolver, backend=backend)

    outcome = await webhooks.send(
        f"https://hooks.test:{receiver.port}/ok",
        secret=receiver.secret,
        event_id="evt_1",
        body=BODY,
    )

    assert (outcome.kind, outcome.status, outcome.error) == (OutcomeKind.DELIVERED, 200, None)
    [request] = receiver.receiver.requests
    assert request.verified
    assert request.body == BODY
    assert request.headers["webhook-id"] == "evt_1"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["host"] == f"hooks.test:{receiver.port}"
    assert Webhook(receiver.secret).verify(request.body, request.headers) == json.loads(BODY)
    # One lookup, and the connection went to its answer, not to a name.
    assert resolver.calls == [("hooks.test", receiver.port)]
    assert backend.connects == [("127.0.0.1", receiver.port)]


async def test_every_attempt_carries_the_same_id_and_a_valid_signature(
    receiver: HTTPSServer,
) -> None:
    webhooks = sender(receiver)
    url = f"https://hooks.test:{receiver.port}/accepted"
    for _ in range(2):
        outcome = await webhooks.send(url, secret=receiver.secret, event_id="evt_2", body=BODY)
        assert outcome.kind is OutcomeKind.DELIVERED
        assert outcome.status == 202
    assert [r.headers["webhook-id"] for r in receiver.receiver.requests] == ["evt_2", "evt_2"]
    assert all(r.verified for r in receiver.receiver.requests)


async def test_a_wrong_secret_is_caught_by_the_receiver(receiver: HTTPSServer) -> None:
    # Proves the receiver's check can fail, so that the verified flags above mean something.
    await sender(receiver).send(
        f"https://hooks.test:{receiver.port}/ok",
        secret=generate_secret(),
        event_id="evt_3",
        body=BODY,
    )
    [request] = receiver.receiver.requests
    assert not request.verified


async def test_an_ip_literal_url_is_verified_against_the_address(receiver: HTTPSServer) -> None:
    resolver = table()
    outcome = await sender(receiver, resolver).send(
        f"https://127.0.0.1:{receiver.port}/ok", secret=receiver.secret, event_id="e", body=BODY
    )
    assert outcome.kind is OutcomeKind.DELIVERED
    assert resolver.calls == []


async def test_a_certificate_for_another_name_fails(receiver: HTTPSServer) -> None:
    resolver = table(hooks_test=["127.0.0.1"], other_test=["127.0.0.1"])
    outcome = await sender(receiver, resolver).send(
        f"https://other.test:{receiver.port}/ok", secret=receiver.secret, event_id="e", body=BODY
    )
    assert (outcome.kind, outcome.error) == (OutcomeKind.RETRY, ErrorKind.TLS)
    assert "certificate" in outcome.detail.lower()
    assert receiver.receiver.requests == []


async def test_a_certificate_from_an_unknown_ca_fails(
    receiver: HTTPSServer, tmp_path: Path
) -> None:
    # Only the system's CAs: the trustme CA is not among them.
    webhooks = WebhookSender(LOOPBACK, resolver=table(hooks_test=["127.0.0.1"]), timeout=5.0)
    outcome = await webhooks.send(
        f"https://hooks.test:{receiver.port}/ok", secret=receiver.secret, event_id="e", body=BODY
    )
    assert (outcome.kind, outcome.error) == (OutcomeKind.RETRY, ErrorKind.TLS)
    assert receiver.receiver.requests == []


async def test_a_redirect_is_not_followed_and_counts_as_a_failure(receiver: HTTPSServer) -> None:
    outcome = await sender(receiver).send(
        f"https://hooks.test:{receiver.port}/redirect",
        secret=receiver.secret,
        event_id="e",
        body=BODY,
    )
    assert (outcome.kind, outcome.status) == (OutcomeKind.RETRY, 307)
    assert [r.path for r in receiver.receiver.requests] == ["/redirect"]


@pytest.mark.parametrize(("path", "status"), [("/fail", 500), ("/gone", 410), ("/nope", 404)])
async def test_other_answers_are_retried_without_retry_after(
    receiver: HTTPSServer, path: str, status: int
) -> None:
    outcome = await sender(receiver).send(
        f"https://hooks.test:{receiver.port}{path}", secret=receiver.secret, event_id="e", body=BODY
    )
    # /fail sends Retry-After too: only 429 and 503 are honoured.
    assert (outcome.kind, outcome.status, outcome.retry_after) == (OutcomeKind.RETRY, status, None)


async def test_retry_after_in_seconds_on_429(receiver: HTTPSServer) -> None:
    outcome = await sender(receiver).send(
        f"https://hooks.test:{receiver.port}/busy", secret=receiver.secret, event_id="e", body=BODY
    )
    assert (outcome.kind, outcome.status, outcome.retry_after) == (OutcomeKind.RETRY, 429, 120.0)


async def test_retry_after_as_an_http_date_on_503(receiver: HTTPSServer) -> None:
    outcome = await sender(receiver).send(
        f"https://hooks.test:{receiver.port}/unavailable",
        secret=receiver.secret,
        event_id="e",
        body=BODY,
        now=datetime.now(UTC),
    )
    assert (outcome.kind, outcome.status) == (OutcomeKind.RETRY, 503)
    assert outcome.retry_after is not None
    assert 290 <= outcome.retry_after <= 301


async def test_a_slow_receiver_times_out(receiver: HTTPSServer) -> None:
    started = time.monotonic()
    outcome = await sender(receiver, timeout=0.3).send(
        f"https://hooks.test:{receiver.port}/slow", secret=receiver.secret, event_id="e", body=BODY
    )
    elapsed = time.monotonic() - started
    assert (outcome.kind, outcome.error) == (OutcomeKind.RETRY, ErrorKind.TIMEOUT)
    assert elapsed < SLOW_SECONDS


async def test_a_closed_port_is_a_connection_failure(receiver: HTTPSServer) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    outcome = await sender(receiver).send(
        f"https://hooks.test:{closed}/ok", secret=receiver.secret, event_id="e", body=BODY
    )
    assert (outcome.kind, outcome.error) == (OutcomeKind.RETRY, ErrorKind.CONNECT)


async def test_the_next_checked_address_is_tried_when_one_refuses(receiver: HTTPSServer) -> None:
    # The receiver listens on 127.0.0.1 only, so 127.0.0.2 refuses the connection.
    backend = RecordingBackend()
    resolver = table(multi_test=["127.0.0.2", "127.0.0.1"])
    outcome = await sender(receiver, resolver, backend=backend).send(
        f"https://multi.test:{receiver.port}/ok", secret=receiver.secret, event_id="e", body=BODY
    )
    assert outcome.kind is OutcomeKind.DELIVERED
    assert backend.connects == [("127.0.0.2", receiver.port), ("127.0.0.1", receiver.port)]


async def test_a_name_that_does_not_resolve_is_retried(receiver: HTTPSServer) -> None:
    outcome = await sender(receiver, table()).send(
        "https://nowhere.test/ok", secret=receiver.secret, event_id="e", body=BODY
    )
    assert (outcome.kind, outcome.error) == (OutcomeKind.RETRY, ErrorKind.DNS)


REFUSED_LITERALS = [
    "127.0.0.1",
    "10.0.0.1",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "169.254.0.1",
    "100.64.0.1",
    "0.0.0.0",
    "224.0.0.1",
    "240.0.0.1",
    "[::1]",
    "[::]",
    "[fe80::1]",
    "[fd00:ec2::254]",
    "[::ffff:127.0.0.1]",
    "[::ffff:169.254.169.254]",
    "[::ffff:10.0.0.1]",
    "[::127.0.0.1]",
    "[64:ff9b::7f00:1]",
    "[2002:7f00:1::1]",
    "[ff02::1]",
]


@pytest.mark.parametrize("host", REFUSED_LITERALS)
async def test_local_and_private_literals_are_refused_without_connecting(
    receiver: HTTPSServer, host: str
) -> None:
    tripwire = Tripwire()
    webhooks = sender(receiver, table(), policy=AddressPolicy(), backend=tripwire)
    outcome = await webhooks.send(
        f"https://{host}:{receiver.port}/ok", secret=receiver.secret, event_id="e", body=BODY
    )
    assert (outcome.kind, outcome.error) == (OutcomeKind.FAILED, ErrorKind.REFUSED)
    assert tripwire.connects == []
    assert receiver.receiver.requests == []


@pytest.mark.parametrize(
    "answer",
    [
        ["127.0.0.1"],
        ["10.1.2.3"],
        ["169.254.169.254"],
        ["100.100.100.200"],
        ["::ffff:127.0.0.1"],
        ["fe80::1"],
        # Every address must pass: one public address does not excuse a private one.
        ["8.8.8.8", "10.0.0.1"],
        ["2606:4700:4700::1111", "::1"],
    ],
)
async def test_names_resolving_to_local_addresses_are_refused_without_connecting(
    receiver: HTTPSServer, answer: list[str]
) -> None:
    tripwire = Tripwire()
    resolver = table(hooks_test=answer)
    webhooks = sender(receiver, resolver, policy=AddressPolicy(), backend=tripwire)
    outcome = await webhooks.send(
        f"https://hooks.test:{receiver.port}/ok", secret=receiver.secret, event_id="e", body=BODY
    )
    assert (outcome.kind, outcome.error) == (OutcomeKind.FAILED, ErrorKind.REFUSED)
    assert resolver.calls == [("hooks.test", receiver.port)]
    assert tripwire.connects == []


async def test_the_allow_list_opens_only_its_ranges(receiver: HTTPSServer) -> None:
    tripwire = Tripwire()
    resolver = table(hooks_test=["127.0.0.1", "10.0.0.1"])
    outcome = await sender(receiver, resolver, backend=tripwire).send(
        f"https://hooks.test:{receiver.port}/ok", secret=receiver.secret, event_id="e", body=BODY
    )
    assert (outcome.kind, outcome.error) == (OutcomeKind.FAILED, ErrorKind.REFUSED)
    assert "10.0.0.1" in outcome.detail
    assert tripwire.connects == []


@pytest.mark.parametrize(
    "url",
    ["http://hooks.test/ok", "https://user:pw@hooks.test/ok", "ftp://hooks.test/", "https://"],
)
async def test_unusable_urls_fail_permanently(receiver: HTTPSServer, url: str) -> None:
    tripwire = Tripwire()
    outcome = await sender(receiver, backend=tripwire).send(
        url, secret=receiver.secret, event_id="e", body=BODY
    )
    assert (outcome.kind, outcome.error) == (OutcomeKind.FAILED, ErrorKind.REFUSED)
    assert tripwire.connects == []


async def test_a_malformed_secret_is_the_callers_error(receiver: HTTPSServer) -> None:
    with pytest.raises(InvalidSecret) as raised:
        await sender(receiver).send(
            f"https://hooks.test:{receiver.port}/ok",
            secret="whsec_not base64!",
            event_id="e",
            body=BODY,
        )
    assert "not base64!" not in str(raised.value)
    assert receiver.receiver.requests == []


async def test_the_secret_never_reaches_the_logs(
    receiver: HTTPSServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    webhooks = sender(receiver)
    for path in ("/ok", "/fail", "/redirect"):
        await webhooks.send(
            f"https://hooks.test:{receiver.port}{path}",
            secret=receiver.secret,
            event_id="evt_log",
            body=BODY,
        )
    key = receiver.secret.removeprefix("whsec_")
    attempts = [r for r in caplog.records if r.name == "mailnotify.delivery.webhooks"]
    assert len(attempts) == 3
    assert {getattr(r, "event_id", None) for r in attempts} == {"evt_log"}
    everything = caplog.text + "".join(repr(vars(r)) for r in caplog.records)
    assert key not in everything
