"""mailnotify.json_writer: one compact writer for success and error bodies alike."""

from __future__ import annotations

import orjson
from starlette.testclient import TestClient

from mailnotify.json_writer import OrjsonJsonifier, dumps
from tests.conftest import Account


def test_success_and_error_bodies_are_written_by_one_writer(
    client: TestClient, customer: Account
) -> None:
    # Regression: success bodies came from Connexion's json.dumps (spaces, a newline),
    # error bodies from orjson.
    success = client.get("/api/users/me/notifications", headers=customer.headers)
    error = client.put("/api/users/me/notifications", json={"colour": 1}, headers=customer.headers)
    assert success.status_code == 200
    assert error.status_code == 422
    for answer in (success, error):
        assert answer.content == dumps(orjson.loads(answer.content))


def test_the_jsonifier_writes_through_dumps() -> None:
    value = {"resources": [{"notification_url": None, "é": True}]}
    assert OrjsonJsonifier().dumps(value) == dumps(value) == orjson.dumps(value)
