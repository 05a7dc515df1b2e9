"""mailnotify_sdk._transport: the httpx exception seam, and retries against real servers."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from mailnotify_sdk import (
    APIError,
    AsyncClient,
    Client,
    MailnotifyError,
    NotFoundError,
    Retries,
    ServerError,
    TransportError,
)
from mailnotify_sdk._transport import HTTPX_EXCEPTIONS, _retry_after, map_httpx_exceptions
from starlette.types import ASGIApp, Receive, Scope, Send

from tests.conftest import Account, MakeUser
from tests.sdk.conftest import Connect, as_async
from tests.sdk.test_client import usage_report

QUICK = Retries(total=2, backoff=0.01)


def httpx_exceptions() -> list[type[Exception]]:
    """Every exception class httpx exports."""
    return [
        obj
        for name in httpx.__all__
        if isinstance(obj := getattr(httpx, name), type) and issubclass(obj, Exception)
    ]


def instance(cls: type[Exception]) -> Exception:
    request = httpx.Request("GET", "https://api.example.com/api/users/me/notifications")
    if cls is httpx.HTTPStatusError:
        return cls("boom", request=request, response=httpx.Response(500, request=request))
    try:
        return cls("boom")
    except TypeError:
        return cls()


def test_every_httpx_exception_is_mapped() -> None:
    assert set(HTTPX_EXCEPTIONS) == set(httpx_exceptions())


@pytest.mark.parametrize("cls", httpx_exceptions(), ids=lambda cls: cls.__name__)
def test_httpx_exceptions_become_the_sdks_with_the_original_as_cause(
    cls: type[Exception],
) -> None:
    original = instance(cls)
    with pytest.raises(MailnotifyError) as caught, map_httpx_exceptions():
        raise original
    expected = TransportError if isinstance(original, httpx.RequestError) else MailnotifyError
    assert type(caught.value) is expected
    assert caught.value.__cause__ is original


def test_a_subclass_maps_like_its_nearest_mapped_base_and_others_pass() -> None:
    class Custom(httpx.ReadTimeout):
        pass

    with pytest.raises(TransportError), map_httpx_exceptions():
        raise Custom("slow")
    with pytest.raises(KeyError), map_httpx_exceptions():
        raise KeyError("not httpx")


class Gateway:
    """A gateway in front of the app that answers the first ``failures`` requests itself."""

    def __init__(
        self, app: ASGIApp, failures: int, status: int = 503, retry_after: str | None = None
    ) -> None:
        self.app, self.failures, self.status = app, failures, status
        self.headers = [(b"content-type", b"text/html")]
        if retry_after is not None:
            self.headers.append((b"retry-after", retry_after.encode()))
        self.requests = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.requests += 1
        if self.requests > self.failures:
            await self.app(scope, receive, send)
            return
        await send({"type": "http.response.start", "status": self.status, "headers": self.headers})
        await send({"type": "http.response.body", "body": b"<html>try again</html>"})


async def test_get_is_retried_on_5xx_until_it_succeeds(
    connect: Connect, app: ASGIApp, customer: Account
) -> None:
    gateway = Gateway(app, failures=2)
    client = connect(customer.token, retries=QUICK, app=gateway)
    settings = await client.get_notification_settings()
    assert settings.email_overquota_email is False
    assert gateway.requests == 3


async def test_put_is_retried_on_429_and_its_body_sent_again(
    connect: Connect, app: ASGIApp, customer: Account
) -> None:
    gateway = Gateway(app, failures=1, status=429, retry_after="0")
    client = connect(customer.token, retries=QUICK, app=gateway)
    saved = await client.update_notification_settings(notification_email="ops@example.com")
    assert saved.notification_email == "ops@example.com"
    assert gateway.requests == 2


async def test_the_last_failure_is_raised_when_retries_run_out(
    connect: Connect, app: ASGIApp, customer: Account
) -> None:
    gateway = Gateway(app, failures=5)
    client = connect(customer.token, retries=Retries(total=1, backoff=0.01), app=gateway)
    with pytest.raises(ServerError) as caught:
        await client.get_notification_settings()
    assert (caught.value.status_code, caught.value.message) == (503, "Service Unavailable")
    assert gateway.requests == 2


@pytest.mark.parametrize("retries", [0, Retries(total=0)])
async def test_retries_can_be_turned_off(
    connect: Connect, app: ASGIApp, customer: Account, retries: int | Retries
) -> None:
    gateway = Gateway(app, failures=1)
    client = connect(customer.token, retries=retries, app=gateway)
    with pytest.raises(ServerError):
        await client.get_notification_settings()
    assert gateway.requests == 1


async def test_post_is_not_retried(connect: Connect, app: ASGIApp, make_user: MakeUser) -> None:
    gateway = Gateway(app, failures=1)
    client = connect(make_user("platform").token, retries=QUICK, app=gateway)
    with pytest.raises(ServerError):
        await client.report_usage([usage_report()])
    assert gateway.requests == 1


async def test_a_4xx_is_not_retried(connect: Connect, app: ASGIApp, customer: Account) -> None:
    gateway = Gateway(app, failures=1, status=404)
    client = connect(customer.token, retries=QUICK, app=gateway)
    with pytest.raises(NotFoundError):
        await client.get_notification_settings()
    assert gateway.requests == 1


async def test_retry_after_sets_the_wait(connect: Connect, app: ASGIApp, customer: Account) -> None:
    gateway = Gateway(app, failures=1, retry_after="1")
    client = connect(customer.token, retries=QUICK, app=gateway)
    started = time.monotonic()
    await client.get_notification_settings()
    assert time.monotonic() - started >= 1.0
    assert gateway.requests == 2


async def test_a_retry_after_beyond_the_limit_ends_the_retries(
    connect: Connect, app: ASGIApp, customer: Account
) -> None:
    gateway = Gateway(app, failures=1, status=429, retry_after="3600")
    client = connect(customer.token, retries=QUICK, app=gateway)
    with pytest.raises(APIError) as caught:
        await client.get_notification_settings()
    assert type(caught.value) is APIError
    assert caught.value.status_code == 429
    assert gateway.requests == 1


def test_retry_after_is_seconds_or_an_http_date() -> None:
    assert _retry_after("7") == 7.0
    in_a_minute = format_datetime(datetime.now(UTC) + timedelta(seconds=60), usegmt=True)
    assert 55 <= (_retry_after(in_a_minute) or 0) <= 60
    past = format_datetime(datetime.now(UTC) - timedelta(seconds=60), usegmt=True)
    assert _retry_after(past) == 0.0
    for unusable in (None, "", "soon", "-1", "1.5", "²", "٣"):
        assert _retry_after(unusable) is None


def test_backoff_grows_exponentially_with_jitter_up_to_the_cap() -> None:
    retries = Retries(total=10, backoff=1.0, max_backoff=4.0)
    for attempt, ceiling in [(0, 1.0), (1, 2.0), (2, 4.0), (5, 4.0)]:
        delays = {retries.after_error("GET", attempt) for _ in range(50)}
        assert all(d is not None and ceiling / 2 <= d <= ceiling for d in delays)
        assert len(delays) > 1
    assert retries.after_error("POST", 0) is None
    assert retries.after_error("GET", 10) is None
    with pytest.raises(ValueError, match="negative"):
        Retries(total=-1)


class TCPServer:
    """A loopback TCP server that counts connections and drops or holds each one."""

    def __init__(self, *, hold: bool) -> None:
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._socket.settimeout(0.05)
        self.origin = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        self._hold = hold
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve)
        self.connections = 0

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._socket.accept()
            except TimeoutError:
                continue
            self.connections += 1
            if self._hold:
                self._held.append(connection)
            else:
                connection.close()

    def __enter__(self) -> TCPServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        for connection in self._held:
            connection.close()
        self._socket.close()


@pytest.fixture
def dropping_server() -> Iterator[TCPServer]:
    with TCPServer(hold=False) as server:
        yield server


@pytest.fixture
def silent_server() -> Iterator[TCPServer]:
    with TCPServer(hold=True) as server:
        yield server


def client_for(kind: str, origin: str, *, timeout: float = 5.0) -> AsyncClient:
    """A client of ``kind`` for a server outside the app, with quick retries."""
    if kind == "async":
        return AsyncClient(origin, "token", timeout=timeout, retries=QUICK)
    return as_async(Client(origin, "token", timeout=timeout, retries=QUICK))


KINDS = pytest.mark.parametrize("kind", ["sync", "async"])


@KINDS
async def test_dropped_connections_are_retried_then_raised(
    kind: str, dropping_server: TCPServer
) -> None:
    client = client_for(kind, dropping_server.origin)
    with pytest.raises(TransportError) as caught:
        await client.get_notification_settings()
    await client.aclose()
    assert isinstance(caught.value.__cause__, httpx.TransportError)
    assert dropping_server.connections == 3


@KINDS
async def test_a_read_timeout_is_raised_without_retries(
    kind: str, silent_server: TCPServer
) -> None:
    client = client_for(kind, silent_server.origin, timeout=0.2)
    with pytest.raises(TransportError) as caught:
        await client.get_notification_settings()
    await client.aclose()
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)
    assert silent_server.connections == 1


@KINDS
async def test_a_refused_connection_is_a_transport_error(kind: str) -> None:
    with socket.create_server(("127.0.0.1", 0)) as closed:
        port = closed.getsockname()[1]
    client = client_for(kind, f"http://127.0.0.1:{port}")
    with pytest.raises(TransportError) as caught:
        await client.get_notification_settings()
    await client.aclose()
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
