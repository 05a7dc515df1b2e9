"""The one builder: senders and worker from Settings, errors naming their variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailnotify.addresses import AddressPolicy
from mailnotify.config import ConfigError, load_settings
from mailnotify.delivery import OutcomeKind, QuotaNotice, compose_quota_email
from mailnotify.outbox.build import build_senders
from tests.receivers import HTTPSServer, SMTPServerHandle

BODY = b'{"id": "evt_1"}'
NOTICE = QuotaNotice("alice@example.com", "space", "critical", 96, 100, 95)
NOWHERE = AddressPolicy.from_networks(())


def test_the_ca_bundle_setting_is_used_and_checked(tmp_path: Path, ca_bundle: Path) -> None:
    build_senders(load_settings({"MAILNOTIFY_WEBHOOK_CA_BUNDLE": str(ca_bundle)}), NOWHERE)
    missing = tmp_path / "missing.pem"
    with pytest.raises(ConfigError, match="MAILNOTIFY_WEBHOOK_CA_BUNDLE: cannot load"):
        build_senders(load_settings({"MAILNOTIFY_WEBHOOK_CA_BUNDLE": str(missing)}), NOWHERE)


async def test_the_policy_passed_in_is_the_one_applied(receiver: HTTPSServer) -> None:
    settings = load_settings({"MAILNOTIFY_WEBHOOK_CA_BUNDLE": str(receiver.ca_bundle)})
    url = f"https://127.0.0.1:{receiver.port}/ok"
    loopback = AddressPolicy.from_networks(
        load_settings({}, webhook_allow_cidrs="127.0.0.0/8").allow_networks
    )
    allowed = build_senders(settings, loopback).webhooks
    outcome = await allowed.send(url, secret=receiver.secret, event_id="e", body=BODY)
    assert outcome.kind is OutcomeKind.DELIVERED
    refused = build_senders(settings, NOWHERE).webhooks
    outcome = await refused.send(url, secret=receiver.secret, event_id="e", body=BODY)
    assert outcome.kind is OutcomeKind.FAILED


def test_without_an_smtp_url_there_is_no_email_sender() -> None:
    assert build_senders(load_settings({}), NOWHERE).emails is None


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://mail.example", "scheme"),
        ("smtp://user:pass@mail.example", "credentials need"),
    ],
)
def test_bad_smtp_urls_name_the_variable(url: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=f"MAILNOTIFY_SMTP_URL: .*{problem}") as raised:
        build_senders(load_settings({"MAILNOTIFY_SMTP_URL": url}), NOWHERE)
    assert "pass" not in str(raised.value).replace("pass)", "")


async def test_the_smtp_url_setting_sends(smtp_server: SMTPServerHandle) -> None:
    settings = load_settings({"MAILNOTIFY_SMTP_URL": f"smtp://127.0.0.1:{smtp_server.port}"})
    emails = build_senders(settings, NOWHERE).emails
    assert emails is not None
    message = compose_quota_email(NOTICE, sender="a@host.example", recipient="ops@x.example")
    assert (await emails.send(message)).kind is OutcomeKind.DELIVERED
