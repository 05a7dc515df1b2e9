"""Platform intake: the domain directory and mailbox usage reports, turned into events.

Events and their deliveries are written in the same transaction as the state change
that raised them (an outbox); nothing is sent from here.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, select, text
from sqlmodel import Session

from mailnotify import events
from mailnotify.bulk import insert_many as _insert_many
from mailnotify.bulk import marker as _marker
from mailnotify.bulk import update_many as _update_many
from mailnotify.db import connection_of
from mailnotify.errors import FieldError, validation_failed
from mailnotify.models import (
    Channel,
    Domain,
    DomainStatus,
    Mailbox,
    NotificationSettings,
    Role,
    User,
    table_of,
    utcnow,
)
from mailnotify.outbox.writer import Outbox
from mailnotify.quota import Crossing, Level, Metric, Thresholds, step

_CHUNK = 500
# How far ahead of the server's clock a report's ``observed_at`` may be (clock skew).
FUTURE_TOLERANCE_MINUTES = 5
_FUTURE = f"must not be more than {FUTURE_TOLERANCE_MINUTES} minutes ahead of the server's clock"
# Mailboxes are looked up by primary key in chunks this large: a usage batch is up to
# 10 000 reports, and each query costs more than its parameters.
_BOX_CHUNK = 2500


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


# A mailbox as stored: levels (their stored texts), last applied observation, address
# and domain (an update that repeats these two leaves them, their index and foreign key
# alone).
_Stored = tuple[str, str, int, str, str]
# Where a mailbox stands within a batch: levels and the last applied observation.
_State = tuple[str, str, int]


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


def _actions(db: Session | Connection, user_ids: Iterable[int]) -> dict[int, _Actions]:
    wanted = sorted(set(user_ids))
    found: dict[int, _Actions] = {}
    table = table_of(NotificationSettings)
    for start in range(0, len(wanted), _CHUNK):
        rows = connection_of(db).execute(
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


# On PostgreSQL, usage batches run one at a time so that two batches never race on the
# same mailbox (SQLite's BEGIN IMMEDIATE already gives that): an advisory lock of this key.
INTAKE_LOCK = 7350001


def _serialize_intake(session: Session) -> None:
    if session.connection().dialect.name == "postgresql":
        session.connection().execute(text(f"SELECT pg_advisory_xact_lock({INTAKE_LOCK})"))


class UnknownUserCode(LookupError):
    """A customer or manager code that names no such user."""


def _assignable(
    connection: Connection, field: str, code: str, role: Role, errors: list[FieldError]
) -> int | None:
    """The id of the enabled user ``code`` with ``role``; else None, and why in ``errors``."""
    users = table_of(User)
    row = connection.execute(
        select(users.c.id, users.c.disabled).where(users.c.code == code, users.c.role == role.value)
    ).first()
    if row is None:
        errors.append(FieldError(field, f"is not a known {role.value}"))
        return None
    if row[1]:
        # A disabled user is notified of nothing; a domain assigned now would wait for it.
        errors.append(FieldError(field, f"is a disabled {role.value}"))
        return None
    return int(row[0])


def assignee_errors(
    connection: Connection, *, customer_code: object, manager_code: object
) -> list[FieldError]:
    """Why a domain cannot go to these users (codes that are not strings are skipped:
    the schema's failures name them already)."""
    errors: list[FieldError] = []
    if isinstance(customer_code, str):
        _assignable(connection, "customer_code", customer_code, Role.customer, errors)
    if isinstance(manager_code, str):
        _assignable(connection, "manager_code", manager_code, Role.manager, errors)
    return errors


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
    errors: list[FieldError] = []
    connection = session.connection()
    customer_id = _assignable(connection, "customer_code", customer_code, Role.customer, errors)
    manager_id = None
    if manager_code is not None:
        manager_id = _assignable(connection, "manager_code", manager_code, Role.manager, errors)
    if errors or customer_id is None:
        raise validation_failed(errors)
    if session.connection().dialect.name == "postgresql":
        # FOR UPDATE locks nothing while the row does not exist yet: two first upserts
        # of one domain would both insert. This lock serializes them by name.
        session.connection().execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": name}
        )
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


def _load_mailboxes(connection: Connection, codes: Sequence[str]) -> dict[str, _Stored]:
    # Only what decides the next step and the kind of update: an applied report
    # overwrites the rest. The driver's own cursor: a row object per mailbox costs more
    # than the query.
    found: dict[str, _Stored] = {}
    marker = _marker(connection)
    columns = (
        "SELECT email_code, space_level, messages_level, observed_us, email_address,"
        " domain_name FROM mailboxes"
    )
    cursor = connection.connection.cursor()
    try:
        if connection.dialect.name == "postgresql":
            # One parameter, no statement text that grows with the batch; a JSON array
            # of the codes is made in C, where the driver builds a list's array in Python.
            cursor.execute(
                f"{columns} WHERE email_code IN (SELECT json_array_elements_text(%s::json))",
                (orjson.dumps(codes).decode(),),
            )
            for code, *stored in cursor.fetchall():
                found[code] = tuple(stored)
            return found
        for start in range(0, len(codes), _BOX_CHUNK):
            chunk = codes[start : start + _BOX_CHUNK]
            cursor.execute(
                f"{columns} WHERE email_code IN ({', '.join([marker] * len(chunk))})",
                tuple(chunk),
            )
            for code, *stored in cursor.fetchall():
                found[code] = tuple(stored)
    finally:
        cursor.close()
    return found


def _load_owners(connection: Connection, names: Sequence[str]) -> dict[str, _Owner]:
    table = table_of(Domain)
    owners: dict[str, _Owner] = {}
    for start in range(0, len(names), _CHUNK):
        rows = connection.execute(
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


def _horizon(now_ms: int) -> int:
    # A report from the future would make every later real one look older, forever.
    return now_ms * 1000 + FUTURE_TOLERANCE_MINUTES * 60_000_000


def _report_errors(
    index: int,
    report: Mapping[str, Any],
    suffixes: Mapping[str, str],
    horizon: int,
    failing: Collection[str] = (),
) -> list[FieldError]:
    """A report's failures beyond the schema (skipping fields in ``failing``, which the
    schema refused already). Cheap when all is well: it runs for every applied report."""
    errors: list[FieldError] = []

    def usable(name: str, value: object) -> bool:
        return isinstance(value, str) and not (failing and f"reports.{index}.{name}" in failing)

    domain, address = report.get("domain_name"), report.get("email_address")
    if usable("domain_name", domain):
        suffix = suffixes.get(str(domain).lower())
        if suffix is None:
            errors.append(FieldError(f"reports.{index}.domain_name", "is not a known domain"))
        elif usable("email_address", address) and not str(address).lower().endswith(suffix):
            errors.append(
                FieldError(f"reports.{index}.email_address", "must be an address of domain_name")
            )
    observed = report.get("observed_at")
    if usable("observed_at", observed):
        try:
            ahead = parse_timestamp(observed) > horizon
        except ValueError:  # the schema's failure already
            ahead = False
        if ahead:
            errors.append(FieldError(f"reports.{index}.observed_at", _FUTURE))
    return errors


def usage_errors(
    connection: Connection, *, reports: object, now_ms: int, invalid: Sequence[FieldError]
) -> list[FieldError]:
    """The intake's failures of a batch that failed the schema already (``invalid``),
    for the reports and fields the schema did not refuse."""
    if not isinstance(reports, list):
        return []
    failing = {error.field for error in invalid}
    shaped = [r for r in reports if isinstance(r, dict)]
    names = sorted(
        {r["domain_name"].lower() for r in shaped if isinstance(r.get("domain_name"), str)}
    )
    owners = _load_owners(connection, names)
    suffixes = {name: "@" + name for name in owners}
    horizon = _horizon(now_ms)
    errors: list[FieldError] = []
    for index, report in enumerate(reports):
        if isinstance(report, dict):
            errors += _report_errors(index, report, suffixes, horizon, failing)
    return errors


def apply_usage(
    *,
    session: Session,
    reports: Sequence[Mapping[str, Any]],
    thresholds: Thresholds,
    now_ms: int,
) -> UsageResult:
    """Apply a batch atomically; raise a 422 naming ``reports.N.field`` if one is invalid.

    ``reports`` are in their JSON form and have passed the ``UsageReport`` schema.
    """
    _serialize_intake(session)
    judged = judge_usage(
        session.connection(), reports=reports, thresholds=thresholds, now_ms=now_ms
    )
    write_usage(session.connection(), judged)
    return judged.result


@dataclass(frozen=True, slots=True)
class Judged:
    """A batch judged against the stored mailboxes: what writing it changes."""

    result: UsageResult
    # The last applied report of each mailbox, and where each mailbox stands after it.
    latest: Mapping[str, Mapping[str, Any]]
    states: Mapping[str, _State]
    stored: Mapping[str, _Stored]
    outbox: Outbox

    def after(self) -> dict[str, _Stored]:
        """The mailboxes this batch changes, as they are stored once it is written."""
        return {
            code: (*self.states[code], report["email_address"], report["domain_name"].lower())
            for code, report in self.latest.items()
        }


def write_usage(connection: Connection, judged: Judged) -> None:
    """Store what ``judge_usage`` decided: mailboxes, events and their deliveries."""
    _write_mailboxes(connection, judged.latest, judged.states, judged.stored)
    judged.outbox.write(connection)


def judge_usage(
    connection: Connection,
    *,
    reports: Sequence[Mapping[str, Any]],
    thresholds: Thresholds,
    now_ms: int,
    newer: Mapping[str, _Stored] | None = None,
) -> Judged:
    """Judge a batch (see ``apply_usage``) without writing anything.

    ``newer`` are mailboxes as a batch not yet committed stores them: they replace what
    ``connection`` reads. The caller keeps other writers out in between.
    """
    owners = _load_owners(connection, sorted({r["domain_name"].lower() for r in reports}))
    stored = _load_mailboxes(connection, sorted({r["email_code"] for r in reports}))
    if newer:
        stored.update(
            (code, newer[code]) for code in {r["email_code"] for r in reports} & newer.keys()
        )
    actions = _actions(connection, (u for o in owners.values() for u in o.users()))
    outbox = Outbox(now=utcnow(), now_ms=now_ms)
    suffixes = {name: "@" + name for name in owners}
    states: dict[str, _State] = {code: row[:3] for code, row in stored.items()}
    # The last applied report of each mailbox: what its row is written from.
    latest: dict[str, Mapping[str, Any]] = {}
    errors: list[FieldError] = []
    applied = ignored = 0
    horizon = _horizon(now_ms)
    for index, report in enumerate(reports):
        domain = report["domain_name"].lower()
        suffix = suffixes.get(domain)
        try:
            observed = parse_timestamp(report["observed_at"])
        except ValueError:
            observed = None
        # What _report_errors checks, inline for the common case where all is well.
        if (
            suffix is None
            or observed is None
            or observed > horizon
            or not report["email_address"].lower().endswith(suffix)
        ):
            errors += _report_errors(index, report, suffixes, horizon)
        if errors:
            # The batch is refused; what remains is only checked.
            continue
        if observed is None:
            # The schema let through a time this cannot read: the error it always was.
            observed = parse_timestamp(report["observed_at"])
        code = report["email_code"]
        state = states.get(code)
        if state is None:
            space_level = messages_level = _NORMAL
        else:
            space_level, messages_level, last = state
            if observed < last:
                ignored += 1
                continue
        applied += 1
        space, messages = report["space"], report["messages"]
        space_level, space_crossing = _step(
            space_level, space["used"], space["assigned"], thresholds
        )
        messages_level, messages_crossing = _step(
            messages_level, messages["used"], messages["assigned"], thresholds
        )
        states[code] = (space_level, messages_level, observed)
        latest[code] = report
        if space_crossing is not None:
            _quota_event(
                outbox,
                report,
                domain,
                owners[domain],
                actions,
                space_crossing,
                Metric.space,
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
            )
    if errors:
        raise validation_failed(errors)
    result = UsageResult(applied=applied, ignored=ignored, events=len(outbox.events))
    return Judged(result, latest, states, stored, outbox)


def _quota_event(
    outbox: Outbox,
    report: Mapping[str, Any],
    domain_name: str,
    owner: _Owner,
    actions: Mapping[int, _Actions],
    crossing: Crossing,
    metric: Metric,
) -> None:
    recipients: list[tuple[int | None, Channel, str | None]] = []
    for user in owner.users():
        wanted = actions.get(user)
        if wanted is not None and wanted.email_overquota_callback:
            recipients.append((user, Channel.webhook, None))
        if wanted is not None and wanted.email_overquota_email:
            recipients.append((user, Channel.email, None))
    # The mailbox's own warnings are not the account's to switch off; without SMTP they
    # wait in the outbox, retried like every email, until a server is configured.
    if crossing.event == "exceeded":
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


_PLACE = ("email_address", "domain_name")
_VALUES = (
    "space_used",
    "space_assigned",
    "space_level",
    "messages_used",
    "messages_assigned",
    "messages_level",
    "observed_us",
)


def _write_mailboxes(
    connection: Connection,
    latest: Mapping[str, Mapping[str, Any]],
    states: Mapping[str, _State],
    stored: Mapping[str, _Stored],
) -> None:
    inserts, updates, moves = [], [], []
    for code, report in latest.items():
        space, messages = report["space"], report["messages"]
        space_level, messages_level, observed = states[code]
        values = (
            space["used"],
            space["assigned"],
            space_level,
            messages["used"],
            messages["assigned"],
            messages_level,
            observed,
        )
        address, domain = report["email_address"], report["domain_name"].lower()
        before = stored.get(code)
        if before is None:
            inserts.append((code, address, domain, *values))
        elif before[3] == address and before[4] == domain:
            updates.append((*values, code))
        else:
            moves.append((address, domain, *values, code))
    table = table_of(Mailbox).name
    if inserts:
        _insert_many(connection, table, ("email_code", *_PLACE, *_VALUES), inserts)
    for rows, columns in ((updates, _VALUES), (moves, (*_PLACE, *_VALUES))):
        if rows:
            _update_many(connection, table, "email_code", columns, rows)
