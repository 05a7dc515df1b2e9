"""An httpcore network backend on asyncio's own streams and TLS.

httpcore's default backend goes through anyio, whose TLS stream and per-call timeouts
cost more than the rest of a webhook request once connections are reused; asyncio's
transports do the same work for a fraction. Errors are raised as httpcore's, as its
anyio backend raises them (with the original exception as the cause), so callers see no
difference.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager

import httpcore

SocketOption = (
    tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]
)


@contextmanager
def _mapped(mapping: Mapping[type[Exception], type[Exception]]) -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        for source, target in mapping.items():
            if isinstance(exc, source):
                raise target(str(exc) or type(exc).__name__) from exc
        raise


_Mapping = Mapping[type[Exception], type[Exception]]
_READ: _Mapping = {TimeoutError: httpcore.ReadTimeout, OSError: httpcore.ReadError}
_WRITE: _Mapping = {TimeoutError: httpcore.WriteTimeout, OSError: httpcore.WriteError}
_CONNECT: _Mapping = {
    TimeoutError: httpcore.ConnectTimeout,
    ssl.SSLError: httpcore.ConnectError,
    OSError: httpcore.ConnectError,
    EOFError: httpcore.ConnectError,
}


class AsyncioStream(httpcore.AsyncNetworkStream):
    """A connection as an asyncio reader and writer."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        """Up to ``max_bytes``; empty at the end of the stream."""
        with _mapped(_READ):
            async with asyncio.timeout(timeout):
                return await self._reader.read(max_bytes)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        """Send all of ``buffer``."""
        if not buffer:
            return
        with _mapped(_WRITE):
            async with asyncio.timeout(timeout):
                self._writer.write(buffer)
                await self._writer.drain()

    async def aclose(self) -> None:
        """Close the connection now, as httpcore's own backend does (no TLS close_notify)."""
        self._writer.transport.abort()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """The same connection after a TLS handshake verified against ``server_hostname``."""
        try:
            with _mapped(_CONNECT):
                await self._writer.start_tls(
                    ssl_context, server_hostname=server_hostname, ssl_handshake_timeout=timeout
                )
        except Exception:
            await self.aclose()
            raise
        return self

    def get_extra_info(self, info: str) -> object:
        """What httpcore asks of a stream: the TLS object, addresses, the socket, EOF."""
        if info == "is_readable":
            # An idle kept connection has nothing to read unless the peer closed it.
            return self._reader.at_eof() or self._writer.transport.is_closing()
        name = {
            "ssl_object": "ssl_object",
            "client_addr": "sockname",
            "server_addr": "peername",
            "socket": "socket",
        }.get(info)
        return None if name is None else self._writer.get_extra_info(name)


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """TCP connections through ``asyncio.open_connection``."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """A connection to ``host`` (an address here: the pinned backend resolves nothing).

        ``socket_options`` are not applied: the pinned transport sets none.
        """
        local = None if local_address is None else (local_address, 0)
        with _mapped(_CONNECT):
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(host, port, local_addr=local)
        return AsyncioStream(reader, writer)

    async def sleep(self, seconds: float) -> None:
        """Sleep on the event loop."""
        await asyncio.sleep(seconds)
