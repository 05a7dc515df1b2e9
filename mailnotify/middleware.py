"""ASGI middleware, one concern each: request ids, access logs, health probes, slashes."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import MutableMapping
from typing import Any

import orjson
from sqlalchemy import text
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mailnotify.db import Database
from mailnotify.errors import not_found
from mailnotify.outage import database_unavailable

access_logger = logging.getLogger("mailnotify.access")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# Where the request id waits for the middleware inside (Starlette's ``request.state``).
_STATE_KEY = "request_id"


def request_id_of(scope: Scope) -> str:
    """The id ``RequestIdMiddleware`` gave this request ("" outside of it)."""
    return str(scope.get("state", {}).get(_STATE_KEY, ""))


def _incoming_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            candidate = str(value.decode("latin-1"))
            if _REQUEST_ID.match(candidate):
                return candidate
            break
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Tag each request with an id (the caller's, if sane) and echo it in ``X-Request-Id``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_id(scope)
        scope.setdefault("state", {})[_STATE_KEY] = request_id
        header = (b"x-request-id", request_id.encode())

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), header]
            await send(message)

        await self.app(scope, receive, send_with_id)


class StatusNote:
    """A ``send`` that notes the status the answer started with (500 if none started)."""

    __slots__ = ("_send", "status")

    def __init__(self, send: Send) -> None:
        self._send = send
        self.status = 500

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
        await self._send(message)


class AccessLogMiddleware:
    """One JSON log line per request, with its id, status and duration."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        noted = StatusNote(send)
        try:
            await self.app(scope, receive, noted)
        finally:
            access_logger.info(
                "request",
                extra={
                    "request_id": request_id_of(scope),
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": noted.status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 3),
                },
            )


class TrailingSlashMiddleware:
    """A path with a trailing slash is not a route: 404, not Starlette's 307 redirect."""

    def __init__(self, app: ASGIApp, *, keep: tuple[str, ...]) -> None:
        self.app = app
        # Swagger UI lives under a trailing slash.
        self.keep = keep

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if (
            scope["type"] == "http"
            and len(path) > 1
            and path.endswith("/")
            and not path.startswith(self.keep)
        ):
            raise not_found()
        await self.app(scope, receive, send)


class HealthMiddleware:
    """``/healthz`` (the process answers) and ``/readyz`` (the database answers)."""

    def __init__(self, app: ASGIApp, *, database: Database) -> None:
        self.app = app
        self.database = database

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path") if scope["type"] == "http" else None
        if path == "/healthz":
            await _json(send, 200, {"status": "ok"})
        elif path == "/readyz":
            try:
                await self.database.read(lambda connection: connection.execute(text("SELECT 1")))
            except Exception as error:
                # The gateway logs outages once; anything else is a defect worth a trace.
                if not database_unavailable(error):
                    logging.getLogger("mailnotify.health").exception("readiness check failed")
                await _json(send, 503, {"status": "unavailable"})
            else:
                await _json(send, 200, {"status": "ready"})
        else:
            await self.app(scope, receive, send)


async def _json(send: Send, status: int, body: MutableMapping[str, Any]) -> None:
    payload = orjson.dumps(body)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
