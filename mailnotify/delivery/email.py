"""The quota emails: to an account's notification address, and to the mailbox itself."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Literal

Metric = Literal["space", "messages"]
Level = Literal["normal", "warning", "critical"]

SUBJECT_PREFIX = "[mailnotify]"

_METRIC_NAMES: dict[Metric, str] = {"space": "storage space", "messages": "message count"}
_LIMIT_NAMES: dict[Metric, str] = {"space": "storage space", "messages": "message limit"}


@dataclass(frozen=True, slots=True)
class QuotaNotice:
    """One quota event of one mailbox and metric, as the emails tell it."""

    email_address: str
    metric: Metric
    # The state the mailbox entered: "normal" is the back-to-normal event.
    level: Level
    used: int
    assigned: int
    # The threshold crossed, in percent.
    crossed: int

    @property
    def percent(self) -> int:
        """Usage in whole percent, rounded down so that 94.9 % never reads as 95 %."""
        if self.assigned <= 0:
            return 100
        return self.used * 100 // self.assigned


def _amount(metric: Metric, value: int) -> str:
    if metric == "messages":
        return f"{value:,}"
    size = float(value)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{value:,} bytes" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def _usage(notice: QuotaNotice) -> str:
    used = _amount(notice.metric, notice.used)
    assigned = _amount(notice.metric, notice.assigned)
    unit = " messages" if notice.metric == "messages" else ""
    return f"{used} of {assigned}{unit} ({notice.percent}%)"


def quota_subject(notice: QuotaNotice, *, to_mailbox: bool = False) -> str:
    """The subject: the mailbox, the metric and the level."""
    metric = _METRIC_NAMES[notice.metric]
    mailbox = f"Your mailbox {notice.email_address}" if to_mailbox else notice.email_address
    if notice.level == "normal":
        return f"{SUBJECT_PREFIX} {mailbox}: {metric} back to normal"
    return f"{SUBJECT_PREFIX} {mailbox}: {metric} at {notice.percent}% ({notice.level})"


def _account_paragraphs(notice: QuotaNotice) -> list[str]:
    limit = _LIMIT_NAMES[notice.metric]
    if notice.level == "normal":
        first = (
            f"The mailbox {notice.email_address} is back below {notice.crossed}% of its {limit}."
        )
    else:
        first = (
            f"The mailbox {notice.email_address} has passed {notice.crossed}% of its {limit}, "
            f"the {notice.level} level."
        )
    return [
        first,
        f"Used: {_usage(notice)}",
        "You receive this email because quota emails are switched on in your account's "
        "notification settings.",
    ]


def _mailbox_paragraphs(notice: QuotaNotice) -> list[str]:
    limit = _LIMIT_NAMES[notice.metric]
    return [
        f"Your mailbox {notice.email_address} has used {notice.percent}% of its {limit} "
        f"({notice.level}).",
        f"Used: {_usage(notice)}",
        "When the mailbox is full, new messages to it can no longer be delivered. Delete "
        "messages you no longer need, or ask your administrator for more room.",
    ]


def _message(
    subject: str,
    paragraphs: list[str],
    *,
    sender: str,
    recipient: str,
    message_id: str | None,
    now: datetime | None,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC) if now is None else now)
    domain = sender.rpartition("@")[2] or "localhost"
    message["Message-ID"] = f"<{message_id}@{domain}>" if message_id else make_msgid(domain=domain)
    # RFC 3834: machine-made, so vacation responders stay quiet.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content("\n\n".join(paragraphs) + "\n")
    body = "".join(f"<p>{html.escape(p)}</p>\n" for p in paragraphs)
    message.add_alternative(
        f'<!doctype html>\n<html><head><meta charset="utf-8"><title>{html.escape(subject)}'
        f"</title></head>\n<body>\n{body}</body></html>\n",
        subtype="html",
    )
    return message


def compose_quota_email(
    notice: QuotaNotice,
    *,
    sender: str,
    recipient: str,
    message_id: str | None = None,
    now: datetime | None = None,
) -> EmailMessage:
    """The quota email to an account's ``notification_email``.

    ``message_id`` (the delivery's id) makes the Message-ID stable across retries, so that
    a receiving system can drop a duplicate of an at-least-once send.
    """
    return _message(
        quota_subject(notice),
        _account_paragraphs(notice),
        sender=sender,
        recipient=recipient,
        message_id=message_id,
        now=now,
    )


def compose_mailbox_warning(
    notice: QuotaNotice,
    *,
    sender: str,
    message_id: str | None = None,
    now: datetime | None = None,
) -> EmailMessage:
    """The built-in warning to the mailbox's own address, at warning and critical only."""
    if notice.level == "normal":
        raise ValueError("mailbox users are warned at warning and critical only")
    return _message(
        quota_subject(notice, to_mailbox=True),
        _mailbox_paragraphs(notice),
        sender=sender,
        recipient=notice.email_address,
        message_id=message_id,
        now=now,
    )


def compose_test_email(
    *, sender: str, recipient: str, message_id: str | None = None, now: datetime | None = None
) -> EmailMessage:
    """The test message of ``POST /users/me/notifications/test`` (CONTRACT §7)."""
    return _message(
        f"{SUBJECT_PREFIX} Test message",
        [
            "This is a test message from mailnotify: quota emails for your account can "
            "reach this address.",
            "You receive it because a test was requested for your account's notification "
            "email; no mailbox crossed a threshold.",
        ],
        sender=sender,
        recipient=recipient,
        message_id=message_id,
        now=now,
    )


def compose_endpoint_disabled_email(
    *,
    url: str,
    disabled_at: str,
    sender: str,
    recipient: str,
    message_id: str | None = None,
    now: datetime | None = None,
) -> EmailMessage:
    """The one notice that an account's webhook endpoint was disabled (CONTRACT §7)."""
    return _message(
        f"{SUBJECT_PREFIX} Webhook endpoint disabled: {url}",
        [
            f"Webhooks to {url} kept failing until their retries were spent, so the "
            f"endpoint was disabled at {disabled_at}.",
            "While it is disabled, webhooks for your account are not sent: each is "
            "recorded as skipped in the delivery log, with the reason. Your action "
            "switches stay as you set them.",
            "To re-enable it, fix the receiver, then save notification_url again (PUT "
            "/api/users/me/notifications, even with the same value), or send a test ping "
            "(POST /api/users/me/notifications/test) that succeeds.",
        ],
        sender=sender,
        recipient=recipient,
        message_id=message_id,
        now=now,
    )
