"""The ``mailnotify`` command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from mailnotify.cli import main
from mailnotify.db import writing
from mailnotify.intake import upsert_domain
from mailnotify.models import DomainStatus

URL = "/api/users/me/notifications"


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, database_url: str) -> None:
    monkeypatch.setenv("MAILNOTIFY_DATABASE_URL", database_url)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_users_create_prints_code_and_a_working_token(
    capsys: pytest.CaptureFixture[str], client: TestClient
) -> None:
    status, out, _ = run(capsys, "users", "create", "--role", "manager", "--name", "M", "--json")
    assert status == 0
    created = json.loads(out)
    assert set(created) == {"code", "token"}
    assert created["code"].startswith("MG")
    assert client.get(URL, headers={"X-Api-Token": created["token"]}).status_code == 200


def test_tokens_create_and_revoke(capsys: pytest.CaptureFixture[str], client: TestClient) -> None:
    _, out, _ = run(capsys, "users", "create", "--role", "customer", "--json")
    code = json.loads(out)["code"]
    status, out, _ = run(capsys, "tokens", "create", code, "--json")
    assert status == 0
    token = json.loads(out)["token"]
    assert client.get(URL, headers={"X-Api-Token": token}).status_code == 200
    token_id = token.split("_")[1]
    assert run(capsys, "tokens", "revoke", token_id, "--json")[:2] == (0, '{"revoked": 1}\n')
    assert client.get(URL, headers={"X-Api-Token": token}).status_code == 401
    assert run(capsys, "tokens", "revoke", token)[0] == 1  # already revoked
    assert run(capsys, "tokens", "revoke", "--user", code)[0] == 0


def test_users_disable_gives_403(capsys: pytest.CaptureFixture[str], client: TestClient) -> None:
    _, out, _ = run(capsys, "users", "create", "--role", "customer", "--json")
    created = json.loads(out)
    assert run(capsys, "users", "disable", created["code"])[0] == 0
    assert client.get(URL, headers={"X-Api-Token": created["token"]}).status_code == 403
    assert run(capsys, "users", "enable", created["code"])[0] == 0
    assert client.get(URL, headers={"X-Api-Token": created["token"]}).status_code == 200


def test_unknown_codes_and_bad_configuration_are_clear_errors(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    status, _, err = run(capsys, "tokens", "create", "CUNOBODY")
    assert (status, err) == (1, "mailnotify: no user has the code CUNOBODY\n")
    status, _, err = run(capsys, "users", "create", "--role", "customer", "--customer", "CUX")
    assert status == 1
    monkeypatch.setenv("MAILNOTIFY_QUOTA_CRITICAL", "high")
    status, _, err = run(capsys, "db", "upgrade")
    assert status == 2
    assert "MAILNOTIFY_QUOTA_CRITICAL" in err


def test_db_upgrade_is_idempotent(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "db", "upgrade")[0] == 0


def _file(tmp_path: Path, lines: list[object]) -> Path:
    path = tmp_path / "reports.jsonl"
    path.write_text(
        "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n"
    )
    return path


def _report(code: str, used: int, minute: int = 0) -> dict[str, object]:
    return {
        "email_address": f"{code.lower()}@example.com",
        "email_code": code,
        "domain_name": "example.com",
        "observed_at": f"2026-11-24T10:{minute:02d}:00Z",
        "space": {"used": used, "assigned": 100},
        "messages": {"used": 0, "assigned": 100},
    }


@pytest.fixture
def domain(engine: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "users", "create", "--role", "customer", "--json")
    with writing(engine) as session:
        upsert_domain(
            session=session,
            name="example.com",
            customer_code=json.loads(out)["code"],
            manager_code=None,
            postmaster_code="PM1",
            postmaster_token=None,
            status=DomainStatus.pending,
            now_ms=0,
        )


@pytest.mark.usefixtures("domain")
def test_ingest_applies_reports_and_summarises(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = _file(
        tmp_path,
        [
            _report("EA1", 50, 0),
            "",
            _report("EA1", 90, 1),
            _report("EA1", 99, 0),
            _report("EA2", 96, 0),
        ],
    )
    status, out, err = run(capsys, "ingest", str(path), "--json")
    assert status == 0
    summary = json.loads(out)
    assert {k: summary[k] for k in ("lines", "applied", "ignored", "events")} == {
        "lines": 4,
        "applied": 3,
        "ignored": 1,
        "events": 2,
    }
    assert "ingest: 100.0%" in err
    # Ingesting the same file again applies nothing twice.
    _, out, _ = run(capsys, "ingest", str(path), "--json")
    assert json.loads(out)["events"] == 0


@pytest.mark.usefixtures("domain")
def test_ingest_names_bad_lines_and_applies_nothing_of_their_batch(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, engine: Engine
) -> None:
    bad = {**_report("EA2", 10), "observed_at": "soon"}
    path = _file(
        tmp_path,
        [
            _report("EA1", 90),
            "{broken",
            bad,
            {**_report("EA3", 1), "domain_name": "unknown.example"},
        ],
    )
    status, _out, err = run(capsys, "ingest", str(path))
    assert status == 1
    assert "line 2: body: must be valid JSON" in err
    assert "line 3: observed_at: must be an RFC 3339 date-time with an offset" in err
    assert "0 reports before these were applied" in err
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM mailboxes").scalar() == 0
    path = _file(
        tmp_path, [_report("EA1", 90), {**_report("EA3", 1), "domain_name": "unknown.example"}]
    )
    status, _, err = run(capsys, "ingest", str(path))
    assert status == 1
    assert "line 2: domain_name: is not a known domain" in err


def test_ingest_of_a_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "ingest", "/nonexistent/reports.jsonl")
    assert status == 2
    assert "no such file" in err


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("MAILNOTIFY_SMTP_URL", "http://mail.example.com"),
        ("MAILNOTIFY_SMTP_URL", "smtp://user:pw@mail.example.com"),
        ("MAILNOTIFY_WEBHOOK_CA_BUNDLE", "/nonexistent/ca.pem"),
    ],
)
@pytest.mark.parametrize("command", ["serve", "worker"])
def test_bad_delivery_settings_stop_serve_and_worker_before_they_start(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: str,
    command: str,
) -> None:
    monkeypatch.setenv(variable, value)
    status, _, err = run(capsys, command)
    assert status == 2
    assert variable in err


@pytest.mark.parametrize("workers", ["0", "-1", "two"])
def test_serve_refuses_a_workers_count_below_one(
    capsys: pytest.CaptureFixture[str], workers: str
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--workers", workers])
    assert exit_info.value.code == 2
    assert "--workers" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("MAILNOTIFY_HTTP_MAX_HEADER_BYTES", "10"),
        ("MAILNOTIFY_HTTP_HEADER_TIMEOUT_SECONDS", "0"),
        ("MAILNOTIFY_HTTP_MAX_CONNECTIONS", "many"),
        ("MAILNOTIFY_SHUTDOWN_TIMEOUT_SECONDS", "60"),
    ],
)
def test_bad_http_limits_stop_serve_naming_the_variable(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    status, _, err = run(capsys, "serve")
    assert status == 2
    assert variable in err
