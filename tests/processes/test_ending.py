"""Issue 8 part 5: SIGTERM ends ``serve`` and ``worker`` within 15 s, even while the
database hangs (its calls then never return, and a process must not wait for them)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.conformance.live_server import BIN, free_port, wait_until_ready
from tests.pg import postgres_for_tests, postgres_pids, stopped

DEADLINE = 2


@pytest.fixture
def database(tmp_path: Path) -> Iterator[tuple[dict[str, str], int]]:
    """A PostgreSQL server of this test's own (the test stops it), migrated, and the
    environment that points at it."""
    with postgres_for_tests() as url:
        admin = create_engine(f"{url}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("CREATE DATABASE mailnotify"))
        admin.dispose()
        environ = {k: v for k, v in os.environ.items() if not k.startswith("MAILNOTIFY_")}
        environ.update(
            MAILNOTIFY_DATABASE_URL=f"{url}/mailnotify",
            MAILNOTIFY_DATABASE_TIMEOUT=str(DEADLINE),
            MAILNOTIFY_ACCESS_LOG="false",
        )
        subprocess.run([str(BIN / "mailnotify"), "db", "upgrade"], env=environ, check=True)
        yield environ, int(url.rsplit(":", 1)[1])


@contextmanager
def _running(
    arguments: list[str], environ: dict[str, str], log_path: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """``mailnotify ARGUMENTS`` running for the block, its output in ``log_path``."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(BIN / "mailnotify"), *arguments], env=environ, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _sigterm_took(process: subprocess.Popen[bytes]) -> float:
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    return time.monotonic() - started


def test_sigterm_ends_serve_within_15_s_while_postgresql_hangs(
    database: tuple[dict[str, str], int], tmp_path: Path
) -> None:
    environ, pg_port = database
    created = subprocess.run(
        [str(BIN / "mailnotify"), "users", "create", "--role", "customer", "--json"],
        env=environ,
        capture_output=True,
        check=True,
    )
    headers = {"X-Api-Token": json.loads(created.stdout)["token"]}
    port = free_port()
    log_path = tmp_path / "serve.log"
    serve = ["serve", "--host", "127.0.0.1", "--port", str(port)]
    base = f"http://127.0.0.1:{port}"
    with _running(serve, environ, log_path) as process:
        wait_until_ready(base, process, log_path, timeout=30)
        url = f"{base}/api/users/me/notifications"
        assert httpx.get(url, headers=headers).status_code == 200
        with stopped(postgres_pids(pg_port)):
            # A database call that will never return holds one of the server's threads,
            # and the embedded worker's next look at the outbox (within its 10 s idle
            # cap) another.
            assert httpx.get(url, headers=headers, timeout=30).status_code == 503
            time.sleep(11)
            took = _sigterm_took(process)
    assert took < 15, log_path.read_text()
    assert "Traceback" not in log_path.read_text()


def test_sigterm_ends_the_worker_within_15_s_while_postgresql_hangs(
    database: tuple[dict[str, str], int], tmp_path: Path
) -> None:
    environ, pg_port = database
    log_path = tmp_path / "worker.log"
    with _running(["worker"], environ, log_path) as process:
        time.sleep(3)  # started, listening, idle
        with stopped(postgres_pids(pg_port)):
            # An idle worker looks at the outbox at least every 10 s (its idle cap): by
            # then it waits on a call that will never return.
            time.sleep(11)
            took = _sigterm_took(process)
    # Within its drain time and the time to record it, not by the last resort that ends a
    # process still running 14 s after the stop.
    assert took < 10, log_path.read_text()
