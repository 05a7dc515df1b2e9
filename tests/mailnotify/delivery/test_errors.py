"""The one seam: every foreign exception the delivery code can meet becomes a DeliveryError."""

from __future__ import annotations

import socket
import ssl
from types import ModuleType

import aiosmtplib
import httpcore
import httpx
import pytest

from mailnotify.delivery.errors import (
    FOREIGN,
    DeliveryError,
    ErrorKind,
    phrase,
    translate,
    translated,
)
from mailnotify.delivery.outcome import Outcome, OutcomeKind

LIBRARIES = (httpx, httpcore, aiosmtplib)


def exception_classes(module: ModuleType) -> list[type[BaseException]]:
    return sorted(
        (
            value
            for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, Exception)
        ),
        key=lambda cls: cls.__qualname__,
    )


ALL = [cls for module in LIBRARIES for cls in exception_classes(module)]


def instance(cls: type[BaseException]) -> BaseException:
    """An instance of ``cls``, built the way its library raises it."""
    if cls is httpx.HTTPStatusError:
        request = httpx.Request("POST", "https://hooks.example/")
        return cls("500", request=request, response=httpx.Response(500, request=request))
    if cls is aiosmtplib.SMTPRecipientsRefused:
        return cls([aiosmtplib.SMTPRecipientRefused(550, "no such user", "a@example.com")])
    if cls is aiosmtplib.SMTPSenderRefused:
        return cls(553, "sender refused", "from@example.com")
    if cls is aiosmtplib.SMTPRecipientRefused:
        return cls(550, "no such user", "a@example.com")
    if issubclass(cls, aiosmtplib.SMTPResponseException):
        return cls(421, "closing")
    if issubclass(cls, httpx.StreamError) and cls is not httpx.StreamError:
        stream_error: type[Exception] = cls  # its subclasses take no message
        return stream_error()
    return cls("boom")


def test_every_exception_class_of_the_libraries_is_mapped() -> None:
    unmapped = [f"{c.__module__}.{c.__qualname__}" for c in ALL if c not in FOREIGN]
    assert unmapped == []


@pytest.mark.parametrize("cls", ALL, ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_each_becomes_a_delivery_error_at_the_seam(cls: type[BaseException]) -> None:
    original = instance(cls)
    with pytest.raises(DeliveryError) as raised, translated():
        raise original
    assert raised.value.kind is FOREIGN[cls]
    assert raised.value.__cause__ is original


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (httpx.ConnectTimeout("slow"), ErrorKind.TIMEOUT),
        (httpcore.ReadTimeout("slow"), ErrorKind.TIMEOUT),
        (TimeoutError(), ErrorKind.TIMEOUT),
        (ConnectionRefusedError(111, "Connection refused"), ErrorKind.CONNECT),
        (socket.gaierror(socket.EAI_NONAME, "Name or service not known"), ErrorKind.DNS),
        (ssl.SSLCertVerificationError("certificate verify failed"), ErrorKind.TLS),
        (httpcore.RemoteProtocolError("illegal header"), ErrorKind.PROTOCOL),
        (httpx.InvalidURL("bad"), ErrorKind.REFUSED),
        (httpcore.UnsupportedProtocol("ftp"), ErrorKind.REFUSED),
        (aiosmtplib.SMTPServerDisconnected("gone"), ErrorKind.CONNECT),
        (aiosmtplib.SMTPNotSupported("no STARTTLS"), ErrorKind.PROTOCOL),
        (aiosmtplib.SMTPReadTimeoutError("timed out"), ErrorKind.TIMEOUT),
    ],
)
def test_kinds_follow_the_failure(exc: BaseException, kind: ErrorKind) -> None:
    error = translate(exc)
    assert error is not None
    assert error.kind is kind


def test_a_connect_error_caused_by_tls_dns_or_timeout_says_so() -> None:
    for cause, kind in [
        (ssl.SSLCertVerificationError("hostname mismatch"), ErrorKind.TLS),
        (socket.gaierror(socket.EAI_AGAIN, "Temporary failure"), ErrorKind.DNS),
        (TimeoutError("timed out"), ErrorKind.TIMEOUT),
        (ConnectionRefusedError(111, "refused"), ErrorKind.CONNECT),
    ]:
        wrapped = httpcore.ConnectError(str(cause))
        wrapped.__cause__ = cause
        error = translate(wrapped)
        assert error is not None
        assert error.kind is kind


def test_a_tls_failure_inside_an_smtp_connect_error_says_tls() -> None:
    try:
        try:
            raise ssl.SSLCertVerificationError("hostname mismatch")
        except ssl.SSLError as exc:
            raise aiosmtplib.SMTPConnectError(f"Error connecting: {exc}") from exc
    except aiosmtplib.SMTPConnectError as connect_error:
        error = translate(connect_error)
    assert error is not None
    assert error.kind is ErrorKind.TLS


@pytest.mark.parametrize(
    ("exc", "code", "permanent"),
    [
        (aiosmtplib.SMTPResponseException(451, "try later"), 451, False),
        (aiosmtplib.SMTPDataError(554, "rejected"), 554, True),
        (aiosmtplib.SMTPAuthenticationError(535, "bad credentials"), 535, True),
        (aiosmtplib.SMTPConnectResponseError(421, "too busy"), 421, False),
        (
            aiosmtplib.SMTPRecipientsRefused(
                [aiosmtplib.SMTPRecipientRefused(550, "unknown", "a@x.example")]
            ),
            550,
            True,
        ),
        # One recipient refused for now: worth a retry.
        (
            aiosmtplib.SMTPRecipientsRefused(
                [
                    aiosmtplib.SMTPRecipientRefused(550, "unknown", "a@x.example"),
                    aiosmtplib.SMTPRecipientRefused(452, "full", "b@x.example"),
                ]
            ),
            452,
            False,
        ),
    ],
)
def test_smtp_replies_decide_permanence(
    exc: aiosmtplib.SMTPException, code: int, permanent: bool
) -> None:
    error = translate(exc)
    assert error is not None
    assert (error.kind, error.code, error.permanent) == (ErrorKind.REJECTED, code, permanent)
    outcome = Outcome.from_error(error)
    assert outcome.kind is (OutcomeKind.FAILED if permanent else OutcomeKind.RETRY)
    assert outcome.status == code


def test_only_refusals_and_5xx_replies_are_permanent() -> None:
    permanent = {k for k in ErrorKind if DeliveryError(k, "x", code=550).permanent}
    assert permanent == {ErrorKind.REFUSED, ErrorKind.REJECTED}
    assert not DeliveryError(ErrorKind.REJECTED, "x", code=451).permanent


def test_foreign_exceptions_outside_the_table_pass_through() -> None:
    with pytest.raises(KeyError), translated():
        raise KeyError("a bug stays a bug")


def test_delivery_errors_pass_through_unchanged() -> None:
    error = DeliveryError(ErrorKind.REFUSED, "private address")
    with pytest.raises(DeliveryError) as raised, translated():
        raise error
    assert raised.value is error


def test_details_are_bounded() -> None:
    error = translate(httpx.ReadError("x" * 5000))
    assert error is not None
    assert len(error.detail) <= 300


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (TimeoutError(), "timed out after 10 s"),
        (httpcore.ReadTimeout("read"), "timed out after 10 s"),
        (
            ssl.SSLCertVerificationError("mismatch"),
            "TLS certificate not valid for hooks.example.com",
        ),
        (socket.gaierror(socket.EAI_NONAME, "unknown"), "hooks.example.com does not resolve"),
        (ConnectionRefusedError(111, "Connection refused"), "connection refused"),
        (aiosmtplib.SMTPDataError(554, "rejected"), "SMTP 554"),
    ],
)
def test_each_failure_is_a_phrase_a_consumer_can_act_on(exc: Exception, expected: str) -> None:
    with pytest.raises(DeliveryError) as raised, translated():
        raise exc
    assert phrase(raised.value, host="hooks.example.com", timeout=10.0) == expected


def _wrapped_tls_failure() -> None:
    try:
        raise ssl.SSLCertVerificationError("hostname mismatch")
    except ssl.SSLError as cause:
        raise httpcore.ConnectError("handshake") from cause


def test_a_tls_failure_wrapped_by_the_transport_still_names_the_host() -> None:
    with pytest.raises(DeliveryError) as raised, translated():
        _wrapped_tls_failure()
    told = phrase(raised.value, host="h.example", timeout=10)
    assert told == "TLS certificate not valid for h.example"
