"""Which token each fuzzed request carries: the platform's for the platform operations.

Schemathesis 4.32 cannot do this from its configuration alone: the headers of an
``[[operations]]`` entry stick to the worker's HTTP session and leak into every later
operation. An auth provider chooses per case instead, and marks the auth as explicit so
that ``ignored_auth`` probes the operation without it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from schemathesis import APIOperation, AuthContext, Case

TOKEN_HEADER = "X-Api-Token"
PLATFORM_TAG = "platform"


@dataclass(frozen=True, slots=True)
class Tokens:
    """A customer's token for the settings, the platform's for the platform operations."""

    customer: str
    platform: str

    def for_operation(self, operation: APIOperation[Any, Any, Any, Any]) -> str:
        """The token that ``operation`` is meant to be called with."""
        return self.platform if PLATFORM_TAG in (operation.tags or ()) else self.customer

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] = os.environ) -> Tokens | None:
        """``MAILNOTIFY_TOKEN`` and ``MAILNOTIFY_PLATFORM_TOKEN``, or None if either is unset."""
        try:
            return cls(environ["MAILNOTIFY_TOKEN"], environ["MAILNOTIFY_PLATFORM_TOKEN"])
        except KeyError:
            return None


def token_auth(tokens: Callable[[], Tokens | None]) -> type:
    """An auth provider class that sets the token ``tokens()`` names for each case."""

    class TokenAuth:
        def get(self, case: Case[Any], ctx: AuthContext) -> str | None:
            known = tokens()
            return None if known is None else known.for_operation(case.operation)

        def set(self, case: Case[Any], data: str, ctx: AuthContext) -> None:
            case.headers[TOKEN_HEADER] = data

    return TokenAuth
