"""An httpx transport that connects only to addresses checked beforehand.

The host name stays in the URL, so httpcore sends it as SNI and verifies the certificate
against it, and keys its pool by it; only the TCP connect is redirected, inside a network
backend, to the pinned addresses. Rewriting the URL to the address instead (with a Host
header and the ``sni_hostname`` extension) would key the pool by address, so a connection
verified for one name could serve another, and every caller would have to remember to set
both. httpx 0.28 cannot hand a network backend to ``AsyncHTTPTransport``, so this transport
drives ``httpcore.AsyncConnectionPool`` through its public API.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Sequence
from typing import Protocol, runtime_checkable

import httpcore
import httpx

from mailnotify.addresses import IPAddress
from mailnotify.delivery.streams import AsyncioBackend, SocketOption


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """Connects to ``host`` only, and only at ``addresses``, tried in order."""

    def __init__(
        self,
        host: str,
        addresses: Sequence[IPAddress],
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        if not addresses:
            raise ValueError("a pinned backend needs at least one address")
        self._host = host
        self._addresses = tuple(addresses)
        self._inner = AsyncioBackend() if inner is None else inner

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Open a connection to the first pinned address that accepts one."""
        if host != self._host:
            raise httpcore.ConnectError(f"{host} is not the host whose addresses were checked")
        failure: httpcore.ConnectError | None = None
        for address in self._addresses:
            try:
                return await self._inner.connect_tcp(
                    str(address),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore.ConnectError as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Refused: webhooks travel over TCP only."""
        raise httpcore.ConnectError("unix sockets are not used for webhooks")

    async def sleep(self, seconds: float) -> None:
        """Sleep the way the inner backend does."""
        await self._inner.sleep(seconds)


@runtime_checkable
class _Closable(Protocol):
    async def aclose(self) -> None: ...


class _ResponseBody(httpx.AsyncByteStream):
    def __init__(self, stream: AsyncIterable[bytes]) -> None:
        self._stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for part in self._stream:
            yield part

    async def aclose(self) -> None:
        if isinstance(self._stream, _Closable):
            await self._stream.aclose()


class PinnedTransport(httpx.AsyncBaseTransport):
    """HTTP/1.1 over TLS to one host, through a ``PinnedBackend``; no proxies, no retries.

    Its one connection is kept for the next request, for ``keepalive_seconds`` after its
    last use (None: as long as the peer keeps it).
    """

    def __init__(
        self,
        backend: PinnedBackend,
        ssl_context: ssl.SSLContext,
        *,
        keepalive_seconds: float | None = None,
    ) -> None:
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=1,
            keepalive_expiry=keepalive_seconds,
            http1=True,
            http2=False,
            retries=0,
            network_backend=backend,
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` and return the response with its body still unread."""
        url = request.url
        response = await self._pool.handle_async_request(
            httpcore.Request(
                method=request.method,
                url=httpcore.URL(
                    scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
                ),
                headers=request.headers.raw,
                content=request.stream,
                extensions=request.extensions,
            )
        )
        if not isinstance(response.stream, AsyncIterable):
            raise TypeError("an async pool returned a synchronous body")
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_ResponseBody(response.stream),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        """Close the pool and its connection."""
        await self._pool.aclose()
