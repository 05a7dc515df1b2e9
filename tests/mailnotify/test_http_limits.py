"""Issue 7 defect 4: HTTP limits at the edge, against a real uvicorn and raw sockets.

The server runs the app under test in a thread with the limited protocol and short
limits; the clients are plain sockets, so nothing between them smooths the edges.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest
import uvicorn
from connexion import AsyncApp

from mailnotify.http_limits import HttpLimits, protocol
from tests.conformance.live_server import free_port
from tests.conftest import Account

# The edge is the same whatever the database behind it.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

LIMITS = HttpLimits(max_head_bytes=4096, head_timeout=1.0, body_timeout=1.5, max_connections=8)
KEEP_ALIVE_SECONDS = 1


@pytest.fixture
def address(app: AsyncApp) -> Iterator[tuple[str, int]]:
    """A real uvicorn serving ``app`` with LIMITS on a free port."""
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=free_port(),
        http=protocol(LIMITS),
        log_config=None,
        access_log=False,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        lifespan="off",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive(), "uvicorn stopped"
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield config.host, config.port
    server.should_exit = True
    thread.join(timeout=20)


@pytest.fixture
def connect(address: tuple[str, int]) -> Iterator[Callable[[], socket.socket]]:
    """Open client connections to the server; all closed after the test."""
    opened: list[socket.socket] = []

    def open_one() -> socket.socket:
        client = socket.create_connection(address, timeout=10)
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        opened.append(client)
        return client

    yield open_one
    for client in opened:
        client.close()


Connect = Callable[[], socket.socket]


def read_response(client: socket.socket) -> bytes:
    """Everything the server sends until it closes (or a reset), at most 10 s."""
    data = b""
    try:
        while chunk := client.recv(65536):
            data += chunk
    except (ConnectionResetError, TimeoutError):
        pass
    return data


def send_until_refused(client: socket.socket, chunk: bytes, *, total: int) -> int:
    """Bytes sent before the server stopped reading (broken pipe or reset)."""
    sent = 0
    try:
        while sent < total:
            client.sendall(chunk)
            sent += len(chunk)
    except OSError:
        return sent
    raise AssertionError(f"the server read all {total} bytes")


def trickle_until_answered(client: socket.socket, *, seconds: float) -> bytes:
    """Send a header byte every 0.25 s until the server answers or closes; its answer."""
    deadline = time.monotonic() + seconds
    client.setblocking(False)
    try:
        while time.monotonic() < deadline:
            client.send(b"X")
            time.sleep(0.25)
            try:
                answer = client.recv(65536)
            except BlockingIOError:
                continue
            return answer  # a response, or b"" when closed
    except OSError:
        return b""
    finally:
        client.setblocking(True)
    raise AssertionError("the server kept reading a head that never ends")


def healthz(client: socket.socket) -> bytes:
    client.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
    return client.recv(65536)


def closed_within(client: socket.socket, seconds: float) -> float:
    """Seconds until the server closes ``client``, failing after ``seconds``."""
    start = time.monotonic()
    client.settimeout(seconds)
    read_response(client)
    elapsed = time.monotonic() - start
    assert elapsed < seconds, "the connection stayed open"
    return elapsed


def test_oversized_header_is_refused_at_once_without_reading_it_all(
    connect: Connect,
) -> None:
    client = connect()
    client.sendall(b"GET /api/users/me/notifications HTTP/1.1\r\nHost: t\r\nX-Api-Token: ")
    start = time.monotonic()
    sent = send_until_refused(client, b"a" * 65536, total=100 * 1024 * 1024)
    elapsed = time.monotonic() - start
    # The kernel's buffers take a few MiB; the rest was never read.
    assert sent < 32 * 1024 * 1024
    assert elapsed < 5
    client.close()


def test_oversized_header_gets_431_when_the_client_waits(connect: Connect) -> None:
    client = connect()
    client.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: " + b"a" * (80 * 1024))
    answer = read_response(client)
    assert answer.startswith(b"HTTP/1.1 431 ")
    assert json.loads(answer.partition(b"\r\n\r\n")[2])["message"] == (
        "Request header fields too large"
    )


def test_oversized_header_in_one_read_gets_431_and_never_reaches_the_app(
    connect: Connect, customer: Account
) -> None:
    client = connect()
    client.sendall(
        b"PUT /api/users/me/notifications HTTP/1.1\r\nHost: t\r\n"
        b"X-Api-Token: %s\r\nX-Big: %s\r\n"
        % (customer.token.encode(), b"a" * 8192)
        + b"Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
    )
    answer = read_response(client)
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:100]
    assert json.loads(answer.partition(b"\r\n\r\n")[2])["message"] == (
        "Request header fields too large"
    )


def test_slow_trickling_head_is_closed_after_the_head_timeout(connect: Connect) -> None:
    client = connect()
    client.sendall(b"GET /healthz HTTP/1.1\r\n")
    start = time.monotonic()
    answer = trickle_until_answered(client, seconds=10)
    assert time.monotonic() - start < LIMITS.head_timeout + 4
    assert answer == b"" or answer.startswith(b"HTTP/1.1 408 ")


def test_connection_that_sends_nothing_is_closed_after_the_head_timeout(
    connect: Connect,
) -> None:
    assert closed_within(connect(), LIMITS.head_timeout + 4) >= LIMITS.head_timeout * 0.5


def test_body_that_stops_arriving_is_cut_after_the_body_timeout(
    connect: Connect, customer: Account
) -> None:
    client = connect()
    client.sendall(
        b"PUT /api/users/me/notifications HTTP/1.1\r\nHost: t\r\n"
        b"X-Api-Token: %s\r\n"
        % customer.token.encode()
        + b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
    )
    closed_within(client, LIMITS.body_timeout + 4)


def test_idle_keep_alive_connection_is_closed(connect: Connect) -> None:
    client = connect()
    assert healthz(client).startswith(b"HTTP/1.1 200 ")
    assert closed_within(client, KEEP_ALIVE_SECONDS + 4) >= KEEP_ALIVE_SECONDS * 0.5


def test_over_the_connection_cap_requests_get_503_with_the_contract_body(
    connect: Connect,
) -> None:
    held = [connect() for _ in range(LIMITS.max_connections)]
    for client in held:  # each one accepted and served
        assert healthz(client).startswith(b"HTTP/1.1 200 ")
    extra = connect()
    answer = healthz(extra) + read_response(extra)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 503 ")
    assert b"retry-after: 1" in head.lower()
    assert json.loads(body) == {"message": "Service unavailable", "errors": []}
    for client in held:
        client.close()
    # Below the cap again, a new connection is served.
    deadline = time.monotonic() + 5
    while True:
        answer = healthz(connect())
        if answer.startswith(b"HTTP/1.1 200 ") or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert answer.startswith(b"HTTP/1.1 200 ")


def test_normal_requests_still_work_kept_alive_and_with_a_body(
    connect: Connect, customer: Account
) -> None:
    client = connect()
    for _ in range(3):
        assert healthz(client).startswith(b"HTTP/1.1 200 ")
    token = customer.token
    body = json.dumps({"notification_email": "ops@example.com"}).encode()
    head = (
        "PUT /api/users/me/notifications HTTP/1.1\r\nHost: t\r\n"
        f"X-Api-Token: {token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    client.sendall(head + body)
    assert client.recv(65536).startswith(b"HTTP/1.1 200 ")
