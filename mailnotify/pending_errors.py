"""Every failure of a request at once: each phase (parameters, body, the handler's own
checks) adds to one list, and one 422 answers them all."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from mailnotify.errors import FieldError, validation_failed

# The context key under which each phase leaves its failures for the next: parameters,
# then the body, then the handler's own checks (which name it as a parameter to see them).
INVALID = "invalid"


def connexion_context(scope: Scope) -> dict[str, Any]:
    """Connexion's per-request context, where one phase leaves values for the next."""
    context: dict[str, Any] = scope.setdefault("extensions", {}).setdefault("connexion_context", {})
    return context


def pending(scope: Scope) -> list[FieldError]:
    """The failures found so far for this request, kept in Connexion's context."""
    found: list[FieldError] = connexion_context(scope).setdefault(INVALID, [])
    return found


class PendingErrorsMiddleware:
    """Answer 422 with every failure found so far, unless the operation's handler goes on
    checking (its own rules, the database) and reports them all itself."""

    def __init__(self, app: ASGIApp, *, checked_by_handler: Collection[str]) -> None:
        self.app = app
        self.checked_by_handler = checked_by_handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            found = scope.get("extensions", {}).get("connexion_context", {}).get(INVALID)
            operation = scope["extensions"].get("connexion_routing", {}).get("operation_id")
            if found and operation not in self.checked_by_handler:
                raise validation_failed(found)
        await self.app(scope, receive, send)
