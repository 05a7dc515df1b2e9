"""sdk/README.md: its quick start runs, as written, against a live server."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from mailnotify_sdk import Client

from tests.conftest import MakeUser
from tests.sdk.conftest import LiveServer
from tests.sdk.test_webhooks import event_examples, reference_headers

README = Path(__file__).parents[2] / "sdk" / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def run(block: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "readme"}
    exec(compile(block, str(README), "exec"), namespace)
    return namespace


def test_the_quick_start_runs(
    live_server: LiveServer,
    make_user: MakeUser,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sync_block, async_block, receiver_block, operations_block = python_blocks()
    customer = make_user("customer")
    monkeypatch.setenv("MAILNOTIFY_API_URL", live_server.origin)
    monkeypatch.setenv("MAILNOTIFY_API_TOKEN", customer.token)

    run(sync_block)
    assert capsys.readouterr().out.split() == ["True", "notification_email"]
    run(async_block)
    assert capsys.readouterr().out.split() == ["ops@example.com", "True"]

    receive = run(receiver_block)["receive"]
    with Client(live_server.origin, customer.token) as client:
        secret = client.get_signing_secret().secret
    body = json.dumps(event_examples()["EmailOverquotaEvent"]).encode()
    headers = reference_headers(body, secret)
    assert receive(body, headers, secret) == 204
    assert capsys.readouterr().out == "alice@example.com exceeded space\n"
    assert receive(body.replace(b"alice", b"mallory"), headers, secret) == 400
    assert capsys.readouterr().out == ""

    run(operations_block)  # after the sync block saved notification_email
    assert capsys.readouterr().out.split() == ["ping", "1", "True"]
