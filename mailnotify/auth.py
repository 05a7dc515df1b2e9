"""Who is calling, and may they: the ``X-Api-Token`` check and each operation's roles.

Both happen before the body is read or validated: a caller whose role may not use an
operation gets 403 whatever it sent.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from connexion.lifecycle import ConnexionRequest
from connexion.security import ApiKeySecurityHandler

from mailnotify import accounts
from mailnotify.accounts import Principal
from mailnotify.errors import forbidden
from mailnotify.models import Role

if TYPE_CHECKING:
    from mailnotify.runtime import Runtime

_PRINCIPAL = "principal"
_HTTP_METHODS = ("get", "put", "post", "delete", "patch")
# The spec's extension that lists the roles allowed to call an operation.
ROLES_EXTENSION = "x-roles"

Roles = Mapping[str, frozenset[Role]]


def roles_by_operation(spec: Mapping[str, Any]) -> Roles:
    """operationId -> the roles its ``x-roles`` allows; an operation without one is an error."""
    found: dict[str, frozenset[Role]] = {}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method not in _HTTP_METHODS:
                continue
            names = operation.get(ROLES_EXTENSION)
            if not names:
                raise ValueError(f"{method.upper()} {path} has no {ROLES_EXTENSION} in the spec")
            found[operation["operationId"]] = frozenset(Role(name) for name in names)
    return found


async def authenticate(
    runtime: Runtime, roles: Roles, api_key: str, request: ConnexionRequest
) -> dict[str, object] | None:
    """The spec's ``x-apikeyInfoFunc``: None for an unknown token (401), 403 for a caller
    whose role may not use the operation or who is disabled, else the token info."""
    principal = await runtime.database.read(
        lambda connection: accounts.find_principal(session=connection, token=api_key), short=True
    )
    if principal is None:
        return None
    operation_id = request.scope["extensions"]["connexion_routing"]["operation_id"]
    if principal.disabled or principal.role not in roles.get(operation_id, ()):
        raise forbidden()
    return {"sub": principal.code, _PRINCIPAL: principal}


def caller(token_info: Mapping[str, object]) -> Principal:
    """The authorized caller behind ``token_info``."""
    principal = token_info[_PRINCIPAL]
    assert isinstance(principal, Principal)
    return principal


def security_map(runtime: Runtime, roles: Roles) -> dict[str, type[ApiKeySecurityHandler]]:
    """Connexion's ``security_map``: the spec's apiKey function, given the runtime and roles."""

    class RuntimeApiKeyHandler(ApiKeySecurityHandler):  # type: ignore[misc]
        def _resolve_func(self, security_scheme: dict[str, Any]) -> Callable[..., Any] | None:
            function: Callable[..., Any] | None = super()._resolve_func(security_scheme)
            return None if function is None else functools.partial(function, runtime, roles)

    return {"apiKey": RuntimeApiKeyHandler}
