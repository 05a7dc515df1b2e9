"""Composing the quota emails."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage

import pytest

from mailnotify.delivery.email import (
    QuotaNotice,
    compose_mailbox_warning,
    compose_quota_email,
    quota_subject,
)

GIB = 1024**3
CRITICAL = QuotaNotice("alice@example.com", "space", "critical", 95 * GIB // 10, 10 * GIB, 95)
WARNING = QuotaNotice("bob@example.com", "messages", "warning", 8123, 10000, 80)
NORMAL = QuotaNotice("alice@example.com", "space", "normal", 7 * GIB, 10 * GIB, 75)


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert isinstance(text, EmailMessage)
    assert isinstance(html, EmailMessage)
    return text.get_content(), html.get_content()


@pytest.mark.parametrize(
    ("notice", "subject"),
    [
        (CRITICAL, "[mailnotify] alice@example.com: storage space at 95% (critical)"),
        (WARNING, "[mailnotify] bob@example.com: message count at 81% (warning)"),
        (NORMAL, "[mailnotify] alice@example.com: storage space back to normal"),
    ],
)
def test_subjects_name_mailbox_metric_and_level(notice: QuotaNotice, subject: str) -> None:
    assert quota_subject(notice) == subject
    message = compose_quota_email(notice, sender="noreply@host.example", recipient="ops@c.example")
    assert message["Subject"] == subject


def test_the_account_email_has_text_and_html_parts() -> None:
    message = compose_quota_email(
        CRITICAL,
        sender="noreply@host.example",
        recipient="ops@customer.example",
        message_id="dlv_42",
        now=datetime(2026, 11, 24, 10, 0, tzinfo=UTC),
    )
    assert message.get_content_type() == "multipart/alternative"
    assert message["To"] == "ops@customer.example"
    assert message["From"] == "noreply@host.example"
    assert message["Message-ID"] == "<dlv_42@host.example>"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Date"] == "Tue, 24 Nov 2026 10:00:00 +0000"
    text, html = parts(message)
    assert "alice@example.com has passed 95% of its storage space, the critical level" in text
    assert "9.5 GiB of 10.0 GiB (95%)" in text
    assert html.startswith("<!doctype html>")
    assert "<p>Used: 9.5 GiB of 10.0 GiB (95%)</p>" in html


def test_message_counts_and_back_to_normal_wording() -> None:
    text, _ = parts(compose_quota_email(WARNING, sender="n@h.example", recipient="o@c.example"))
    assert "8,123 of 10,000 messages (81%)" in text
    assert "80% of its message limit" in text
    text, _ = parts(compose_quota_email(NORMAL, sender="n@h.example", recipient="o@c.example"))
    assert "is back below 75% of its storage space" in text


def test_values_are_escaped_in_html() -> None:
    notice = QuotaNotice("a&b<x>@example.com", "space", "warning", 85, 100, 80)
    _, html = parts(compose_quota_email(notice, sender="n@h.example", recipient="o@c.example"))
    assert "a&amp;b&lt;x&gt;@example.com" in html
    assert "<x>" not in html


def test_usage_is_rounded_down() -> None:
    notice = QuotaNotice("a@example.com", "messages", "warning", 9499, 10000, 80)
    assert notice.percent == 94
    assert QuotaNotice("a@example.com", "space", "critical", 5, 0, 95).percent == 100


def test_the_mailbox_warning_goes_to_the_mailbox_with_its_own_wording() -> None:
    message = compose_mailbox_warning(CRITICAL, sender="noreply@host.example")
    assert message["To"] == "alice@example.com"
    assert message["Subject"] == (
        "[mailnotify] Your mailbox alice@example.com: storage space at 95% (critical)"
    )
    text, html = parts(message)
    assert text.startswith("Your mailbox alice@example.com has used 95% of its storage space")
    assert "can no longer be delivered" in text
    assert "notification settings" not in text
    assert "Your mailbox alice@example.com" in html


def test_mailbox_users_are_not_told_about_recovery() -> None:
    with pytest.raises(ValueError, match="warning and critical"):
        compose_mailbox_warning(NORMAL, sender="noreply@host.example")


def test_message_ids_are_unique_without_a_delivery_id() -> None:
    ids = {
        compose_quota_email(CRITICAL, sender="n@h.example", recipient="o@c.example")["Message-ID"]
        for _ in range(3)
    }
    assert len(ids) == 3
    assert all(i.endswith("@h.example>") for i in ids)
