"""The request path's database gateway: deadlines, 503s and one log line per outage."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, exc, text

from mailnotify.db import Database, make_engine
from mailnotify.outage import DatabaseUnavailable
from tests.conformance.live_server import BIN, free_port, wait_until_ready
from tests.pg import postgres_for_tests, postgres_pids, stopped

# The server's database deadline: /healthz must answer well within it, API calls soon after.
DEADLINE = 4


@contextmanager
def _serve(url: str, workdir: Path) -> Iterator[tuple[str, dict[str, str], Path]]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MAILNOTIFY_")}
    environ.update(
        MAILNOTIFY_DATABASE_URL=url,
        MAILNOTIFY_DATABASE_TIMEOUT=str(DEADLINE),
        MAILNOTIFY_EMBEDDED_WORKER="false",
        MAILNOTIFY_ACCESS_LOG="false",
    )
    subprocess.run([str(BIN / "mailnotify"), "db", "upgrade"], env=environ, check=True)
    port = free_port()
    log_path = workdir / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(BIN / "mailnotify"), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=environ,
            cwd=workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_ready(base, process, log_path, timeout=30)
            yield base, environ, log_path
        finally:
            process.terminate()
            process.wait(timeout=20)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A PostgreSQL server of this test's own, since the test stops it."""
    with postgres_for_tests() as url:
        yield url


def test_defect_3_hung_postgresql_freezes_nothing_and_defect_9_logs_the_outage_once(
    postgres_url: str, tmp_path: Path
) -> None:
    admin = create_engine(f"{postgres_url}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("CREATE DATABASE mailnotify"))
    admin.dispose()
    port = int(postgres_url.rsplit(":", 1)[1])
    with _serve(f"{postgres_url}/mailnotify", tmp_path) as (base, environ, log_path):
        created = json.loads(
            subprocess.run(
                [str(BIN / "mailnotify"), "users", "create", "--role", "customer", "--json"],
                env=environ,
                capture_output=True,
                check=True,
            ).stdout
        )
        headers = {"X-Api-Token": created["token"]}
        settings_url = f"{base}/api/users/me/notifications"
        assert httpx.get(settings_url, headers=headers).status_code == 200

        def timed(method: str, url: str, **kwargs: object) -> tuple[float, httpx.Response]:
            started = time.monotonic()
            response = httpx.request(method, url, timeout=30, **kwargs)  # type: ignore[arg-type]
            return time.monotonic() - started, response

        with stopped(postgres_pids(port)), ThreadPoolExecutor(16) as pool:
            # Enough API calls at once to hold every database thread of the server.
            calls = [
                pool.submit(timed, "GET", settings_url, headers=headers) for _ in range(10)
            ] + [
                pool.submit(timed, "PUT", settings_url, headers=headers, json={}) for _ in range(4)
            ]
            time.sleep(0.5)
            healthz_took, healthz = timed("GET", f"{base}/healthz")
            assert healthz.status_code == 200
            assert healthz_took < DEADLINE / 2
            readyz_took, readyz = timed("GET", f"{base}/readyz")
            assert readyz.status_code == 503
            assert readyz_took < DEADLINE * 3
            no_token_took, no_token = timed("GET", settings_url)
            assert no_token.status_code == 401
            assert no_token_took < DEADLINE / 2
            for call in calls:
                took, response = call.result()
                assert response.status_code == 503, response.text
                assert response.json() == {"message": "Service unavailable", "errors": []}
                assert int(response.headers["retry-after"]) > 0
                assert took < DEADLINE * 3
        deadline = time.monotonic() + 30
        while httpx.get(settings_url, headers=headers, timeout=30).status_code != 200:
            assert time.monotonic() < deadline, "the server did not recover"
            time.sleep(0.2)
    # Only the JSON lines: Connexion's import may print a plain-text warning first.
    lines = log_path.read_text().splitlines()
    entries = [json.loads(line) for line in lines if line.startswith("{")]
    down = [e for e in entries if e.get("msg") == "database unavailable"]
    back = [e for e in entries if e.get("msg") == "database available again"]
    assert len(down) == 1, entries
    assert len(back) == 1, entries
    assert back[0]["failed_calls"] >= 14
    assert not [e for e in entries if "exc" in e], entries
    assert "Traceback" not in log_path.read_text()


def test_gateway_deadline_ends_the_wait_and_abandoned_work_never_begins(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    database = Database(engine, writers=1, readers=1, timeout=0.3)
    began: list[str] = []
    release = threading.Event()

    def stuck(_connection: object) -> None:
        began.append("stuck")
        release.wait(10)

    def queued(_connection: object) -> None:
        began.append("queued")

    async def scenario() -> None:
        started = time.monotonic()
        outcomes = await asyncio.gather(
            database.read(stuck), database.read(queued), return_exceptions=True
        )
        assert time.monotonic() - started < 3
        assert all(isinstance(outcome, DatabaseUnavailable) for outcome in outcomes), outcomes
        release.set()
        await asyncio.sleep(0.2)  # the one thread is free again; the queued work is skipped
        assert await database.read(lambda c: c.execute(text("SELECT 1")).scalar()) == 1

    with caplog.at_level(logging.WARNING, logger="mailnotify.db"):
        asyncio.run(scenario())
    engine.dispose()
    assert began == ["stuck"]
    messages = [(r.getMessage(), getattr(r, "failed_calls", None)) for r in caplog.records]
    assert messages == [("database unavailable", None), ("database available again", 2)]


def test_a_wrong_query_is_not_an_outage(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    database = Database(engine, writers=1, readers=1, timeout=5)

    async def scenario() -> None:
        with pytest.raises(exc.OperationalError):
            await database.read(lambda c: c.execute(text("SELECT * FROM nowhere")))

    with caplog.at_level(logging.WARNING, logger="mailnotify.db"):
        asyncio.run(scenario())
    engine.dispose()
    assert not database.outage.down
    assert caplog.records == []
