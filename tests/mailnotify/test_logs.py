"""JSON access logs that carry the request id echoed in X-Request-Id."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from mailnotify.app import create_app
from mailnotify.config import Settings
from mailnotify.logs import JSONFormatter
from tests.conftest import Account


def test_access_log_is_one_json_object_per_request_with_its_id(
    settings: Settings, engine: Engine, customer: Account, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(settings.model_copy(update={"access_log": True}), engine=engine)
    with caplog.at_level(logging.INFO, logger="mailnotify.access"), TestClient(app) as client:
        response = client.get(
            "/api/users/me/notifications", headers={**customer.headers, "X-Request-Id": "req-42"}
        )
    [record] = [r for r in caplog.records if r.name == "mailnotify.access"]
    entry = json.loads(JSONFormatter().format(record))
    assert response.headers["x-request-id"] == "req-42"
    assert entry["request_id"] == "req-42"
    assert entry["method"] == "GET"
    assert entry["path"] == "/api/users/me/notifications"
    assert entry["status"] == 200
    assert entry["duration_ms"] >= 0
    assert customer.token not in json.dumps(entry)


def test_health_and_readiness(client: TestClient, engine: Engine) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}
    engine.dispose()
    broken = create_app(
        Settings(
            database_url="sqlite:////nonexistent/dir/db.sqlite",
            access_log=False,
            embedded_worker=False,
        )
    )
    with TestClient(broken) as other:
        response = other.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}


def test_configured_logging_turns_warnings_into_json_and_drops_connexions_import_warning() -> None:
    """As in `serve` and `worker`: configured first, then Connexion imported, then a warning."""
    import subprocess
    import sys

    script = (
        "import warnings; from mailnotify import logs; logs.configure();"
        "import connexion; warnings.warn('something to act on')"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    lines = done.stderr.splitlines()
    entries = [json.loads(line) for line in lines]  # plain text fails here
    assert [(e["logger"], e["level"]) for e in entries] == [("py.warnings", "warning")]
    assert "something to act on" in entries[0]["msg"]
