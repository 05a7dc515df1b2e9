"""Connections kept open between webhooks to one checked destination.

A connection is reused only by a send whose own lookup produced the same host, port and
addresses, so every connection still goes to addresses checked for the send that uses it
(no second lookup), and TLS was verified against that host when it was opened. A TLS
handshake costs more than the rest of a webhook; reuse saves it.

Each transport holds one connection and serves one send at a time: httpcore's pool
scans all its connections for every request, which costs more than it saves here.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager

from mailnotify.addresses import IPAddress
from mailnotify.delivery.transport import PinnedTransport

Key = tuple[str, int, tuple[IPAddress, ...]]
MakeTransport = Callable[[str, Sequence[IPAddress]], PinnedTransport]

# An idle connection is closed after this long, and at most this many stay open, so
# that a worker sending to many hosts does not pile up sockets.
IDLE_SECONDS = 15.0
MAX_IDLE = 512


class TransportPool:
    """Idle one-connection transports per (host, port, checked addresses)."""

    def __init__(
        self,
        make: MakeTransport,
        *,
        idle_seconds: float = IDLE_SECONDS,
        max_idle: int = MAX_IDLE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._make = make
        self._idle_seconds = idle_seconds
        self._max_idle = max_idle
        self._clock = clock
        # Least recently released destination first; within one, oldest first.
        self._idle: OrderedDict[Key, list[tuple[PinnedTransport, float]]] = OrderedDict()
        self._count = 0
        self._closed = False

    @asynccontextmanager
    async def lease(
        self, host: str, port: int, addresses: Sequence[IPAddress]
    ) -> AsyncIterator[PinnedTransport]:
        """A transport to this destination, for the block; kept for reuse afterwards."""
        key = (host, port, tuple(addresses))
        waiting = self._idle.get(key)
        if waiting:
            transport, _ = waiting.pop()
            self._count -= 1
            if not waiting:
                del self._idle[key]
        else:
            transport = self._make(host, addresses)
        try:
            yield transport
        finally:
            await self._release(key, transport)

    async def _release(self, key: Key, transport: PinnedTransport) -> None:
        if self._closed:
            await transport.aclose()
            return
        now = self._clock()
        self._idle.setdefault(key, []).append((transport, now))
        self._idle.move_to_end(key)
        self._count += 1
        await self._trim(now)

    async def _trim(self, now: float) -> None:
        for key in list(self._idle):
            waiting = self._idle[key]
            while waiting and (
                self._count > self._max_idle or now - waiting[0][1] > self._idle_seconds
            ):
                transport, _ = waiting.pop(0)
                self._count -= 1
                await transport.aclose()
            if not waiting:
                del self._idle[key]
            elif self._count <= self._max_idle:
                # Later destinations were released more recently.
                break

    async def aclose(self) -> None:
        """Close every idle transport; a transport in use is closed when it comes back."""
        self._closed = True
        idle = [transport for waiting in self._idle.values() for transport, _ in waiting]
        self._idle.clear()
        self._count = 0
        for transport in idle:
            await transport.aclose()
