"""API tokens: random, shown once, stored only as a hash, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

PREFIX = "mn_"
_ID_LEN = 16


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A new token: ``token`` is shown to its owner once; the rest is stored."""

    token_id: str
    secret_hash: str
    token: str


@dataclass(frozen=True, slots=True)
class PresentedToken:
    """A token as a client sent it, split into its public id and its secret."""

    token_id: str
    secret: str


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue() -> IssuedToken:
    """A new token with a 32-byte random secret."""
    token_id = secrets.token_hex(_ID_LEN // 2)
    secret = secrets.token_urlsafe(32)
    return IssuedToken(token_id, _hash(secret), f"{PREFIX}{token_id}_{secret}")


def parse(token: str) -> PresentedToken | None:
    """Split a presented token, or None when it cannot be one of ours."""
    start = len(PREFIX)
    if not token.startswith(PREFIX) or len(token) < start + _ID_LEN + 2 or len(token) > 128:
        return None
    token_id, sep, secret = (
        token[start : start + _ID_LEN],
        token[start + _ID_LEN],
        token[start + _ID_LEN + 1 :],
    )
    if sep != "_" or not secret:
        return None
    return PresentedToken(token_id, secret)


def matches(presented: PresentedToken, secret_hash: str) -> bool:
    """Whether the presented secret hashes to ``secret_hash``, in constant time."""
    return hmac.compare_digest(_hash(presented.secret), secret_hash)
