"""Standard Webhooks signatures: ``v1,`` base64 HMAC-SHA256 over ``id.timestamp.body``."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from datetime import datetime

PREFIX = "whsec_"
SECRET_BYTES = 32


class InvalidSecret(ValueError):
    """A signing secret is not in the ``whsec_<base64>`` form; the secret is not repeated."""


def generate_secret() -> str:
    """A new random signing secret in the ``whsec_`` form."""
    return PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def _key(secret: str) -> bytes:
    if not secret.startswith(PREFIX):
        raise InvalidSecret("signing secret does not start with whsec_")
    encoded = secret[len(PREFIX) :]
    # The reference library accepts unpadded base64, so secrets made elsewhere may lack it.
    encoded += "=" * (-len(encoded) % 4)
    try:
        key = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidSecret("signing secret is not valid base64") from None
    if not key:
        raise InvalidSecret("signing secret is empty")
    return key


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value for ``body`` sent as ``msg_id`` at ``timestamp``."""
    signed = b".".join((msg_id.encode("utf-8"), str(timestamp).encode("ascii"), body))
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def headers(secret: str | Sequence[str], msg_id: str, body: bytes, now: datetime) -> dict[str, str]:
    """The three Standard Webhooks headers for sending ``body`` as ``msg_id`` at ``now``.

    With several secrets (a rotation's overlap: the new one first), ``webhook-signature``
    carries one signature per secret, space-separated; verifiers accept any that matches.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    keys = (secret,) if isinstance(secret, str) else tuple(secret)
    if not keys:
        raise InvalidSecret("no signing secret")
    timestamp = int(now.timestamp())
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(sign(key, msg_id, timestamp, body) for key in keys),
    }
