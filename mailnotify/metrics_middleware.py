"""ASGI middleware for metrics: one count and one observation per request, and ``/metrics``."""

from __future__ import annotations

import asyncio
import time

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from mailnotify.metrics import CONTENT_TYPE, Metrics, OutboxCollector, scrape
from mailnotify.middleware import StatusNote

METRICS_PATH = "/metrics"
# Paths outside the API's operations, named as they are: they hold no user data.
_PROBES = frozenset({"/healthz", "/readyz", METRICS_PATH})
_JSON = (b"content-type", b"application/json")


def operation_of(scope: Scope, docs_prefix: str) -> str:
    """The label a request is counted under: its operationId, never the raw path."""
    routing = scope.get("extensions", {}).get("connexion_routing", {})
    operation = routing.get("operation_id")
    if operation:
        return str(operation)
    path: str = scope.get("path", "")
    if path in _PROBES:
        return path.lstrip("/")
    if path.startswith(docs_prefix):
        return "docs"
    return "unmatched"


class RequestMetricsMiddleware:
    """Count every HTTP request by operation and status, and observe its duration."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics, docs_prefix: str) -> None:
        self.app = app
        self.metrics = metrics
        self.docs_prefix = docs_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        # Connexion's routing notes the operation in the extensions of a shallow copy of the
        # scope: only an extensions dict that exists already is shared with this one.
        scope.setdefault("extensions", {})
        noted = StatusNote(send)
        try:
            await self.app(scope, receive, noted)
        finally:
            self.metrics.request(
                operation_of(scope, self.docs_prefix), noted.status, time.perf_counter() - started
            )


class MetricsEndpoint:
    """``GET /metrics``: the Prometheus text, built off the event loop."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics, outbox: OutboxCollector | None) -> None:
        self.app = app
        self.metrics = metrics
        self.outbox = outbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") != METRICS_PATH:
            await self.app(scope, receive, send)
            return
        if scope["method"] != "GET":
            body = orjson.dumps({"message": "Method not allowed", "errors": []})
            await _answer(send, 405, body, [(b"allow", b"GET"), _JSON])
            return
        # Reading other processes' files and the outbox's rows is blocking work.
        body = await asyncio.to_thread(scrape, self.metrics, self.outbox)
        await _answer(send, 200, body, [(b"content-type", CONTENT_TYPE.encode())])


async def _answer(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*headers, (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
