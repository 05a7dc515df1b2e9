"""Fixtures for tests with real processes: a timing HTTPS receiver and PostgreSQL only."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import trustme
import uvicorn

from mailnotify.delivery.signing import generate_secret
from tests.processes.cluster import TimingReceiver
from tests.receivers import HOOK_NAMES, Receiver


@dataclass
class TimingServer:
    """A running timing receiver: its port, its CA bundle and its log."""

    port: int
    ca_bundle: Path
    receiver: TimingReceiver

    def url(self, path: str = "/ok") -> str:
        return f"https://127.0.0.1:{self.port}{path}"


@pytest.fixture
def timing_receiver(ca: trustme.CA, ca_bundle: Path, tmp_path: Path) -> Iterator[TimingServer]:
    """uvicorn over a TimingReceiver, with a certificate from the suite's CA."""
    pem = tmp_path / "server.pem"
    ca.issue_cert(*HOOK_NAMES).private_key_and_cert_chain_pem.write_to_path(str(pem))
    receiver = TimingReceiver(Receiver(generate_secret()))
    config = uvicorn.Config(
        receiver,
        host="127.0.0.1",
        port=0,
        ssl_certfile=str(pem),
        lifespan="off",
        ws="none",
        log_level="warning",
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the receiver did not start"
        assert thread.is_alive(), "the receiver stopped"
        time.sleep(0.01)
    yield TimingServer(server.servers[0].sockets[0].getsockname()[1], ca_bundle, receiver)
    server.should_exit = True
    thread.join(10)
