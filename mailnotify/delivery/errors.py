"""Delivery failures, and the one place where foreign exceptions become them.

Every failure below the delivery API leaves it as a ``DeliveryError`` with a kind::

    DeliveryError.kind
     ├── REFUSED    the destination is not allowed (address policy, not an https URL)
     ├── DNS        the receiver's name did not resolve
     ├── CONNECT    no connection, or it broke before an answer
     ├── TLS        handshake or certificate verification failed
     ├── TIMEOUT    the time budget ran out
     ├── PROTOCOL   the peer broke HTTP or SMTP, or lacks a needed extension
     ├── REJECTED   the SMTP server answered with an error reply (``code``)
     └── CLIENT     this side misused a library: a bug, retried in case a fix ships

Only ``REFUSED`` and ``REJECTED`` with a 5xx reply are permanent; everything else is worth
another attempt on the retry schedule.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum

import aiosmtplib
import httpcore
import httpx


class ErrorKind(StrEnum):
    """What went wrong, coarsely enough to decide between retry and give up."""

    REFUSED = "refused"
    DNS = "dns"
    CONNECT = "connect"
    TLS = "tls"
    TIMEOUT = "timeout"
    PROTOCOL = "protocol"
    REJECTED = "rejected"
    CLIENT = "client"


class DeliveryError(Exception):
    """A delivery attempt failed; ``kind`` says how, ``code`` carries an SMTP reply code."""

    def __init__(
        self, kind: ErrorKind, detail: str, *, code: int | None = None, phrase: str | None = None
    ) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail
        self.code = code
        # What a consumer is told, when the raiser knows better than ``phrase()``.
        self.phrase = phrase

    @property
    def permanent(self) -> bool:
        """Whether another attempt cannot succeed."""
        if self.kind is ErrorKind.REFUSED:
            return True
        return self.kind is ErrorKind.REJECTED and self.code is not None and self.code >= 500


_K = ErrorKind

# Looked up along the raised type's MRO, so the most specific entry wins. A test walks httpx,
# httpcore and aiosmtplib and requires every exception class they export to be a key here.
FOREIGN: dict[type[BaseException], ErrorKind] = {
    # httpx: raised by the client itself (URL parsing, stream misuse) or by its transports.
    httpx.HTTPError: _K.PROTOCOL,
    httpx.HTTPStatusError: _K.PROTOCOL,
    httpx.RequestError: _K.CONNECT,
    httpx.TransportError: _K.CONNECT,
    httpx.TimeoutException: _K.TIMEOUT,
    httpx.ConnectTimeout: _K.TIMEOUT,
    httpx.ReadTimeout: _K.TIMEOUT,
    httpx.WriteTimeout: _K.TIMEOUT,
    httpx.PoolTimeout: _K.TIMEOUT,
    httpx.NetworkError: _K.CONNECT,
    httpx.ConnectError: _K.CONNECT,
    httpx.ReadError: _K.CONNECT,
    httpx.WriteError: _K.CONNECT,
    httpx.CloseError: _K.CONNECT,
    httpx.ProxyError: _K.CONNECT,
    httpx.ProtocolError: _K.PROTOCOL,
    httpx.RemoteProtocolError: _K.PROTOCOL,
    httpx.DecodingError: _K.PROTOCOL,
    httpx.TooManyRedirects: _K.PROTOCOL,
    httpx.UnsupportedProtocol: _K.REFUSED,
    httpx.InvalidURL: _K.REFUSED,
    httpx.LocalProtocolError: _K.CLIENT,
    httpx.CookieConflict: _K.CLIENT,
    httpx.StreamError: _K.CLIENT,
    httpx.StreamConsumed: _K.CLIENT,
    httpx.StreamClosed: _K.CLIENT,
    httpx.ResponseNotRead: _K.CLIENT,
    httpx.RequestNotRead: _K.CLIENT,
    # httpcore: the pinned transport talks to it directly, so its errors arrive unwrapped.
    httpcore.TimeoutException: _K.TIMEOUT,
    httpcore.ConnectTimeout: _K.TIMEOUT,
    httpcore.ReadTimeout: _K.TIMEOUT,
    httpcore.WriteTimeout: _K.TIMEOUT,
    httpcore.PoolTimeout: _K.TIMEOUT,
    httpcore.NetworkError: _K.CONNECT,
    httpcore.ConnectError: _K.CONNECT,
    httpcore.ReadError: _K.CONNECT,
    httpcore.WriteError: _K.CONNECT,
    httpcore.ConnectionNotAvailable: _K.CONNECT,
    httpcore.ProxyError: _K.CONNECT,
    httpcore.UnsupportedProtocol: _K.REFUSED,
    httpcore.ProtocolError: _K.PROTOCOL,
    httpcore.RemoteProtocolError: _K.PROTOCOL,
    httpcore.LocalProtocolError: _K.CLIENT,
    # aiosmtplib: replies carry a code, which decides temporary (4xx) or permanent (5xx).
    aiosmtplib.SMTPException: _K.PROTOCOL,
    aiosmtplib.SMTPNotSupported: _K.PROTOCOL,
    aiosmtplib.SMTPServerDisconnected: _K.CONNECT,
    aiosmtplib.SMTPConnectError: _K.CONNECT,
    aiosmtplib.SMTPTimeoutError: _K.TIMEOUT,
    aiosmtplib.SMTPConnectTimeoutError: _K.TIMEOUT,
    aiosmtplib.SMTPReadTimeoutError: _K.TIMEOUT,
    aiosmtplib.SMTPResponseException: _K.REJECTED,
    aiosmtplib.SMTPConnectResponseError: _K.REJECTED,
    aiosmtplib.SMTPHeloError: _K.REJECTED,
    aiosmtplib.SMTPDataError: _K.REJECTED,
    aiosmtplib.SMTPAuthenticationError: _K.REJECTED,
    aiosmtplib.SMTPSenderRefused: _K.REJECTED,
    aiosmtplib.SMTPRecipientRefused: _K.REJECTED,
    aiosmtplib.SMTPRecipientsRefused: _K.REJECTED,
    # The standard library, below both clients.
    socket.gaierror: _K.DNS,
    ssl.SSLError: _K.TLS,
    TimeoutError: _K.TIMEOUT,
    OSError: _K.CONNECT,
}

_DETAIL_MAX = 300

_REFINED: tuple[tuple[type[BaseException], ErrorKind], ...] = (
    (ssl.SSLError, ErrorKind.TLS),
    (socket.gaierror, ErrorKind.DNS),
    (TimeoutError, ErrorKind.TIMEOUT),
)


def _kind_of(exc: BaseException) -> ErrorKind | None:
    for cls in type(exc).__mro__:
        if cls in FOREIGN:
            return FOREIGN[cls]
    return None


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _reply_code(exc: BaseException) -> int | None:
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return exc.code
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        # One temporary refusal is reason enough to try again.
        codes = [refusal.code for refusal in exc.recipients]
        return min(codes) if codes else None
    return None


def translate(exc: BaseException) -> DeliveryError | None:
    """The ``DeliveryError`` for a foreign exception, or None for one that is not ours."""
    kind = _kind_of(exc)
    if kind is None:
        return None
    if kind is ErrorKind.CONNECT:
        # httpcore and aiosmtplib wrap handshake and lookup failures in their connect errors;
        # the chain of causes tells what happened.
        kind = next(
            (k for cause in _causes(exc) for t, k in _REFINED if isinstance(cause, t)), kind
        )
    text = str(exc) or type(exc).__name__
    detail = f"{type(exc).__name__}: {text}"[:_DETAIL_MAX]
    return DeliveryError(kind, detail, code=_reply_code(exc))


def phrase(error: DeliveryError, *, host: str, timeout: float) -> str:
    """The short phrase a consumer can act on (CONTRACT §7), for a send to ``host``.

    Derived from the kind and the chain of causes; never the secret, never a header.
    """
    if error.phrase:
        return error.phrase
    causes = list(_causes(error))
    match error.kind:
        case ErrorKind.TIMEOUT:
            return f"timed out after {timeout:g} s"
        case ErrorKind.TLS:
            if any(isinstance(c, ssl.SSLCertVerificationError) for c in causes):
                return f"TLS certificate not valid for {host}"
            return "TLS handshake failed"
        case ErrorKind.DNS:
            return f"{host} does not resolve"
        case ErrorKind.CONNECT:
            refused = any(isinstance(c, ConnectionRefusedError) for c in causes)
            if refused or "refused" in error.detail.lower():
                return "connection refused"
            return "connection failed"
        case ErrorKind.REFUSED:
            return "destination not allowed"
        case ErrorKind.REJECTED:
            return f"SMTP {error.code}" if error.code else "rejected by the SMTP server"
        case ErrorKind.PROTOCOL:
            return "invalid answer"
    return "internal error"


@contextmanager
def translated() -> Iterator[None]:
    """Re-raise foreign network, TLS and protocol exceptions as ``DeliveryError``."""
    try:
        yield
    except DeliveryError:
        raise
    except Exception as exc:
        error = translate(exc)
        if error is None:
            raise
        raise error from exc
