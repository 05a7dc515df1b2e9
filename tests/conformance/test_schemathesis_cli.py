"""``schemathesis run --checks all`` with the repository's schemathesis.toml, on a live server.

This is the run a consumer's pipeline would do: the CLI, the config file and its hooks,
real HTTP to ``mailnotify serve``. SQLite only, as in test_schemathesis.py.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conformance.live_server import BIN, REPO, LiveServer, live_server
from tests.conformance.positive import DESTINATIONS, World

MIN_CASES = 300
DOMAIN = "fuzz.example.com"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    """A live server on a fresh SQLite file."""
    with live_server(tmp_path) as running:
        yield running


def test_schemathesis_cli_finds_nothing(server: LiveServer, tmp_path: Path) -> None:
    customer = server.create_user("customer")
    manager = server.create_user("manager")
    platform = server.create_user("platform")
    with httpx.Client(base_url=f"{server.url}/api", timeout=10) as client:
        saved = client.put(
            "/users/me/notifications",
            json=dict(DESTINATIONS),
            headers={"X-Api-Token": customer["token"]},
        )
        assert saved.status_code == 200, saved.text
        domain = client.put(
            f"/platform/domains/{DOMAIN}",
            json={"customer_code": customer["code"], "postmaster_code": "PM1", "status": "active"},
            headers={"X-Api-Token": platform["token"]},
        )
        assert domain.status_code == 200, domain.text

    world = World(customer["code"], manager["code"], DOMAIN)
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SCHEMATHESIS_")}
    environ.update(
        world.environ(),
        MAILNOTIFY_TOKEN=customer["token"],
        MAILNOTIFY_PLATFORM_TOKEN=platform["token"],
        NO_COLOR="1",
        COLUMNS="120",
    )
    done = subprocess.run(
        [
            str(BIN / "schemathesis"),
            "run",
            "--checks",
            "all",
            "--url",
            f"{server.url}/api",
            "--report",
            "junit",
            "--report-junit-path",
            str(tmp_path / "junit.xml"),
            f"{server.url}/api/openapi.json",
        ],
        cwd=REPO,  # where schemathesis.toml is found, and its hooks module imported
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert f"Configuration:    {REPO / 'schemathesis.toml'}" in output, output
    generated = re.search(r"(\d+) generated, \1 passed", output)
    assert generated is not None, output
    assert int(generated.group(1)) >= MIN_CASES, output
    for phase in ("Examples", "Coverage", "Fuzzing", "Stateful"):
        assert re.search(rf"✅\s+{phase}\b", output), f"{phase} did not pass:\n{output}"
