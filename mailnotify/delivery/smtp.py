"""Send a composed email over SMTP, classifying failures."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

import aiosmtplib

from mailnotify.delivery import errors
from mailnotify.delivery.errors import DeliveryError, ErrorKind, translated
from mailnotify.delivery.outcome import Outcome, OutcomeKind
from mailnotify.delivery.tls import client_context

TIMEOUT = 10.0

Security = Literal["plain", "tls", "starttls"]

_SCHEMES: dict[str, tuple[Security, int]] = {
    "smtp": ("plain", 25),
    "smtps": ("tls", 465),
    "smtp+starttls": ("starttls", 587),
}

logger = logging.getLogger(__name__)


class InvalidSmtpUrl(ValueError):
    """An SMTP URL this sender cannot use; the message says why, without the password."""


@dataclass(frozen=True, slots=True)
class SmtpTarget:
    """Where and how to submit mail; the password is kept out of ``repr``."""

    host: str
    port: int
    security: Security = "plain"
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @classmethod
    def parse(cls, url: str) -> SmtpTarget:
        """Read ``smtp://``, ``smtps://`` or ``smtp+starttls://[user:pass@]host[:port]``."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            raise InvalidSmtpUrl("not a URL") from None
        if parts.scheme not in _SCHEMES:
            raise InvalidSmtpUrl("scheme must be smtp, smtps or smtp+starttls")
        if not parts.hostname:
            raise InvalidSmtpUrl("no host")
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise InvalidSmtpUrl("only scheme, credentials, host and port")
        security, default_port = _SCHEMES[parts.scheme]
        username = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password is not None else None
        if username is not None and security == "plain":
            # A password over an unencrypted connection is readable on the wire.
            raise InvalidSmtpUrl("credentials need smtps:// or smtp+starttls://")
        return cls(parts.hostname, port or default_port, security, username, password)


class EmailSender:
    """Submits messages to one SMTP server; build once, share for every send.

    On asyncio (aiosmtplib): ``timeout`` bounds the whole submission, and when it runs
    out the connection is closed at once, so a message is never handed over after its
    attempt was recorded as failed.
    """

    def __init__(
        self,
        target: SmtpTarget,
        *,
        timeout: float = TIMEOUT,
        ca_bundle: Path | None = None,
        helo_name: str | None = None,
    ) -> None:
        self._target = target
        self._timeout = timeout
        self._ssl = client_context(ca_bundle)
        # The default, getfqdn(), asks DNS for a reverse lookup on every connection.
        self._helo = helo_name or socket.gethostname()

    async def send(self, message: EmailMessage) -> Outcome:
        """Submit ``message``; a 4xx reply or a network failure is worth a retry, 5xx is not."""
        try:
            with translated():
                async with asyncio.timeout(self._timeout):
                    await self._submit(message)
        except DeliveryError as error:
            told = errors.phrase(error, host=self._target.host, timeout=self._timeout)
            outcome = Outcome.from_error(error, told)
        else:
            outcome = Outcome(OutcomeKind.DELIVERED, "accepted", status=250)
        logger.info(
            "email attempt %s",
            outcome.kind,
            extra={
                "message_id": message["Message-ID"],
                "outcome": str(outcome.kind),
                "status": outcome.status,
                "detail": outcome.detail,
            },
        )
        return outcome

    async def _submit(self, message: EmailMessage) -> None:
        target = self._target
        smtp = aiosmtplib.SMTP(
            hostname=target.host,
            port=target.port,
            local_hostname=self._helo,
            timeout=self._timeout,
            use_tls=target.security == "tls",
            # Never upgraded on its own: "plain" means plain, "starttls" requires it.
            start_tls=target.security == "starttls",
            tls_context=self._ssl,
        )
        try:
            await smtp.connect()
            if target.username is not None:
                await smtp.login(target.username, target.password or "")
            refused, _ = await smtp.send_message(message)
            with contextlib.suppress(aiosmtplib.SMTPException):
                await smtp.execute_command(b"QUIT")
        finally:
            # Dropped at once, TLS or not: closing a TLS session gracefully would wait
            # for the peer, and a timed-out send must stop now.
            if isinstance(smtp.transport, asyncio.WriteTransport):
                smtp.transport.abort()
                # The socket itself closes on the loop's next turn.
                await asyncio.sleep(0)
            smtp.close()
        if refused:
            # Some recipients refused while others took it; the lowest code decides.
            code = min(reply.code for reply in refused.values())
            raise DeliveryError(ErrorKind.REJECTED, f"recipients refused: {code}", code=code)
