"""Request validation: every failing field, at a bounded cost, never a 500."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from mailnotify.errors import MAX_LISTED
from mailnotify.models import Role
from tests.conformance.live_server import live_server
from tests.conftest import Account, MakeUser
from tests.contract.platform_helpers import put_domain

SETTINGS = "/api/users/me/notifications"
USAGE = "/api/platform/usage"
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def platform(make_user: MakeUser) -> Account:
    return make_user("platform")


def _post(client: TestClient, account: Account, path: str, raw: str) -> Any:
    return client.post(path, content=raw.encode(), headers={**account.headers, **JSON})


def test_defect_2_reported_errors_are_capped_and_the_rest_counted(
    client: TestClient, platform: Account
) -> None:
    raw = '{"reports": [' + ",".join(["{}"] * 100_000) + "]}"
    started = time.monotonic()
    response = _post(client, platform, USAGE, raw)
    assert time.monotonic() - started < 10
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert len(errors) == MAX_LISTED + 1
    assert errors[:2] == [
        {"field": "reports", "description": "must have at most 10000 items"},
        {"field": "reports.0.email_address", "description": "is required"},
    ]
    # Six required fields per report: the cap falls inside report 16.
    assert errors[-1] == {
        "field": "reports",
        "description": "has 99984 more failing items, not listed",
    }


def _rss_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))


def _server_pid(port: int) -> int:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"serve" in command and str(port).encode() in command:
                return int(entry.name)
    raise AssertionError("server process not found")


def test_defect_2_a_16_mib_body_of_invalid_reports_is_cheap_and_blocks_no_one(
    tmp_path: Path,
) -> None:
    # Valid in all but the address, long enough that 16 MiB stays within the value bound.
    one = (
        '{"email_address": "' + "x" * 800 + '", "email_code": "EA1", '
        '"domain_name": "example.com", "observed_at": "2026-11-24T10:00:00Z", '
        '"space": {"used": 1, "assigned": 2}, "messages": {"used": 1, "assigned": 2}}'
    )
    count = (16 * 2**20 - 100) // (len(one) + 1)
    raw = ('{"reports": [' + ",".join([one] * count) + "]}").encode()
    assert len(raw) <= 16 * 2**20
    with live_server(tmp_path) as server:
        token = server.create_user("platform")["token"]
        pid = _server_pid(int(server.url.rsplit(":", 1)[1]))
        before = _rss_kib(pid)
        probes: list[float] = []
        done = threading.Event()

        def probe() -> None:
            with httpx.Client(base_url=server.url, timeout=30) as health:
                while not done.is_set():
                    started = time.monotonic()
                    assert health.get("/healthz").status_code == 200
                    probes.append(time.monotonic() - started)
                    time.sleep(0.02)

        prober = threading.Thread(target=probe)
        prober.start()
        try:
            started = time.monotonic()
            response = httpx.post(
                f"{server.url}{USAGE}",
                content=raw,
                headers={"X-Api-Token": token, **JSON},
                timeout=60,
            )
            took = time.monotonic() - started
        finally:
            done.set()
            prober.join()
        grown_mib = (_rss_kib(pid) - before) / 1024
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert len(errors) == MAX_LISTED + 1
    assert errors[-1]["field"] == "reports"
    # Generous bounds for a shared 2-core CI machine; the tight figures are benchmarks.
    assert took < 8, took
    assert max(probes) < 1.5, max(probes)
    assert grown_mib < 250, grown_mib


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ('{"notification_email": "\\ud800"}', "notification_email"),
        ('{"notification_url": "https://hooks.example.com/\\udfff"}', "notification_url"),
        ('{"\\ud800": true}', "\ufffd"),
    ],
)
def test_defect_5_a_lone_surrogate_in_settings_is_a_422_naming_the_field(
    client: TestClient, make_user: MakeUser, raw: str, field: str
) -> None:
    for role in Role:
        user = make_user(role.value)
        response = client.put(SETTINGS, content=raw.encode(), headers={**user.headers, **JSON})
        if role in (Role.customer, Role.manager):
            assert response.status_code == 422, response.text
            assert [e["field"] for e in response.json()["errors"]] == [field]
        else:
            assert response.status_code == 403, response.text


def test_defect_5_a_lone_surrogate_in_intake_is_a_422_naming_the_field(
    client: TestClient, platform: Account, customer: Account
) -> None:
    domain = (
        '{"customer_code": "' + customer.code + '", "postmaster_code": "PM1\\ud800", '
        '"postmaster_token": "\\udc00", "status": "active"}'
    )
    response = client.put(
        "/api/platform/domains/example.com",
        content=domain.encode(),
        headers={**platform.headers, **JSON},
    )
    assert response.status_code == 422, response.text
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"postmaster_code", "postmaster_token"}
    assert put_domain(client, platform, "example.com", customer_code=customer.code).is_success
    usage = (
        '{"reports": [{"email_address": "a@example.com", "email_code": "EA\\ud800", '
        '"domain_name": "example.com", "observed_at": "2026-11-24T10:00:00Z", '
        '"space": {"used": 1, "assigned": 2}, "messages": {"used": 1, "assigned": 2}}]}'
    )
    response = _post(client, platform, USAGE, usage)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["reports.0.email_code"]
