"""Platform intake: the domain directory and mailbox usage reports, turned into events.

Events and their deliveries are written in the same transaction as the state change
that raised them (an outbox); nothing is sent from here.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, text, update
from sqlmodel import Session, SQLModel

from mailnotify import events
from mailnotify.errors import FieldError, validation_failed
from mailnotify.models import (
    Channel,
    Delivery,
    Domain,
    DomainStatus,
    Event,
    Mailbox,
    NotificationSettings,
    Role,
    User,
    utcnow,
)
from mailnotify.quota import Crossing, Level, Metric, Thresholds, step

_CHUNK = 500


def _table(model: type[SQLModel]) -> Table:
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class UsageReport:
    """One mailbox's usage at one moment, as the platform reports it."""

    email_address: str
    email_code: str
    domain_name: str
    observed_us: int
    space_used: int
    space_assigned: int
    messages_used: int
    messages_assigned: int


@functools.lru_cache(maxsize=4096)
def parse_timestamp(value: str) -> int:
    """Microseconds since the epoch of an RFC 3339 date-time with an offset."""
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("a time zone offset is required")
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def report_from_json(raw: Mapping[str, Any]) -> UsageReport:
    """A report from its JSON form, which has passed the schema."""
    return UsageReport(
        email_address=raw["email_address"],
        email_code=raw["email_code"],
        domain_name=raw["domain_name"].lower(),
        observed_us=parse_timestamp(raw["observed_at"]),
        space_used=raw["space"]["used"],
        space_assigned=raw["space"]["assigned"],
        messages_used=raw["messages"]["used"],
        messages_assigned=raw["messages"]["assigned"],
    )


@dataclass(frozen=True, slots=True)
class UsageResult:
    """What a batch did."""

    applied: int
    ignored: int
    events: int


@dataclass(slots=True)
class _Box:
    email_address: str
    domain_name: str
    space_level: Level
    messages_level: Level
    observed_us: int
    values: dict[str, int]
    new: bool
    touched: bool = False


@dataclass(frozen=True, slots=True)
class _Owner:
    customer_id: int
    manager_id: int | None

    def users(self) -> tuple[int, ...]:
        if self.manager_id is None or self.manager_id == self.customer_id:
            return (self.customer_id,)
        return (self.customer_id, self.manager_id)


@dataclass(frozen=True, slots=True)
class _Actions:
    email_overquota_callback: bool
    domain_create_callback: bool
    email_overquota_email: bool


class Outbox:
    """Collects events and their deliveries for one transaction."""

    def __init__(self, *, now: datetime, now_ms: int) -> None:
        self.now = now
        self.now_ms = now_ms
        self.events: list[dict[str, object]] = []
        self.deliveries: list[dict[str, object]] = []

    def add(
        self,
        *,
        action_type: str,
        domain_name: str,
        event_id: str,
        body: bytes,
        recipients: Iterable[tuple[int | None, Channel, str | None]],
    ) -> None:
        """An event and one delivery per (user, channel, address) recipient."""
        self.events.append(
            {
                "id": event_id,
                "action_type": action_type,
                "domain_name": domain_name,
                "created_at": self.now,
                "body": body.decode(),
            }
        )
        for user_id, channel, address in recipients:
            self.deliveries.append(
                {
                    "event_id": event_id,
                    "user_id": user_id,
                    "channel": channel.value,
                    "recipient": address,
                    "status": "pending",
                    "attempts": 0,
                    "due_ms": self.now_ms,
                    "lease_until_ms": None,
                    "last_error": None,
                    "delivered_ms": None,
                }
            )

    def write(self, session: Session) -> None:
        """Insert what was collected."""
        connection = session.connection()
        if self.events:
            connection.execute(insert(_table(Event)), self.events)
        if self.deliveries:
            connection.execute(insert(_table(Delivery)), self.deliveries)


def _actions(session: Session, user_ids: Iterable[int]) -> dict[int, _Actions]:
    wanted = sorted(set(user_ids))
    found: dict[int, _Actions] = {}
    table = _table(NotificationSettings)
    for start in range(0, len(wanted), _CHUNK):
        rows = session.connection().execute(
            select(
                table.c.user_id,
                table.c.email_overquota_callback,
                table.c.domain_create_callback,
                table.c.email_overquota_email,
            ).where(table.c.user_id.in_(wanted[start : start + _CHUNK]))
        )
        for user_id, quota_hook, domain_hook, quota_email in rows:
            found[user_id] = _Actions(quota_hook, domain_hook, quota_email)
    return found


def _serialize_intake(session: Session) -> None:
    # On PostgreSQL, usage batches run one at a time so that two batches never race on
    # the same mailbox; SQLite's BEGIN IMMEDIATE already gives that.
    if session.connection().dialect.name == "postgresql":
        session.connection().execute(text("SELECT pg_advisory_xact_lock(7350001)"))


class UnknownUserCode(LookupError):
    """A customer or manager code that names no such user."""


def _user_id(session: Session, code: str, role: Role) -> int | None:
    users = _table(User)
    row = (
        session.connection()
        .execute(select(users.c.id).where(users.c.code == code, users.c.role == role.value))
        .first()
    )
    return None if row is None else int(row[0])


def upsert_domain(
    *,
    session: Session,
    name: str,
    customer_code: str,
    manager_code: str | None,
    postmaster_code: str,
    postmaster_token: str | None,
    status: DomainStatus,
    now_ms: int,
) -> tuple[Domain, bool]:
    """Create or update a domain; the domain and whether this raised ``domain_create``."""
    customer_id = _user_id(session, customer_code, Role.customer)
    manager_id = None if manager_code is None else _user_id(session, manager_code, Role.manager)
    errors = []
    if customer_id is None:
        errors.append(FieldError("customer_code", "is not a known customer"))
    if manager_code is not None and manager_id is None:
        errors.append(FieldError("manager_code", "is not a known manager"))
    if errors or customer_id is None:
        raise validation_failed(errors)
    domain = session.get(Domain, name, with_for_update=True)
    now = utcnow()
    if domain is None:
        domain = Domain(
            name=name,
            customer_id=customer_id,
            status=status,
            postmaster_code=postmaster_code,
            created_at=now,
        )
    domain.customer_id = customer_id
    domain.manager_id = manager_id
    domain.postmaster_code = postmaster_code
    domain.postmaster_token = postmaster_token
    domain.status = status
    domain.updated_at = now
    activated = status is DomainStatus.active and domain.activated_at is None
    if activated:
        domain.activated_at = now
        outbox = Outbox(now=now, now_ms=now_ms)
        owner = _Owner(customer_id, manager_id)
        actions = _actions(session, owner.users())
        event_id = events.new_event_id()
        outbox.add(
            action_type="domain_create",
            domain_name=name,
            event_id=event_id,
            body=events.domain_create(
                event_id=event_id,
                created_at=now,
                domain_name=name,
                postmaster_code=postmaster_code,
                postmaster_token=postmaster_token,
            ),
            recipients=[
                (user, Channel.webhook, None)
                for user in owner.users()
                if user in actions and actions[user].domain_create_callback
            ],
        )
        session.add(domain)
        session.flush()
        outbox.write(session)
    else:
        session.add(domain)
    return domain, activated


def _load_boxes(session: Session, codes: Sequence[str]) -> dict[str, _Box]:
    table = _table(Mailbox)
    # Only what decides the next step: a report that is applied overwrites the rest.
    columns = (table.c.email_code, table.c.space_level, table.c.messages_level, table.c.observed_us)
    boxes: dict[str, _Box] = {}
    levels = {level.value: level for level in Level}
    for start in range(0, len(codes), _CHUNK):
        rows = session.connection().execute(
            select(*columns).where(table.c.email_code.in_(codes[start : start + _CHUNK]))
        )
        for code, space, messages, observed in rows:
            boxes[code] = _Box(
                email_address="",
                domain_name="",
                space_level=levels[space],
                messages_level=levels[messages],
                observed_us=observed,
                values={},
                new=False,
            )
    return boxes


def _load_owners(session: Session, names: Sequence[str]) -> dict[str, _Owner]:
    table = _table(Domain)
    owners: dict[str, _Owner] = {}
    for start in range(0, len(names), _CHUNK):
        rows = session.connection().execute(
            select(table.c.name, table.c.customer_id, table.c.manager_id).where(
                table.c.name.in_(names[start : start + _CHUNK])
            )
        )
        for name, customer_id, manager_id in rows:
            owners[name] = _Owner(customer_id, manager_id)
    return owners


def apply_usage(
    *,
    session: Session,
    reports: Sequence[UsageReport],
    thresholds: Thresholds,
    mailbox_emails: bool,
    now_ms: int,
) -> UsageResult:
    """Apply a batch atomically; raise a 422 naming ``reports.N.field`` if one is invalid."""
    _serialize_intake(session)
    owners = _load_owners(session, sorted({r.domain_name for r in reports}))
    errors = []
    for index, report in enumerate(reports):
        if report.domain_name not in owners:
            errors.append(FieldError(f"reports.{index}.domain_name", "is not a known domain"))
        elif not report.email_address.lower().endswith("@" + report.domain_name):
            errors.append(
                FieldError(f"reports.{index}.email_address", "must be an address of domain_name")
            )
    if errors:
        raise validation_failed(errors)

    boxes = _load_boxes(session, sorted({r.email_code for r in reports}))
    actions = _actions(session, (u for o in owners.values() for u in o.users()))
    now = utcnow()
    outbox = Outbox(now=now, now_ms=now_ms)
    applied = ignored = 0
    for report in reports:
        box = boxes.get(report.email_code)
        if box is None:
            box = boxes[report.email_code] = _Box(
                email_address=report.email_address,
                domain_name=report.domain_name,
                space_level=Level.normal,
                messages_level=Level.normal,
                observed_us=0,
                values={},
                new=True,
            )
        elif report.observed_us < box.observed_us:
            ignored += 1
            continue
        applied += 1
        box.touched = True
        box.email_address = report.email_address
        box.domain_name = report.domain_name
        box.observed_us = report.observed_us
        box.values = {
            "space_used": report.space_used,
            "space_assigned": report.space_assigned,
            "messages_used": report.messages_used,
            "messages_assigned": report.messages_assigned,
        }
        box.space_level, space = step(
            box.space_level, report.space_used, report.space_assigned, thresholds
        )
        box.messages_level, messages = step(
            box.messages_level, report.messages_used, report.messages_assigned, thresholds
        )
        for metric, crossing, used, assigned in (
            (Metric.space, space, report.space_used, report.space_assigned),
            (Metric.messages, messages, report.messages_used, report.messages_assigned),
        ):
            if crossing is not None:
                _quota_event(
                    outbox,
                    report,
                    owners[report.domain_name],
                    actions,
                    crossing,
                    metric,
                    used,
                    assigned,
                    mailbox_emails,
                )
    _write_boxes(session, boxes)
    outbox.write(session)
    return UsageResult(applied=applied, ignored=ignored, events=len(outbox.events))


def _quota_event(
    outbox: Outbox,
    report: UsageReport,
    owner: _Owner,
    actions: Mapping[int, _Actions],
    crossing: Crossing,
    metric: Metric,
    used: int,
    assigned: int,
    mailbox_emails: bool,
) -> None:
    recipients: list[tuple[int | None, Channel, str | None]] = []
    for user in owner.users():
        wanted = actions.get(user)
        if wanted is not None and wanted.email_overquota_callback:
            recipients.append((user, Channel.webhook, None))
        if wanted is not None and wanted.email_overquota_email:
            recipients.append((user, Channel.email, None))
    if mailbox_emails and crossing.event == "exceeded":
        recipients.append((None, Channel.mailbox_email, report.email_address))
    event_id = events.new_event_id()
    outbox.add(
        action_type="email_overquota",
        domain_name=report.domain_name,
        event_id=event_id,
        body=events.email_overquota(
            event_id=event_id,
            created_at=outbox.now,
            crossing=crossing,
            metric=metric,
            domain_name=report.domain_name,
            email_address=report.email_address,
            email_code=report.email_code,
            used=used,
            assigned=assigned,
        ),
        recipients=recipients,
    )


def _write_boxes(session: Session, boxes: Mapping[str, _Box]) -> None:
    table = _table(Mailbox)
    inserts, updates = [], []
    for code, box in boxes.items():
        if not box.touched:
            continue
        row = {
            "email_address": box.email_address,
            "domain_name": box.domain_name,
            "space_level": box.space_level.value,
            "messages_level": box.messages_level.value,
            "observed_us": box.observed_us,
            **box.values,
        }
        if box.new:
            inserts.append({"email_code": code, **row})
        else:
            updates.append({"b_code": code, **row})
    connection = session.connection()
    if inserts:
        connection.execute(insert(table), inserts)
    if updates:
        columns = [c for c in updates[0] if c != "b_code"]
        connection.execute(
            update(table)
            .where(table.c.email_code == bindparam("b_code"))
            .values({c: bindparam(c) for c in columns}),
            updates,
        )
