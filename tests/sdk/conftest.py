"""Fixtures for the SDK: both clients against the real app, in-process and over uvicorn."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol, cast

import anyio.from_thread
import httpx
import pytest
import uvicorn
from anyio.from_thread import BlockingPortal
from mailnotify_sdk import AsyncClient, Client, Retries
from starlette.types import ASGIApp

ORIGIN = "http://testserver"


@pytest.fixture
def database_url(sqlite_template: Path, tmp_path: Path) -> str:
    """SQLite only: these tests are about the client; the server's own cover PostgreSQL."""
    path = tmp_path / "mailnotify.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


class SyncASGITransport(httpx.BaseTransport):
    """``httpx.ASGITransport`` for a sync client: the app runs on a private event loop."""

    def __init__(self, app: ASGIApp) -> None:
        self._asgi = httpx.ASGITransport(app=app)
        self._portal_context: AbstractContextManager[BlockingPortal] = (
            anyio.from_thread.start_blocking_portal()
        )
        self._portal = self._portal_context.__enter__()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._portal.call(self._send, request)

    async def _send(self, request: httpx.Request) -> httpx.Response:
        response = await self._asgi.handle_async_request(request)
        content = await response.aread()
        return httpx.Response(response.status_code, headers=response.headers, content=content)

    def close(self) -> None:
        self._portal_context.__exit__(None, None, None)


class _AsCoroutines:
    """A sync ``Client`` whose methods return awaitables, so one test covers both clients."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def __getattr__(self, name: str) -> Callable[..., Awaitable[object]]:
        method = getattr(self._client, "close" if name == "aclose" else name)

        async def call(*args: object, **kwargs: object) -> object:
            return method(*args, **kwargs)

        return call

    async def __aenter__(self) -> _AsCoroutines:
        self._client.__enter__()
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        self._client.__exit__(*exc_info)


def as_async(client: Client) -> AsyncClient:
    """``client`` presented as an ``AsyncClient``; ``test_client`` checks their likeness."""
    return cast(AsyncClient, _AsCoroutines(client))


class Connect(Protocol):
    """Open a client of the parametrized kind; the fixture closes it."""

    def __call__(
        self,
        token: str,
        *,
        base_url: str = ORIGIN,
        retries: int | Retries = 0,
        app: ASGIApp | None = None,
    ) -> AsyncClient: ...


@pytest.fixture(params=["sync", "async"])
async def connect(request: pytest.FixtureRequest, app: ASGIApp) -> AsyncIterator[Connect]:
    """Clients in-process through ``httpx.ASGITransport``, typed as ``AsyncClient``.

    A sync ``Client`` is presented with coroutine methods; ``test_client`` checks that
    both clients have the same methods with the same signatures.
    """
    opened: list[AsyncClient] = []
    default_app = app

    def make(
        token: str,
        *,
        base_url: str = ORIGIN,
        retries: int | Retries = 0,
        app: ASGIApp | None = None,
    ) -> AsyncClient:
        target = app if app is not None else default_app
        client: AsyncClient
        if request.param == "async":
            transport = httpx.ASGITransport(app=target)
            client = AsyncClient(base_url, token, retries=retries, transport=transport)
        else:
            sync = Client(base_url, token, retries=retries, transport=SyncASGITransport(target))
            client = as_async(sync)
        opened.append(client)
        return client

    yield make
    for client in opened:
        await client.aclose()


class LiveServer:
    """The app served by uvicorn on a free loopback port, in a thread."""

    def __init__(self, app: ASGIApp) -> None:
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        host, port = self._socket.getsockname()
        self.origin = f"http://{host}:{port}"
        config = uvicorn.Config(app, lifespan="auto", log_level="warning", ws="none")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, args=([self._socket],))

    def __enter__(self) -> LiveServer:
        self._thread.start()
        for _ in range(500):
            if self._server.started or not self._thread.is_alive():
                break
            time.sleep(0.01)
        assert self._server.started, "uvicorn did not start"
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.should_exit = True
        self._thread.join(10)
        self._socket.close()


@pytest.fixture
def live_server(app: ASGIApp) -> Iterator[LiveServer]:
    """The app behind a real uvicorn on 127.0.0.1."""
    with LiveServer(app) as server:
        yield server
