"""The pinned backend connects to checked addresses of one host and nothing else."""

from __future__ import annotations

import ipaddress

import httpcore
import pytest

from mailnotify.delivery.transport import PinnedBackend
from tests.receivers import Tripwire


async def test_only_the_checked_host_is_connected_and_at_its_addresses_in_order() -> None:
    tripwire = Tripwire()
    addresses = [ipaddress.ip_address("127.0.0.2"), ipaddress.ip_address("::1")]
    backend = PinnedBackend("hooks.test", addresses, tripwire)
    with pytest.raises(httpcore.ConnectError, match="tripwire"):
        await backend.connect_tcp("hooks.test", 443)
    assert tripwire.connects == [("127.0.0.2", 443), ("::1", 443)]


async def test_another_host_is_refused_before_any_connection() -> None:
    tripwire = Tripwire()
    backend = PinnedBackend("hooks.test", [ipaddress.ip_address("127.0.0.1")], tripwire)
    with pytest.raises(httpcore.ConnectError, match="not the host"):
        await backend.connect_tcp("evil.test", 443)
    with pytest.raises(httpcore.ConnectError, match="unix"):
        await backend.connect_unix_socket("/run/docker.sock")
    assert tripwire.connects == []


def test_a_pin_needs_an_address() -> None:
    with pytest.raises(ValueError, match="at least one"):
        PinnedBackend("hooks.test", [])
