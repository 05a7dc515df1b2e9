"""A TypeScript consumer: types from openapi-typescript, compiled by tsc --strict, run by node.

Types are generated twice, from openapi.yaml and from the live server's
/api/openapi.json, and must be the same; ``client.ts`` calls every operation of the spec
against the live server and handles the error body, and parses webhook bodies that carry
a field and enum values this spec does not have.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conformance.live_server import REPO, LiveServer, live_server
from tests.spec.test_openapi import node_tool

HERE = Path(__file__).parent
SPEC = REPO / "openapi.yaml"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One live server for the consumer."""
    with live_server(tmp_path_factory.mktemp("typescript")) as running:
        yield running


def run(*args: str, cwd: Path, environ: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        args,
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1", **(environ or {})},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, f"{args[0]}: {done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def project(server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """client.ts with the types generated from the file and from the live URL."""
    work = tmp_path_factory.mktemp("consumer")
    for name in ("client.ts", "tsconfig.json"):
        shutil.copy(HERE / name, work / name)
    # Resolution from the temporary directory finds the pinned packages.
    (work / "node_modules").symlink_to(REPO / "node_modules", target_is_directory=True)
    generator = str(node_tool("openapi-typescript"))
    run(generator, str(SPEC), "-o", "generated/openapi.ts", cwd=work)
    run(generator, f"{server.url}/api/openapi.json", "-o", "generated/live.ts", cwd=work)
    return work


def test_the_live_spec_and_the_file_generate_the_same_types(project: Path) -> None:
    from_file = (project / "generated" / "openapi.ts").read_text(encoding="utf-8")
    assert (project / "generated" / "live.ts").read_text(encoding="utf-8") == from_file
    # Named schemas survive: the live spec keeps its $refs (issue 10, part 1).
    named = ("NotificationSettings", "ErrorBody", "EmailOverquotaEvent", "DomainCreateEvent")
    for name in (*named, "PingEvent", "Delivery"):
        assert re.search(rf"^\s+{name}: \{{$", from_file, re.MULTILINE), name
    assert 'components["schemas"]["ErrorBody"]' in from_file


def test_the_types_of_open_values_are_strings(project: Path) -> None:
    generated = (project / "generated" / "openapi.ts").read_text(encoding="utf-8")
    quota = generated[generated.index("EmailOverquotaEvent: {") :]
    assert re.search(r"^\s+metric: string;$", quota, re.MULTILINE)
    assert re.search(r'^\s+action_type: "email_overquota";$', quota, re.MULTILINE)
    delivery = generated[generated.index("Delivery: {") :]
    for field in ("action_type", "channel", "status"):
        assert re.search(rf"^\s+{field}: string;$", delivery, re.MULTILINE), field


def future_webhook_bodies() -> list[str]:
    """The spec's event examples, one as a newer server might send it."""
    schemas = yaml.safe_load(SPEC.read_text(encoding="utf-8"))["components"]["schemas"]
    quota: dict[str, Any] = schemas["EmailOverquotaEvent"]["example"]
    newer = {**quota, "metric": "mailbox_count", "severity": "high"}
    return [
        json.dumps(quota),
        json.dumps(newer),
        json.dumps(schemas["DomainCreateEvent"]["example"]),
        json.dumps({**schemas["PingEvent"]["example"], "note": "from a newer server"}),
    ]


def test_a_strict_typescript_client_calls_every_operation(
    project: Path, server: LiveServer
) -> None:
    run(str(node_tool("tsc")), "--strict", "-p", "tsconfig.json", cwd=project)
    customer = server.create_user("customer")
    environ = {
        "MAILNOTIFY_API_URL": f"{server.url}/api",
        "MAILNOTIFY_TOKEN": customer["token"],
        "MAILNOTIFY_PLATFORM_TOKEN": server.create_user("platform")["token"],
        "MAILNOTIFY_CUSTOMER_CODE": customer["code"],
        "MAILNOTIFY_WEBHOOK_BODIES": json.dumps(future_webhook_bodies()),
    }
    node = shutil.which("node")
    assert node is not None
    results = json.loads(run(node, "dist/client.js", cwd=project, environ=environ))
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    assert results["samePaths"] is results["sameComponents"] is True
    assert results["getNotificationSettings"]["notification_email"] is None
    assert results["updateNotificationSettings"] is True
    assert results["updateNotificationSettings422"] == (
        "422 Validation failed: "
        "notification_email cannot be cleared while email_overquota_email is enabled"
    )
    assert results["getSigningSecret"] is True
    assert results["rotateSigningSecret"] == {"fresh": True, "overlap": True}
    assert results["rotateSigningSecret422"] == (
        "422 Validation failed: previous_expires_in must be at most 604800"
    )
    # The live server has no SMTP server: the email test is recorded skipped.
    assert results["sendTestNotification422"] == (
        "422 Validation failed: notification_url is required to send a test"
    )
    assert results["sendTestNotification"] == {"row": "ping email skipped", "attempts": 1}
    assert results["listDeliveries"] == {"rows": ["ping email skipped"], "total": 1}
    assert results["listDeliveries422"] == "422 Validation failed: per must be at most 100"
    assert results["getDelivery"] == {"sameEvent": True, "attempts": 1}
    assert results["redeliverDelivery"] == {"status": 202, "row": "ping email pending"}
    assert results["upsertDomain"] == "active"
    assert results["reportUsage"] == {"applied": 1, "ignored": 0, "events": 1}
    assert results["reportUsageAsCustomer"] == "403 Forbidden"
    assert results["upsertDomain422"].startswith("422 Validation failed: domain_name ")
    assert results["webhooks"] == [
        "alice@example.com exceeded space 80",
        "ignored metric mailbox_count",
        "example.com by PM2E7A9C4B6D10",
        f"ping {spec['components']['schemas']['PingEvent']['example']['id']}",
    ]
    operation_ids = {
        op["operationId"]
        for item in spec["paths"].values()
        for method, op in item.items()
        if method in ("get", "put", "post", "patch", "delete")
    }
    called = {key.removesuffix("422").removesuffix("AsCustomer") for key in results}
    assert operation_ids <= called, operation_ids - called
