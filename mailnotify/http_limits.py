"""HTTP/1.1 limits at the edge: request heads of bounded size and time, a connection cap.

httptools parses a request head of any size at any pace, and uvicorn times out only
idle keep-alive connections. This subclass of uvicorn's httptools protocol holds each
request head to a size, counted in bytes while it arrives and measured once parsed, and
to a deadline from its first byte (or from the connection, for one that says nothing):
too large is answered 431, too late 408, and the connection closed without reading
more. A body has a deadline of its own from the end of its head. Connections past the
cap get the contract's 503 to their requests, and are closed after it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import partial
from typing import Any

import orjson
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn.server import ServerState

from mailnotify.errors import ApiError

# When a refused client may try again: connections come and go within seconds.
RETRY_AFTER_SECONDS = 1


@dataclass(frozen=True, slots=True)
class HttpLimits:
    """The limits one server process keeps."""

    max_head_bytes: int
    head_timeout: float
    body_timeout: float
    max_connections: int


@dataclass(frozen=True, slots=True)
class _Refusal:
    """An answer given in place of the app, in the contract's body shape."""

    status: int
    body: bytes
    extra: tuple[tuple[bytes, bytes], ...] = ()

    @property
    def headers(self) -> list[tuple[bytes, bytes]]:
        """Its headers; the connection closes after it."""
        return [
            (b"content-type", b"application/json"),
            (b"content-length", b"%d" % len(self.body)),
            *self.extra,
            (b"connection", b"close"),
        ]

    def raw(self) -> bytes:
        """The whole response, for a connection whose request never reached a cycle."""
        lines = b"".join(b"%s: %s\r\n" % header for header in self.headers)
        return STATUS_LINE[self.status] + lines + b"\r\n" + self.body

    async def __call__(self, _scope: Any, _receive: Any, send: Any) -> None:
        """As an ASGI app, for a request whose head was parsed."""
        await send({"type": "http.response.start", "status": self.status, "headers": self.headers})
        await send({"type": "http.response.body", "body": self.body})


def _body(message: str) -> bytes:
    return orjson.dumps({"message": message, "errors": []})


# 431 and 408 are not statuses of the API contract (the request never reaches it).
HEAD_TOO_LARGE = _Refusal(431, _body("Request header fields too large"))
HEAD_TOO_SLOW = _Refusal(408, _body("Request timeout"))
OVER_CAPACITY = _Refusal(
    503,
    orjson.dumps(ApiError(503).body()),
    ((b"retry-after", b"%d" % RETRY_AFTER_SECONDS),),
)


_IDLE, _HEAD, _BODY = 0, 1, 2


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the limits of :class:`HttpLimits`."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
        *,
        limits: HttpLimits,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._limits = limits
        # _HEAD from the connection's start and from each message's first byte until
        # its head is parsed, _BODY until its body is; _IDLE between messages, where
        # uvicorn's keep-alive timeout applies. One deadline per phase.
        self._phase = _HEAD
        self._head_bytes = 0
        self._deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self._limits.max_connections:
            self.app = OVER_CAPACITY
        self._deadline = self.loop.call_later(self._limits.head_timeout, self._late)

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_deadline()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        # Checked after parsing: a chunk that completes the head (with a body after it)
        # does not count as head, and a message that completed needs no deadline; the
        # parser has seen at most one chunk too many. No timer for a whole request.
        if self._phase == _IDLE or self.transport.is_closing():
            return
        if self._phase == _HEAD:
            self._head_bytes += len(data)
            if self._head_bytes > self._limits.max_head_bytes:
                self._refuse(HEAD_TOO_LARGE)
                return
        if self._deadline is None:
            timeout = (
                self._limits.head_timeout if self._phase == _HEAD else self._limits.body_timeout
            )
            self._deadline = self.loop.call_later(timeout, self._late)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._phase = _HEAD
        self._head_bytes = 0

    def on_headers_complete(self) -> None:
        self._phase = _BODY
        self._cancel_deadline()
        # A head that came whole in one read is measured here, from what was parsed;
        # the request is answered in place of the app, and its body read and dropped.
        if self._head_size() > self._limits.max_head_bytes:
            app, self.app = self.app, HEAD_TOO_LARGE
            try:
                super().on_headers_complete()
            finally:
                self.app = app
            return
        super().on_headers_complete()

    def _head_size(self) -> int:
        # Request line and header lines as sent, give or take the method and version.
        return len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)

    def on_message_complete(self) -> None:
        self._phase = _IDLE
        self._cancel_deadline()
        super().on_message_complete()

    def _cancel_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _late(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if self._phase == _HEAD:
            self._refuse(HEAD_TOO_SLOW)
        elif self._phase == _BODY:
            # The app may be reading it, or may have answered already: the request
            # ends as a client disconnect.
            self.transport.close()

    def _refuse(self, refusal: _Refusal) -> None:
        self._cancel_deadline()
        if self.cycle is None or self.cycle.response_complete:
            self.transport.write(refusal.raw())
            self.transport.close()
        else:
            # A pipelined head went wrong while a response is on its way: let that one
            # finish, then close.
            self.cycle.keep_alive = False
            self.flow.pause_reading()


def protocol(limits: HttpLimits) -> type[asyncio.Protocol]:
    """The protocol for uvicorn's ``http=`` setting (picklable, for ``--workers``)."""
    made: type[asyncio.Protocol] = partial(LimitedHttpToolsProtocol, limits=limits)  # type: ignore[assignment]
    return made
