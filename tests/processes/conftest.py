"""Fixtures for tests with real processes: a timing HTTPS receiver and PostgreSQL only."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import trustme

from mailnotify.delivery.signing import generate_secret
from tests.processes.cluster import TimingReceiver
from tests.receivers import Receiver, serving_https


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
    receiver = TimingReceiver(Receiver(generate_secret()))
    with serving_https(receiver, ca, tmp_path) as port:
        yield TimingServer(port, ca_bundle, receiver)
