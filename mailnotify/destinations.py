"""Checks of the two destinations: the webhook URL and the notification email address."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from mailnotify.addresses import AddressPolicy

URL_MAX = 2048
EMAIL_MAX = 254

NOT_HTTPS = "must be an absolute https URL"
HAS_CREDENTIALS = "must not contain a user:password part"
NOT_PUBLIC = "must not point to a local or private address"
BAD_EMAIL = "must be a valid email address"

_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
_PRINTABLE = re.compile(r"^[!-~]*$")
_ATEXT = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")


class InvalidDestination(ValueError):
    """A destination value is refused; the message is the field's description."""


def _host_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def check_webhook_url(url: str, policy: AddressPolicy) -> None:
    """Raise InvalidDestination unless ``url`` is an acceptable webhook endpoint."""
    if len(url) > URL_MAX or not _PRINTABLE.match(url):
        raise InvalidDestination(NOT_HTTPS)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise InvalidDestination(NOT_HTTPS) from None
    if parts.scheme != "https" or not parts.hostname:
        raise InvalidDestination(NOT_HTTPS)
    if "@" in parts.netloc:
        raise InvalidDestination(HAS_CREDENTIALS)
    if port == 0:
        raise InvalidDestination(NOT_HTTPS)
    host = parts.hostname.rstrip(".")
    literal = _host_literal(host)
    if literal is not None:
        if not policy.permits(literal):
            raise InvalidDestination(NOT_PUBLIC)
        return
    labels = host.split(".")
    if len(host) > 253 or not all(_LABEL.match(label) for label in labels):
        raise InvalidDestination(NOT_HTTPS)
    if labels[-1].lower() == "localhost" and not policy.permits(ipaddress.ip_address("127.0.0.1")):
        raise InvalidDestination(NOT_PUBLIC)


def check_email(address: str) -> None:
    """Raise InvalidDestination unless ``address`` is a plausible mailbox address."""
    if len(address) > EMAIL_MAX or address.count("@") != 1:
        raise InvalidDestination(BAD_EMAIL)
    local, domain = address.split("@")
    if not local or len(local) > 64 or not _ATEXT.match(local):
        raise InvalidDestination(BAD_EMAIL)
    labels = domain.split(".")
    if len(labels) < 2 or len(domain) > 253 or not all(_LABEL.match(x) for x in labels):
        raise InvalidDestination(BAD_EMAIL)
