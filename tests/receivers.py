"""Real receivers on loopback: an HTTPS webhook receiver and an SMTP server."""

from __future__ import annotations

import asyncio
import ssl
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpcore
import pytest
import trustme
import uvicorn
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import Envelope, Session
from standardwebhooks import Webhook, WebhookVerificationError
from starlette.types import ASGIApp, Receive, Scope, Send

from mailnotify.addresses import IPAddress
from mailnotify.delivery.signing import generate_secret

HOOK_NAMES = ("hooks.test", "multi.test", "127.0.0.1")
SLOW_SECONDS = 1.0
# Longer than any send's timeout: the receiver that never answers.
HANG_SECONDS = 15.0


@dataclass
class Received:
    """One request as the receiver saw it."""

    path: str
    headers: dict[str, str]
    body: bytes
    verified: bool


@dataclass
class Receiver:
    """An ASGI webhook receiver whose path picks the answer; it verifies every signature."""

    secret: str
    requests: list[Received] = field(default_factory=list)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            Webhook(self.secret).verify(body, headers)
            verified = True
        except WebhookVerificationError:
            verified = False
        self.requests.append(Received(scope["path"], headers, body, verified))
        status, extra = await self._answer(scope["path"])
        await send({"type": "http.response.start", "status": status, "headers": extra})
        await send({"type": "http.response.body", "body": b"answer"})

    async def _answer(self, path: str) -> tuple[int, list[tuple[bytes, bytes]]]:
        if path == "/ok":
            return 200, []
        if path == "/accepted":
            return 202, []
        if path == "/fail":
            return 500, [(b"retry-after", b"60")]
        if path == "/gone":
            return 410, []
        if path == "/slow":
            await asyncio.sleep(SLOW_SECONDS)
            return 200, []
        if path == "/hang":
            await asyncio.sleep(HANG_SECONDS)
            return 200, []
        if path == "/redirect":
            return 307, [(b"location", b"/ok")]
        if path.startswith("/busy-for/"):
            # Whatever Retry-After the test puts in the path, however absurd.
            return 429, [(b"retry-after", path.removeprefix("/busy-for/").encode())]
        if path == "/busy":
            return 429, [(b"retry-after", b"120")]
        if path == "/unavailable":
            when = format_datetime(datetime.now(UTC) + timedelta(seconds=300), usegmt=True)
            return 503, [(b"retry-after", when.encode())]
        return 404, []


@dataclass
class HTTPSServer:
    """A running receiver: its port, its CA bundle and what it received."""

    port: int
    ca_bundle: Path
    receiver: Receiver

    @property
    def secret(self) -> str:
        return self.receiver.secret


@contextmanager
def serving_https(app: ASGIApp, ca: trustme.CA, directory: Path, **options: Any) -> Iterator[int]:
    """uvicorn serving ``app`` on 127.0.0.1 in a thread, with a certificate for the
    HOOK_NAMES from ``ca`` (written to ``directory``); its port while the block runs."""
    pem = directory / "server.pem"
    ca.issue_cert(*HOOK_NAMES).private_key_and_cert_chain_pem.write_to_path(str(pem))
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        ssl_certfile=str(pem),
        lifespan="off",
        ws="none",
        log_level="warning",
        timeout_graceful_shutdown=1,
        **options,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the HTTPS receiver did not start")
        time.sleep(0.01)
    try:
        yield server.servers[0].sockets[0].getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="session")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="session")
def ca_bundle(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


@pytest.fixture(scope="session")
def https_server(
    ca: trustme.CA, ca_bundle: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HTTPSServer]:
    """uvicorn with a trustme certificate for the HOOK_NAMES, on 127.0.0.1 and a free port."""
    receiver = Receiver(generate_secret())
    with serving_https(receiver, ca, tmp_path_factory.mktemp("server"), http="h11") as port:
        yield HTTPSServer(port, ca_bundle, receiver)


@pytest.fixture
def receiver(https_server: HTTPSServer) -> HTTPSServer:
    """The shared receiver, with no requests recorded yet."""
    https_server.receiver.requests.clear()
    return https_server


class MapResolver:
    """A resolver from a fixed table, counting its calls; unknown names do not resolve."""

    def __init__(self, table: dict[str, Sequence[IPAddress]]) -> None:
        self.table = table
        self.calls: list[tuple[str, int]] = []

    async def __call__(self, host: str, port: int) -> Sequence[IPAddress]:
        import socket

        self.calls.append((host, port))
        if host not in self.table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return self.table[host]


class RecordingBackend(httpcore.AsyncNetworkBackend):
    """The real backend, noting every address it is asked to connect to."""

    def __init__(self) -> None:
        self.inner = httpcore.AnyIOBackend()
        self.connects: list[tuple[str, int]] = []

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        self.connects.append((host, port))
        return await self.inner.connect_tcp(host, port, timeout, local_address, socket_options)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class Tripwire(httpcore.AsyncNetworkBackend):
    """A backend that refuses to connect anywhere and notes that it was asked."""

    def __init__(self) -> None:
        self.connects: list[tuple[str, int]] = []

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        self.connects.append((host, port))
        raise httpcore.ConnectError("tripwire: this test must not connect")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


# --- SMTP -----------------------------------------------------------------------------------


@dataclass
class Mailroom:
    """An aiosmtpd handler that keeps what it accepts; ``rcpt_reply`` refuses recipients."""

    rcpt_reply: str | None = None
    messages: list[Envelope] = field(default_factory=list)

    async def handle_RCPT(
        self,
        server: SMTPServer,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if self.rcpt_reply is not None:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTPServer, session: Session, envelope: Envelope) -> str:
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


class FreePortController(Controller):
    """aiosmtpd's Controller bound to port 0, learning the port the kernel chose."""

    def _trigger_server(self) -> None:
        # Runs after the listener is bound and before the first connection to it.
        assert isinstance(self.server, asyncio.Server)
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]


@dataclass
class SMTPServerHandle:
    port: int
    mailroom: Mailroom


@pytest.fixture
def smtp_server() -> Iterator[SMTPServerHandle]:
    """A plain SMTP server on 127.0.0.1 accepting everything."""
    mailroom = Mailroom()
    controller = FreePortController(mailroom, hostname="127.0.0.1", port=0)
    controller.start()
    yield SMTPServerHandle(controller.port, mailroom)
    controller.stop()


def server_tls_context(ca: trustme.CA, *names: str) -> ssl.SSLContext:
    """A server context with a certificate from ``ca`` for ``names``."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*names).configure_cert(context)
    return context
