"""The TLS client context of a sender: the system's CAs plus an operator's extra bundle."""

from __future__ import annotations

import ssl
from pathlib import Path

from mailnotify.config import ConfigError


def client_context(ca_bundle: Path | None = None, *, variable: str) -> ssl.SSLContext:
    """A verifying client context; ``variable`` names the setting ``ca_bundle`` came from."""
    context = ssl.create_default_context()
    if ca_bundle is not None:
        try:
            context.load_verify_locations(cafile=ca_bundle)
        except (OSError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise ConfigError(f"{variable}: cannot load CA bundle {ca_bundle}: {reason}") from None
    return context
