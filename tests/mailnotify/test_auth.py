"""The token check and each operation's roles, taken from the spec's ``x-roles``."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from mailnotify.app import load_spec
from mailnotify.auth import roles_by_operation
from mailnotify.config import Settings
from mailnotify.models import Role
from tests.conftest import MakeUser

# Each operation with a body its forbidden callers send: invalid in every way.
_BAD_BODY: dict[str, Any] = {"unknown": 1, "notification_url": 5, "reports": [{}] * 50}
_OPERATIONS = [
    ("GET", "/api/users/me/notifications"),
    ("PUT", "/api/users/me/notifications"),
    ("GET", "/api/users/me/notifications/signing-secret"),
    ("PUT", "/api/platform/domains/bad!!"),
    ("POST", "/api/platform/usage"),
]


def test_every_operation_names_its_roles_in_the_spec(settings: Settings) -> None:
    roles = roles_by_operation(load_spec(settings))
    assert roles["getNotificationSettings"] == {Role.customer, Role.manager}
    assert roles["reportUsage"] == {Role.platform}


def test_an_operation_without_roles_is_refused_at_start() -> None:
    spec = {"paths": {"/x": {"get": {"operationId": "x"}}}}
    with pytest.raises(ValueError, match="GET /x has no x-roles"):
        roles_by_operation(spec)


@pytest.mark.parametrize(("method", "path"), _OPERATIONS)
def test_defect_2_wrong_role_is_403_whatever_the_body(
    client: TestClient, make_user: MakeUser, settings: Settings, method: str, path: str
) -> None:
    roles = roles_by_operation(load_spec(settings))
    allowed = set().union(*roles.values())
    operation = {
        ("GET", "/api/users/me/notifications"): "getNotificationSettings",
        ("PUT", "/api/users/me/notifications"): "updateNotificationSettings",
        ("GET", "/api/users/me/notifications/signing-secret"): "getSigningSecret",
        ("PUT", "/api/platform/domains/bad!!"): "upsertDomain",
        ("POST", "/api/platform/usage"): "reportUsage",
    }[(method, path)]
    for role in sorted(set(Role) - roles[operation]):
        user = make_user(role.value)
        response = client.request(method, path, json=_BAD_BODY, headers=user.headers)
        assert response.status_code == 403, (role, response.text)
        assert response.json() == {"message": "Forbidden", "errors": []}
    for role in sorted(roles[operation] & allowed):
        disabled = make_user(role.value, disabled=True)
        response = client.request(method, path, json=_BAD_BODY, headers=disabled.headers)
        assert response.status_code == 403, (role, response.text)
