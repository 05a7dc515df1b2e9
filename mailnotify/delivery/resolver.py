"""Host name resolution, injectable so that tests can name loopback receivers."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Sequence
from typing import Protocol

from mailnotify.addresses import IPAddress


class Resolver(Protocol):
    """Resolves ``host`` to the addresses a connection to ``port`` could use."""

    async def __call__(self, host: str, port: int) -> Sequence[IPAddress]:
        """Every address of ``host``; raises ``socket.gaierror`` when there is none."""
        ...


async def system_resolver(host: str, port: int) -> Sequence[IPAddress]:
    """The operating system's answer, through the event loop's ``getaddrinfo``."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]))
        if address not in addresses:
            addresses.append(address)
    return addresses
