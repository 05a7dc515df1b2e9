"""Who is calling: the ``X-Api-Token`` check and the role rules."""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING, Any

from connexion.security import ApiKeySecurityHandler

from mailnotify import crud
from mailnotify.crud import Principal
from mailnotify.errors import forbidden
from mailnotify.models import Role

if TYPE_CHECKING:
    from mailnotify.runtime import Runtime

_PRINCIPAL = "principal"


async def authenticate(runtime: Runtime, api_key: str) -> dict[str, object] | None:
    """The spec's ``x-apikeyInfoFunc``: token info for a live token, else None (401)."""
    principal = await runtime.database.read(
        lambda connection: crud.find_principal(session=connection, token=api_key)
    )
    if principal is None:
        return None
    return {"sub": principal.code, _PRINCIPAL: principal}


def authorize(token_info: Mapping[str, object], roles: Collection[Role]) -> Principal:
    """The caller, if its role is one of ``roles`` and it is not disabled; else a 403."""
    principal = token_info[_PRINCIPAL]
    assert isinstance(principal, Principal)
    if principal.disabled or principal.role not in roles:
        raise forbidden()
    return principal


def security_map(runtime: Runtime) -> dict[str, type[ApiKeySecurityHandler]]:
    """Connexion's ``security_map``: the spec's apiKey function, given ``runtime``."""

    class RuntimeApiKeyHandler(ApiKeySecurityHandler):  # type: ignore[misc]
        def _resolve_func(self, security_scheme: dict[str, Any]) -> Callable[..., Any] | None:
            function: Callable[..., Any] | None = super()._resolve_func(security_scheme)
            return None if function is None else functools.partial(function, runtime)

    return {"apiKey": RuntimeApiKeyHandler}
