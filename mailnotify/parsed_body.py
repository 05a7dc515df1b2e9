"""A JSON request body parsed once: the body validator keeps the value it checked, and the
handler's body argument is that value, not a second parse of the bytes on the event loop."""

from __future__ import annotations

from typing import Any

from connexion.lifecycle import ConnexionRequest
from starlette.types import Scope

from mailnotify.pending_errors import connexion_context

_PARSED = "parsed_body"


def keep(scope: Scope, body: object) -> None:
    """Keep ``body``, the request's parsed and checked JSON body, for the handler."""
    connexion_context(scope)[_PARSED] = body


class ParsedBodyRequest(ConnexionRequest):  # type: ignore[misc]
    """Connexion's request whose JSON body is the one the validator kept, when it kept one."""

    async def json(self) -> Any:
        context = connexion_context(self.scope)
        if _PARSED in context:
            return context[_PARSED]
        return await super().json()
