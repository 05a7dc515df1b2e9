"""Sending over SMTP to a real aiosmtpd server on loopback."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
import trustme
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import AuthResult, LoginPassword

from mailnotify.delivery import (
    EmailSender,
    ErrorKind,
    InvalidSmtpUrl,
    OutcomeKind,
    QuotaNotice,
    SmtpTarget,
    compose_quota_email,
)
from tests.receivers import (
    FreePortController,
    Mailroom,
    SMTPServerHandle,
    server_tls_context,
)

NOTICE = QuotaNotice("alice@example.com", "space", "critical", 96, 100, 95)


def quota_email(recipient: str = "ops@customer.example") -> EmailMessage:
    return compose_quota_email(NOTICE, sender="mailnotify@host.example", recipient=recipient)


def plain(port: int) -> EmailSender:
    return EmailSender(SmtpTarget("127.0.0.1", port), timeout=5, helo_name="mailnotify.test")


async def test_the_server_receives_subject_text_and_html(smtp_server: SMTPServerHandle) -> None:
    outcome = await plain(smtp_server.port).send(quota_email())

    assert (outcome.kind, outcome.status) == (OutcomeKind.DELIVERED, 250)
    [envelope] = smtp_server.mailroom.messages
    assert envelope.mail_from == "mailnotify@host.example"
    assert envelope.rcpt_tos == ["ops@customer.example"]
    assert isinstance(envelope.content, bytes)
    received = message_from_bytes(envelope.content, policy=policy.default)
    assert isinstance(received, EmailMessage)
    assert received["Subject"] == "[mailnotify] alice@example.com: storage space at 96% (critical)"
    text = received.get_body(("plain",))
    html = received.get_body(("html",))
    assert isinstance(text, EmailMessage)
    assert isinstance(html, EmailMessage)
    assert "passed 95% of its storage space" in text.get_content()
    assert "<p>" in html.get_content()


@pytest.mark.parametrize(
    ("reply", "kind", "code"),
    [
        ("451 4.3.0 Try again later", OutcomeKind.RETRY, 451),
        ("452 4.2.2 Mailbox full", OutcomeKind.RETRY, 452),
        ("550 5.1.1 No such user", OutcomeKind.FAILED, 550),
        ("553 5.7.1 Relaying denied", OutcomeKind.FAILED, 553),
    ],
)
async def test_smtp_replies_are_temporary_or_permanent(
    smtp_server: SMTPServerHandle, reply: str, kind: OutcomeKind, code: int
) -> None:
    smtp_server.mailroom.rcpt_reply = reply
    outcome = await plain(smtp_server.port).send(quota_email())
    assert (outcome.kind, outcome.status, outcome.error) == (kind, code, ErrorKind.REJECTED)
    assert smtp_server.mailroom.messages == []


async def test_no_server_is_a_temporary_failure() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    outcome = await plain(closed).send(quota_email())
    assert (outcome.kind, outcome.error) == (OutcomeKind.RETRY, ErrorKind.CONNECT)


async def test_a_silent_server_times_out() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        sender = EmailSender(
            SmtpTarget("127.0.0.1", listener.getsockname()[1]), timeout=0.3, helo_name="t"
        )
        outcome = await sender.send(quota_email())
    assert (outcome.kind, outcome.error) == (OutcomeKind.RETRY, ErrorKind.TIMEOUT)


# --- STARTTLS, implicit TLS and login ----------------------------------------------------------


def authenticate(
    server: SMTPServer, session: object, envelope: object, mechanism: str, auth_data: object
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data.password == b"s3cret:/@"
    # handled=False: aiosmtpd answers 535 itself.
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def tls_smtp_server(ca: trustme.CA) -> Iterator[SMTPServerHandle]:
    """STARTTLS required before anything else, with login, certificate for 127.0.0.1 only."""
    mailroom = Mailroom()
    controller = FreePortController(
        mailroom,
        hostname="127.0.0.1",
        port=0,
        tls_context=server_tls_context(ca, "127.0.0.1"),
        require_starttls=True,
        authenticator=authenticate,
    )
    controller.start()
    yield SMTPServerHandle(controller.port, mailroom)
    controller.stop()


@pytest.fixture
def implicit_tls_smtp_server(ca: trustme.CA) -> Iterator[SMTPServerHandle]:
    mailroom = Mailroom()
    controller = FreePortController(
        mailroom, hostname="127.0.0.1", port=0, ssl_context=server_tls_context(ca, "127.0.0.1")
    )
    controller.start()
    yield SMTPServerHandle(controller.port, mailroom)
    controller.stop()


async def test_starttls_and_login(tls_smtp_server: SMTPServerHandle, ca_bundle: Path) -> None:
    target = SmtpTarget.parse(
        f"smtp+starttls://mailnotify:s3cret%3A%2F%40@127.0.0.1:{tls_smtp_server.port}"
    )
    sender = EmailSender(target, timeout=5, ca_bundle=ca_bundle, helo_name="t")
    outcome = await sender.send(quota_email())
    assert outcome.kind is OutcomeKind.DELIVERED
    assert len(tls_smtp_server.mailroom.messages) == 1


async def test_a_wrong_password_is_permanent(
    tls_smtp_server: SMTPServerHandle, ca_bundle: Path
) -> None:
    target = SmtpTarget.parse(f"smtp+starttls://mailnotify:nope@127.0.0.1:{tls_smtp_server.port}")
    outcome = await EmailSender(target, timeout=5, ca_bundle=ca_bundle, helo_name="t").send(
        quota_email()
    )
    assert (outcome.kind, outcome.status) == (OutcomeKind.FAILED, 535)


async def test_the_smtp_certificate_is_checked_against_the_host(
    tls_smtp_server: SMTPServerHandle, ca_bundle: Path
) -> None:
    # The certificate names 127.0.0.1, not localhost.
    target = SmtpTarget.parse(f"smtp+starttls://localhost:{tls_smtp_server.port}")
    outcome = await EmailSender(target, timeout=5, ca_bundle=ca_bundle, helo_name="t").send(
        quota_email()
    )
    assert (outcome.kind, outcome.error) == (OutcomeKind.RETRY, ErrorKind.TLS)
    assert tls_smtp_server.mailroom.messages == []


async def test_implicit_tls(implicit_tls_smtp_server: SMTPServerHandle, ca_bundle: Path) -> None:
    target = SmtpTarget.parse(f"smtps://127.0.0.1:{implicit_tls_smtp_server.port}")
    outcome = await EmailSender(target, timeout=5, ca_bundle=ca_bundle, helo_name="t").send(
        quota_email()
    )
    assert outcome.kind is OutcomeKind.DELIVERED
    assert len(implicit_tls_smtp_server.mailroom.messages) == 1


async def test_implicit_tls_without_the_ca_fails(
    implicit_tls_smtp_server: SMTPServerHandle,
) -> None:
    target = SmtpTarget.parse(f"smtps://127.0.0.1:{implicit_tls_smtp_server.port}")
    outcome = await EmailSender(target, timeout=5, helo_name="t").send(quota_email())
    assert (outcome.kind, outcome.error) == (OutcomeKind.RETRY, ErrorKind.TLS)


# --- configuration -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://127.0.0.1:1025", SmtpTarget("127.0.0.1", 1025, "plain")),
        ("smtp://mail.example", SmtpTarget("mail.example", 25, "plain")),
        ("smtps://mail.example", SmtpTarget("mail.example", 465, "tls")),
        ("smtp+starttls://mail.example", SmtpTarget("mail.example", 587, "starttls")),
        (
            "smtps://u%40x:p%3Aw@mail.example:2465/",
            SmtpTarget("mail.example", 2465, "tls", "u@x", "p:w"),
        ),
    ],
)
def test_smtp_urls(url: str, expected: SmtpTarget) -> None:
    assert SmtpTarget.parse(url) == expected


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://mail.example", "scheme"),
        ("smtp://", "no host"),
        ("smtp://mail.example:99999", "not a URL"),
        ("smtp://mail.example/path", "only scheme"),
        ("smtp://user:pass@mail.example", "credentials need"),
    ],
)
def test_bad_smtp_urls_say_why(url: str, problem: str) -> None:
    with pytest.raises(InvalidSmtpUrl, match=problem):
        SmtpTarget.parse(url)


def test_the_password_stays_out_of_repr() -> None:
    target = SmtpTarget.parse("smtps://user:hunter2@mail.example")
    assert "hunter2" not in repr(target)


class Trickler:
    """An SMTP server that waits ``delay`` s before each reply, and accepts anything.

    Each reply comes before a per-operation timeout of more than ``delay`` would end, so
    only a bound on the whole submission stops a client.
    """

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.received = b""
        self.closed_by_client = asyncio.Event()

    async def _pause(self, reader: asyncio.StreamReader) -> bool:
        """Wait before a reply; False when the client left meanwhile."""
        try:
            # A client says nothing while it waits for a reply: only its leaving ends this.
            early = await asyncio.wait_for(reader.read(1), self.delay)
        except TimeoutError:
            return True
        self.received += early
        return bool(early)

    async def __call__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            if await self._pause(reader):
                writer.write(b"220 slow.example ESMTP\r\n")
                in_data = False
                while line := await reader.readline():
                    self.received += line
                    if in_data and line != b".\r\n":
                        continue
                    if not await self._pause(reader):
                        break
                    in_data = line.upper().startswith(b"DATA")
                    writer.write(b"354 go ahead\r\n" if in_data else b"250 ok\r\n")
                    await writer.drain()
        except ConnectionError:
            pass
        finally:
            self.closed_by_client.set()
            writer.close()

    @property
    def message_accepted(self) -> bool:
        """Whether a whole message reached the end of its DATA."""
        return b"\r\n.\r\n" in self.received


@pytest.fixture
async def trickler() -> AsyncIterator[tuple[Trickler, int]]:
    server = Trickler(0.8)
    listener = await asyncio.start_server(server, "127.0.0.1", 0)
    yield server, listener.sockets[0].getsockname()[1]
    listener.close()
    await listener.wait_closed()


async def test_defect_6_a_slow_smtp_server_costs_the_timeout_not_a_timeout_per_reply(
    trickler: tuple[Trickler, int],
) -> None:
    server, port = trickler
    sender = EmailSender(SmtpTarget("127.0.0.1", port), timeout=1.0, helo_name="t")
    started = time.monotonic()
    outcome = await sender.send(quota_email())
    # Seven replies at 0.8 s each would take over 5 s.
    assert time.monotonic() - started < 4
    assert (outcome.kind, outcome.error) == (OutcomeKind.RETRY, ErrorKind.TIMEOUT)
    await asyncio.wait_for(server.closed_by_client.wait(), 5)
    assert not server.message_accepted


async def test_defect_6_a_cancelled_smtp_send_never_happens_later(
    trickler: tuple[Trickler, int],
) -> None:
    server, port = trickler
    sender = EmailSender(SmtpTarget("127.0.0.1", port), timeout=60, helo_name="t")
    # As the worker does when a job's lease runs out: the attempt is then recorded a retry.
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(sender.send(quota_email()), 1.0)
    await asyncio.wait_for(server.closed_by_client.wait(), 5)
    await asyncio.sleep(6)  # as long as the whole submission would have taken
    assert not server.message_accepted
