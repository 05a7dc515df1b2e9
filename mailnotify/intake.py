"""Platform intake: the domain directory and mailbox usage reports, turned into events.

Events and their deliveries are written in the same transaction as the state change
that raised them (an outbox); nothing is sent from here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, select, text
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
# Mailboxes are looked up by primary key in chunks this large: a usage batch is up to
# 10 000 reports, and each query costs more than its parameters.
_BOX_CHUNK = 2500


def _table(model: type[SQLModel]) -> Table:
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


@functools.lru_cache(maxsize=4096)
def parse_timestamp(value: str) -> int:
    """Microseconds since the epoch of an RFC 3339 date-time with an offset."""
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("a time zone offset is required")
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


@dataclass(frozen=True, slots=True)
class UsageResult:
    """What a batch did."""

    applied: int
    ignored: int
    events: int


class _Box:
    """A mailbox's state during a batch; levels are the stored texts."""

    __slots__ = (
        "domain_name",
        "email_address",
        "messages_assigned",
        "messages_level",
        "messages_used",
        "new",
        "observed_us",
        "space_assigned",
        "space_level",
        "space_used",
        "stored_address",
        "stored_domain",
        "touched",
    )

    def __init__(
        self,
        space_level: str,
        messages_level: str,
        observed_us: int,
        stored_address: str,
        stored_domain: str,
        new: bool,
    ) -> None:
        self.space_level = space_level
        self.messages_level = messages_level
        self.observed_us = observed_us
        # As stored: when a report repeats them, the update leaves them (and their index
        # and foreign key) alone.
        self.stored_address = self.email_address = stored_address
        self.stored_domain = self.domain_name = stored_domain
        self.new = new
        self.touched = False
        self.space_used = self.space_assigned = self.messages_used = self.messages_assigned = 0


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


_EVENT_COLUMNS = ("id", "action_type", "domain_name", "created_at", "body")
_DELIVERY_COLUMNS = ("event_id", "user_id", "channel", "recipient", "status", "attempts", "due_ms")


def _marker(connection: Connection) -> str:
    return "?" if connection.dialect.paramstyle == "qmark" else "%s"


def _insert_many(
    connection: Connection, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """INSERT ``rows`` through the driver's executemany.

    SQLAlchemy's per-row parameter processing costs more than SQLite's own work on these
    statements; the values here are plain ints, strings and None (timestamps are bound
    through their column type first).
    """
    marks = ", ".join([_marker(connection)] * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608 (names are ours)
    connection.exec_driver_sql(sql, rows)


def _bind(connection: Connection, model: type[SQLModel], column: str) -> Callable[[Any], Any]:
    """The driver value of ``model.column`` for a Python value, as SQLAlchemy would bind it."""
    column_type = _table(model).c[column].type
    process = column_type.dialect_impl(connection.dialect).bind_processor(connection.dialect)
    return process if process is not None else (lambda value: value)


class Outbox:
    """Collects events and their deliveries for one transaction."""

    def __init__(self, *, now: datetime, now_ms: int) -> None:
        self.now = now
        self.now_ms = now_ms
        self.events: list[tuple[str, str, str, str]] = []
        self.deliveries: list[tuple[Any, ...]] = []

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
        self.events.append((event_id, action_type, domain_name, body.decode()))
        for user_id, channel, address in recipients:
            self.deliveries.append(
                (event_id, user_id, channel.value, address, "pending", 0, self.now_ms)
            )

    def write(self, session: Session) -> None:
        """Insert what was collected (deliveries wait: nothing leased, no error yet)."""
        connection = session.connection()
        if self.events:
            created = _bind(connection, Event, "created_at")(self.now)
            rows = [(i, a, d, created, b) for i, a, d, b in self.events]
            _insert_many(connection, _table(Event).name, _EVENT_COLUMNS, rows)
        if self.deliveries:
            _insert_many(connection, _table(Delivery).name, _DELIVERY_COLUMNS, self.deliveries)


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


def _load_boxes(connection: Connection, codes: Sequence[str]) -> dict[str, _Box]:
    # Only what decides the next step, and what tells whether an update must touch the
    # address and domain: a report that is applied overwrites the rest.
    boxes: dict[str, _Box] = {}
    marker = _marker(connection)
    for start in range(0, len(codes), _BOX_CHUNK):
        chunk = codes[start : start + _BOX_CHUNK]
        rows = connection.exec_driver_sql(
            "SELECT email_code, space_level, messages_level, observed_us, email_address,"  # noqa: S608 (markers only)
            f" domain_name FROM mailboxes WHERE email_code IN ({', '.join([marker] * len(chunk))})",
            tuple(chunk),
        ).fetchall()
        for code, space, messages, observed, address, domain in rows:
            boxes[code] = _Box(space, messages, observed, address, domain, new=False)
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


_NORMAL, _WARNING, _CRITICAL = (
    level.value for level in (Level.normal, Level.warning, Level.critical)
)


def _step(
    level: str, used: int, assigned: int, thresholds: Thresholds
) -> tuple[str, Crossing | None]:
    """``quota.step`` on a stored level, skipping it in the common case of no change."""
    # Where each level certainly holds (step would return it unchanged); anything else,
    # including no limit assigned, is step's to decide.
    if assigned > 0:
        scaled = used * 100
        if level == _NORMAL:
            if scaled < thresholds.warning * assigned:
                return level, None
        elif level == _WARNING:
            if thresholds.recovery * assigned <= scaled < thresholds.critical * assigned:
                return level, None
        elif scaled >= thresholds.recovery * assigned:
            return level, None
    after, crossing = step(Level(level), used, assigned, thresholds)
    return after.value, crossing


def apply_usage(
    *,
    session: Session,
    reports: Sequence[Mapping[str, Any]],
    thresholds: Thresholds,
    mailbox_emails: bool,
    now_ms: int,
) -> UsageResult:
    """Apply a batch atomically; raise a 422 naming ``reports.N.field`` if one is invalid.

    ``reports`` are in their JSON form and have passed the ``UsageReport`` schema.
    """
    _serialize_intake(session)
    connection = session.connection()
    owners = _load_owners(session, sorted({r["domain_name"].lower() for r in reports}))
    boxes = _load_boxes(connection, sorted({r["email_code"] for r in reports}))
    actions = _actions(session, (u for o in owners.values() for u in o.users()))
    outbox = Outbox(now=utcnow(), now_ms=now_ms)
    suffixes = {name: "@" + name for name in owners}
    errors: list[FieldError] = []
    applied = ignored = 0
    for index, report in enumerate(reports):
        domain = report["domain_name"].lower()
        address = report["email_address"]
        suffix = suffixes.get(domain)
        if suffix is None:
            errors.append(FieldError(f"reports.{index}.domain_name", "is not a known domain"))
            continue
        if not address.lower().endswith(suffix):
            errors.append(
                FieldError(f"reports.{index}.email_address", "must be an address of domain_name")
            )
            continue
        if errors:
            # The batch is refused; what remains is only checked.
            continue
        code = report["email_code"]
        observed = parse_timestamp(report["observed_at"])
        box = boxes.get(code)
        if box is None:
            box = boxes[code] = _Box(_NORMAL, _NORMAL, 0, address, domain, new=True)
        elif observed < box.observed_us:
            ignored += 1
            continue
        applied += 1
        space, messages = report["space"], report["messages"]
        box.touched = True
        box.email_address = address
        box.domain_name = domain
        box.observed_us = observed
        box.space_used = space_used = space["used"]
        box.space_assigned = space_assigned = space["assigned"]
        box.messages_used = messages_used = messages["used"]
        box.messages_assigned = messages_assigned = messages["assigned"]
        box.space_level, space_crossing = _step(
            box.space_level, space_used, space_assigned, thresholds
        )
        box.messages_level, messages_crossing = _step(
            box.messages_level, messages_used, messages_assigned, thresholds
        )
        if space_crossing is not None:
            _quota_event(
                outbox,
                report,
                domain,
                owners[domain],
                actions,
                space_crossing,
                Metric.space,
                mailbox_emails,
            )
        if messages_crossing is not None:
            _quota_event(
                outbox,
                report,
                domain,
                owners[domain],
                actions,
                messages_crossing,
                Metric.messages,
                mailbox_emails,
            )
    if errors:
        raise validation_failed(errors)
    _write_boxes(connection, boxes)
    outbox.write(session)
    return UsageResult(applied=applied, ignored=ignored, events=len(outbox.events))


def _quota_event(
    outbox: Outbox,
    report: Mapping[str, Any],
    domain_name: str,
    owner: _Owner,
    actions: Mapping[int, _Actions],
    crossing: Crossing,
    metric: Metric,
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
        recipients.append((None, Channel.mailbox_email, report["email_address"]))
    usage = report[metric.value]
    event_id = events.new_event_id()
    outbox.add(
        action_type="email_overquota",
        domain_name=domain_name,
        event_id=event_id,
        body=events.email_overquota(
            event_id=event_id,
            created_at=outbox.now,
            crossing=crossing,
            metric=metric,
            domain_name=domain_name,
            email_address=report["email_address"],
            email_code=report["email_code"],
            used=usage["used"],
            assigned=usage["assigned"],
        ),
        recipients=recipients,
    )


_VALUES = (
    "space_used",
    "space_assigned",
    "space_level",
    "messages_used",
    "messages_assigned",
    "messages_level",
    "observed_us",
)


def _write_boxes(connection: Connection, boxes: Mapping[str, _Box]) -> None:
    inserts, updates, moves = [], [], []
    for code, box in boxes.items():
        if not box.touched:
            continue
        values = (
            box.space_used,
            box.space_assigned,
            box.space_level,
            box.messages_used,
            box.messages_assigned,
            box.messages_level,
            box.observed_us,
        )
        if box.new:
            inserts.append((code, box.email_address, box.domain_name, *values))
        elif box.email_address == box.stored_address and box.domain_name == box.stored_domain:
            updates.append((*values, code))
        else:
            moves.append((box.email_address, box.domain_name, *values, code))
    table = _table(Mailbox).name
    if inserts:
        _insert_many(
            connection, table, ("email_code", "email_address", "domain_name", *_VALUES), inserts
        )
    marker = _marker(connection)
    for rows, columns in ((updates, _VALUES), (moves, ("email_address", "domain_name", *_VALUES))):
        if rows:
            assignments = ", ".join(f"{column} = {marker}" for column in columns)
            connection.exec_driver_sql(
                f"UPDATE {table} SET {assignments} WHERE email_code = {marker}",  # noqa: S608 (names are ours)
                rows,
            )
