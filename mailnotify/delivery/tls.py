"""The TLS client context of a sender: the system's CAs plus an operator's extra bundle."""

from __future__ import annotations

import ssl
from pathlib import Path


class BadCABundle(ValueError):
    """An extra CA bundle that cannot be loaded; the message says why."""


def client_context(ca_bundle: Path | None = None) -> ssl.SSLContext:
    """A verifying client context that also trusts the certificates in ``ca_bundle``."""
    context = ssl.create_default_context()
    if ca_bundle is not None:
        try:
            context.load_verify_locations(cafile=ca_bundle)
        except (OSError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise BadCABundle(f"cannot load CA bundle {ca_bundle}: {reason}") from None
    return context
