"""Checks of the two destinations: the webhook URL and the notification email address."""

from __future__ import annotations

import ipaddress
import re
import socket
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
# RFC 3986 path, query and fragment characters: what the spec's ``format: uri`` admits.
_PCT_ENCODED = "%[0-9A-Fa-f]{2}"
_PATH = re.compile(rf"^(?:[A-Za-z0-9._~!$&'()*+,;=:@/-]|{_PCT_ENCODED})*$")
_QUERY = re.compile(rf"^(?:[A-Za-z0-9._~!$&'()*+,;=:@/?-]|{_PCT_ENCODED})*$")


class InvalidDestination(ValueError):
    """A destination value is refused; the message is the field's description."""


_LEGACY_IPV4 = re.compile(r"^[0-9a-fA-FxX.]+$")


def _host_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    # inet_aton, which getaddrinfo uses, also reads 127.1, 2130706433 and 0x7f.0.0.1.
    if _LEGACY_IPV4.match(host) and any(c.isdigit() for c in host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
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
    if not (_PATH.match(parts.path) and _QUERY.match(parts.query) and _QUERY.match(parts.fragment)):
        raise InvalidDestination(NOT_HTTPS)
    host = parts.hostname.rstrip(".")
    literal = _host_literal(host)
    if literal is not None:
        if not policy.permits(literal):
            raise InvalidDestination(NOT_PUBLIC)
        return
    labels = host.split(".")
    # No total-length limit beyond URL_MAX: the spec states none (a longer name simply
    # does not resolve), and one expressed as a pattern makes schema-based fuzzers crawl.
    if not all(_LABEL.match(label) for label in labels):
        raise InvalidDestination(NOT_HTTPS)
    if labels[-1].lower() == "localhost" and not policy.permits(ipaddress.ip_address("127.0.0.1")):
        raise InvalidDestination(NOT_PUBLIC)


_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_DNS_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
# One pass over the address: dot-atom local part (at most 64), @, a domain of two or more
# labels (at most 253), 254 in all. One pass, because usage batches check one per report.
_EMAIL = re.compile(
    rf"(?=.{{1,{EMAIL_MAX}}}\Z)(?=[^@]{{1,64}}@)(?:{_ATOM}(?:\.{_ATOM})*)"
    rf"@(?=.{{1,253}}\Z){_DNS_LABEL}(?:\.{_DNS_LABEL})+\Z"
)


def check_email(address: str) -> None:
    """Raise InvalidDestination unless ``address`` is a plausible mailbox address."""
    if not _EMAIL.match(address):
        raise InvalidDestination(BAD_EMAIL)
