"""Who is calling: the ``X-Api-Token`` check and the role rules."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from mailnotify import crud, services
from mailnotify.crud import Principal
from mailnotify.db import looking_up
from mailnotify.errors import forbidden
from mailnotify.models import Role

_PRINCIPAL = "principal"


def authenticate(api_key: str) -> dict[str, object] | None:
    """Connexion's ``x-apikeyInfoFunc``: token info for a live token, else None (401)."""
    with looking_up(services.current().engine) as connection:
        principal = crud.find_principal(session=connection, token=api_key)
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
