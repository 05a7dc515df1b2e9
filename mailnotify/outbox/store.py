"""The only code that writes deliveries once they are queued: claim, record, requeue, prune.

A claim is a lease: the row gets ``lease_until_ms`` and one more attempt in a committed
transaction before anything is sent, so a worker killed mid-batch loses nothing (the
lease runs out and another worker takes the row: at least once), and no two workers send
one delivery at the same time (on PostgreSQL the claim also skips rows another worker is
claiming, ``FOR UPDATE SKIP LOCKED``). A result is written only while its lease holds.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Engine,
    FromClause,
    Integer,
    Row,
    Select,
    String,
    Table,
    and_,
    bindparam,
    case,
    cast,
    column,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.dml import ReturningUpdate

from mailnotify.clock import Clock
from mailnotify.db import reading, writing
from mailnotify.delivery.outcome import Outcome, OutcomeKind
from mailnotify.delivery.schedule import DELAYS, Random, next_attempt
from mailnotify.delivery.signing import generate_secret
from mailnotify.models import (
    Channel,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    Event,
    NotificationSettings,
    User,
    table_of,
)
from mailnotify.outbox.jobs import Job, Result, Skipped
from mailnotify.subscriptions.actions import PING

logger = logging.getLogger("mailnotify.worker")

_ERROR_MAX = 500
_RECORDED = ("status", "lease_until_ms", "delivered_ms", "due_ms", "last_error", "attempts")
_PHRASE_MAX = 200
# A batch of recorded rows as PostgreSQL reads them: one array per column.
_RECORD_VALUES = (
    column("b_id", BigInteger),
    column("b_lease", BigInteger),
    column("b_destination", String),
    column("status", String),
    column("delivered_ms", BigInteger),
    column("due_ms", BigInteger),
    column("last_error", String),
    column("attempts", Integer),
)


def _still_leased(table: Table) -> ColumnElement[bool]:
    """The row ``b_id``, if it is still under the lease ``b_lease`` (no one took it over)."""
    return and_(table.c.id == bindparam("b_id"), table.c.lease_until_ms == bindparam("b_lease"))


# The columns of a claimed delivery a job is made of, beside its id and attempts.
_JOB_COLUMNS = ("channel", "recipient", "user_id", "event_id", "created_ms", "forced")


def _batch_update(table: Table) -> ReturningUpdate[tuple[int]]:
    """``UPDATE deliveries ... FROM unnest(arrays)``: the rows of a batch whose leases hold."""
    given = (
        func.unnest(
            *(
                cast(bindparam(f"a_{column.name}", type_=ARRAY(column.type)), ARRAY(column.type))
                for column in _RECORD_VALUES
            )
        )
        .table_valued(*(column.name for column in _RECORD_VALUES))
        .render_derived(name="given")
    )
    return (
        update(table)
        .where(table.c.id == given.c.b_id, table.c.lease_until_ms == given.c.b_lease)
        .values(
            {
                **{name: given.c[name] for name in _RECORDED if name != "lease_until_ms"},
                "lease_until_ms": None,
                "destination": func.coalesce(given.c.b_destination, table.c.destination),
            }
        )
        .returning(table.c.id)
    )


def _due(deliveries: Table, now: int) -> tuple[ColumnElement[bool], ...]:
    """Pending, due, and held by no one (never leased, or its lease ran out)."""
    return (
        deliveries.c.status == DeliveryStatus.pending.value,
        deliveries.c.due_ms <= now,
        or_(deliveries.c.lease_until_ms.is_(None), deliveries.c.lease_until_ms < now),
    )


def _with_job_columns(query: Select[Any], claimed: FromClause) -> Select[Any]:
    """``query`` over ``claimed`` deliveries, with their events' and users' columns a job needs."""
    events, users = table_of(Event), table_of(User)
    return (
        query.add_columns(events.c.action_type, events.c.body, users.c.disabled)
        .join_from(claimed, events, events.c.id == claimed.c.event_id)
        .outerjoin(users, users.c.id == claimed.c.user_id)
    )


# Told of each recorded outcome once committed: the job, its new status, and when.
OnRecorded = Callable[[Job, str, int], None]


class EndpointHealth(Protocol):
    """Where a webhook endpoint's successes and final failures are kept (CONTRACT §7).

    Called inside the transaction that records the outcome.
    """

    def all_succeeded(
        self, connection: Connection, *, user_ids: Sequence[int], now_ms: int
    ) -> None:
        """Webhooks reached these accounts' endpoints."""
        ...

    def failed_for_good(
        self, connection: Connection, *, user_id: int, now_ms: int, disable_after_ms: int
    ) -> bool:
        """A webhook's schedule is spent; True if this disabled the endpoint."""
        ...


class Store:
    """Claims and records deliveries in ``engine``; ``clock`` and ``rng`` are injectable."""

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Clock,
        lease_ms: int,
        rng: Random | None = None,
        on_recorded: OnRecorded | None = None,
        delays: Sequence[timedelta] = DELAYS,
        health: EndpointHealth | None = None,
        disable_after_ms: int = 5 * 86_400_000,
    ) -> None:
        self._engine = engine
        self._write_batch: ReturningUpdate[tuple[int]] | None = None
        self._health = health
        self._disable_after_ms = disable_after_ms
        self._delays = tuple(delays)
        self._clock = clock
        self._lease_ms = lease_ms
        self._on_recorded = on_recorded
        self._rng: Random = rng if rng is not None else random.Random()  # noqa: S311 (jitter, not secrets)

    def now(self) -> int:
        """The store's clock, in epoch milliseconds."""
        return self._clock()

    @property
    def lease_ms(self) -> int:
        """How long a claim holds its rows."""
        return self._lease_ms

    def claim(self, limit: int) -> list[Job]:
        """Lease up to ``limit`` due deliveries (a short write transaction)."""
        now = self._clock()
        lease = now + self._lease_ms
        if self._engine.dialect.name == "postgresql":
            rows, settings = self._claim_at_once(limit, now, lease)
        else:
            rows, settings = self._claim_in_steps(limit, now, lease)
        return [
            Job(
                delivery_id=row.id,
                lease_until_ms=lease,
                attempts=row.attempts + 1,
                channel=Channel(row.channel),
                recipient=row.recipient,
                event_id=row.event_id,
                action_type=row.action_type,
                body=row.body,
                settings=settings.get(row.user_id) if row.user_id else None,
                user_disabled=bool(row.disabled),
                created_ms=row.created_ms,
                claimed_ms=now,
                user_id=row.user_id,
                forced=bool(row.forced),
            )
            for row in rows
        ]

    def _claim_in_steps(
        self, limit: int, now: int, lease: int
    ) -> tuple[Sequence[Row[Any]], dict[int, Mapping[str, Any]]]:
        """The claim on SQLite: a read first, since an idle worker polls often and a read
        takes no write lock (it blocks no writer); then select, lease, read settings."""
        deliveries = table_of(Delivery)
        due = _due(deliveries, now)
        with reading(self._engine) as session:
            if (
                session.connection().execute(select(deliveries.c.id).where(*due).limit(1)).first()
                is None
            ):
                return [], {}
        with writing(self._engine) as session:
            connection = session.connection()
            query = (
                _with_job_columns(
                    select(
                        deliveries.c.id,
                        deliveries.c.attempts,
                        *(deliveries.c[name] for name in _JOB_COLUMNS),
                    ).where(*due),
                    deliveries,
                )
                .order_by(deliveries.c.due_ms)
                .limit(limit)
            )
            rows = connection.execute(query).all()
            if not rows:
                return [], {}
            connection.execute(
                update(deliveries)
                .where(deliveries.c.id.in_([row.id for row in rows]))
                .values(lease_until_ms=lease, attempts=deliveries.c.attempts + 1)
            )
            settings = _settings(connection, {r.user_id for r in rows if r.user_id})
        return rows, settings

    def _claim_at_once(
        self, limit: int, now: int, lease: int
    ) -> tuple[Sequence[Row[Any]], dict[int, Mapping[str, Any]]]:
        """The claim on PostgreSQL: one statement (pick, lease, read what sending needs).

        Rows another worker is claiming are skipped (``FOR UPDATE SKIP LOCKED``); a row
        leased meanwhile no longer matches when it is locked, so it is not taken twice.
        """
        deliveries, settings_table = table_of(Delivery), table_of(NotificationSettings)
        picked = (
            select(deliveries.c.id)
            .where(*_due(deliveries, now))
            .order_by(deliveries.c.due_ms)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .cte("picked")
        )
        claimed = (
            update(deliveries)
            .where(deliveries.c.id == picked.c.id)
            .values(lease_until_ms=lease, attempts=deliveries.c.attempts + 1)
            # The attempts before this claim, as the other dialects' select reads them.
            .returning(
                deliveries.c.id,
                (deliveries.c.attempts - 1).label("attempts"),
                deliveries.c.due_ms,
                *(deliveries.c[name] for name in _JOB_COLUMNS),
            )
            .cte("claimed")
        )
        query = (
            _with_job_columns(
                select(
                    claimed.c.id,
                    claimed.c.attempts,
                    *(claimed.c[name] for name in _JOB_COLUMNS),
                    *(column.label(f"s_{column.name}") for column in settings_table.c),
                ),
                claimed,
            )
            .outerjoin(settings_table, settings_table.c.user_id == claimed.c.user_id)
            .order_by(claimed.c.due_ms)
        )
        with self._engine.begin() as connection:
            rows = connection.execute(query).all()
            settings: dict[int, Mapping[str, Any]] = {}
            unsigned = set()
            for row in rows:
                mapping = row._mapping
                if mapping["s_user_id"] is None:
                    continue
                found = {c.name: mapping[f"s_{c.name}"] for c in settings_table.c}
                if found["signing_secret"] is None:
                    unsigned.add(row.user_id)
                settings[row.user_id] = found
            if unsigned:
                settings.update(_settings(connection, unsigned))
        return rows, settings

    def next_due(self) -> int | None:
        """When the earliest delivery nobody holds is due (epoch ms), or None: one cheap read."""
        table = table_of(Delivery)
        now = self._clock()
        # In due order along the (status, due_ms) index: the first row not leased ends it.
        query = (
            select(table.c.due_ms)
            .where(
                table.c.status == DeliveryStatus.pending.value,
                or_(table.c.lease_until_ms.is_(None), table.c.lease_until_ms < now),
            )
            .order_by(table.c.due_ms)
            .limit(1)
        )
        with self._engine.connect() as connection:
            due = connection.execute(query).scalar()
        return None if due is None else int(due)

    def requeue(self, jobs: Sequence[Job], *, delay_ms: int) -> None:
        """Give claimed jobs back unsent: the lease ends, the attempt does not count.

        They become due again after ``delay_ms`` at the earliest, so that the next claim
        takes other deliveries first.
        """
        if not jobs:
            return
        table = table_of(Delivery)
        due = self._clock() + delay_ms
        rows = [{"b_id": job.delivery_id, "b_lease": job.lease_until_ms} for job in jobs]
        with writing(self._engine) as session:
            session.connection().execute(
                update(table)
                .where(_still_leased(table))
                .values(
                    lease_until_ms=None,
                    attempts=table.c.attempts - 1,
                    due_ms=case((table.c.due_ms < due, due), else_=table.c.due_ms),
                ),
                rows,
            )

    def prune(self, *, older_than_ms: int, limit: int = 500) -> int:
        """Delete one small batch of records older than ``older_than_ms`` (epoch ms).

        Finished deliveries go with their attempts, then events left with no delivery; a
        pending delivery, and so its event, is never deleted. Returns how many deliveries
        and events went: a full batch means there may be more.
        """
        deliveries, attempts, events = (
            table_of(Delivery),
            table_of(DeliveryAttempt),
            table_of(Event),
        )
        cutoff = datetime.fromtimestamp(older_than_ms / 1000, UTC)
        with writing(self._engine) as session:
            connection = session.connection()
            # Along the primary key, oldest first: ids grow with time.
            ids = list(
                connection.execute(
                    select(deliveries.c.id)
                    .where(
                        deliveries.c.created_ms < older_than_ms,
                        deliveries.c.status != DeliveryStatus.pending.value,
                    )
                    .order_by(deliveries.c.id)
                    .limit(limit)
                ).scalars()
            )
            if ids:
                connection.execute(delete(attempts).where(attempts.c.delivery_id.in_(ids)))
                connection.execute(delete(deliveries).where(deliveries.c.id.in_(ids)))
            orphans = list(
                connection.execute(
                    select(events.c.id)
                    .where(
                        events.c.created_at < cutoff,
                        ~exists().where(deliveries.c.event_id == events.c.id),
                    )
                    .order_by(events.c.id)
                    .limit(limit)
                ).scalars()
            )
            if orphans:
                connection.execute(delete(events).where(events.c.id.in_(orphans)))
        return max(len(ids), len(orphans))

    def record(self, results: Sequence[Result]) -> int | None:
        """Write the outcomes; a row whose lease was taken over meanwhile is left alone.

        Returns when the earliest retry among them is due (epoch ms), or None.
        """
        now = self._clock()
        made = [(r, row) for r in results if (row := self._safe_row(r, now)) is not None]
        if not made:
            return None
        retries = [
            due
            for _, row in made
            if row["status"] == DeliveryStatus.pending.value
            and isinstance(due := row["due_ms"], int)
        ]
        recorded: list[tuple[Job, str]] = []
        attempts = []
        with writing(self._engine) as session:
            connection = session.connection()
            written = self._write_rows(connection, [row for _, row in made])
            for result, row in made:
                # An attempt is written only where the lease still held.
                if row["b_id"] not in written:
                    continue
                recorded.append((result.job, str(row["status"])))
                attempt = _attempt(result)
                if attempt is not None:
                    attempts.append(attempt)
            if attempts:
                connection.execute(insert(table_of(DeliveryAttempt)), attempts)
            self._endpoints(connection, recorded, now)
        if self._on_recorded is not None:
            for job, status in recorded:
                self._on_recorded(job, status, now)
        return min(retries, default=None)

    def _write_rows(self, connection: Connection, rows: Sequence[dict[str, object]]) -> set[object]:
        """Write the deliveries' rows where their leases still hold; the ids written."""
        table = table_of(Delivery)
        if connection.dialect.name == "postgresql":
            # One statement for the batch, where a round trip per row cost more than the
            # rest of recording it; its text never changes, so it is compiled once.
            if self._write_batch is None:
                self._write_batch = _batch_update(table)
            columns = {
                f"a_{column.name}": [row[column.name] for row in rows] for column in _RECORD_VALUES
            }
            return set(connection.execute(self._write_batch, columns).scalars())
        one_by_one = (
            update(table)
            .where(_still_leased(table))
            .values(
                {
                    **{k: bindparam(k) for k in _RECORDED},
                    "destination": func.coalesce(bindparam("b_destination"), table.c.destination),
                }
            )
        )
        # Row by row: the count tells whether the lease still held.
        return {row["b_id"] for row in rows if connection.execute(one_by_one, row).rowcount == 1}

    def _endpoints(
        self, connection: Connection, recorded: Sequence[tuple[Job, str]], now: int
    ) -> None:
        """Keep the webhook endpoints' health where their deliveries' failures are handled.

        Each account's settings row is written once per batch, and the rows are locked in
        the order of their keys: workers recording at the same time then lock them in one
        order, and never deadlock (which would lose a batch's record, and send it all again).
        """
        if self._health is None:
            return
        delivered: set[int] = set()
        failed: dict[int, Job] = {}
        for job, status in recorded:
            if job.channel is not Channel.webhook or job.user_id is None:
                continue
            if status == DeliveryStatus.delivered.value:
                delivered.add(job.user_id)
            # A failed ping changes nothing else (CONTRACT §7); a successful one heals.
            elif status == DeliveryStatus.failed.value and job.action_type != PING:
                failed.setdefault(job.user_id, job)
        for user_id in delivered:
            failed.pop(user_id, None)
        if len(delivered) + len(failed) > 1:
            # Locked first, all in the order of their keys (the writes below then wait
            # for nobody); one statement, where writing them one by one cost a round trip
            # each.
            settings = table_of(NotificationSettings)
            connection.execute(
                select(settings.c.user_id)
                .where(settings.c.user_id.in_(sorted(delivered | set(failed))))
                .order_by(settings.c.user_id)
                .with_for_update()
            ).all()
        if delivered:
            self._health.all_succeeded(connection, user_ids=sorted(delivered), now_ms=now)
        for user_id in sorted(failed):
            if self._health.failed_for_good(
                connection,
                user_id=user_id,
                now_ms=now,
                disable_after_ms=self._disable_after_ms,
            ):
                logger.warning(
                    "webhook endpoint disabled after its schedule was spent",
                    extra={"user_id": user_id, "delivery_id": failed[user_id].delivery_id},
                )

    def _safe_row(self, result: Result, now: int) -> dict[str, object] | None:
        """The row of ``result``; one row that cannot be made is that job's failed attempt."""
        try:
            return self._row(result, now)
        except Exception as exc:
            logger.exception("delivery %s: its outcome cannot be recorded", result.job.delivery_id)
            fallback = Outcome(OutcomeKind.RETRY, f"unexpected {type(exc).__name__}")
        try:
            return self._row(Result(result.job, fallback), now)
        except Exception:
            # Left leased: the lease runs out and the delivery is tried again.
            logger.exception("delivery %s: left to its lease", result.job.delivery_id)
            return None

    def _row(self, result: Result, now: int) -> dict[str, object]:
        verdict, job = result.verdict, result.job
        row: dict[str, object] = {
            "b_id": job.delivery_id,
            "b_lease": job.lease_until_ms,
            "b_destination": result.destination,
            "lease_until_ms": None,
            "delivered_ms": None,
            "due_ms": now,
            "last_error": None,
            "attempts": job.attempts,
        }
        if isinstance(verdict, Skipped):
            row["status"] = DeliveryStatus.skipped.value
            row["last_error"] = verdict.reason[:_ERROR_MAX]
            # Nothing was tried: the attempt counted at claim is taken back.
            row["attempts"] = job.attempts - 1
        elif verdict.kind is OutcomeKind.DELIVERED:
            row["status"] = DeliveryStatus.delivered.value
            row["delivered_ms"] = now
        else:
            row["last_error"] = verdict.detail[:_ERROR_MAX]
            retry = None
            if verdict.kind is OutcomeKind.RETRY:
                moment = datetime.fromtimestamp(now / 1000, UTC)
                retry = next_attempt(
                    job.attempts, moment, self._rng, verdict.retry_after, self._delays
                )
            if retry is None:
                row["status"] = DeliveryStatus.failed.value
            else:
                row["status"] = DeliveryStatus.pending.value
                row["due_ms"] = int(retry.timestamp() * 1000)
        return row


def _attempt(result: Result) -> dict[str, object] | None:
    """The delivery_attempts row of a send that was tried; None for a skipped one."""
    verdict = result.verdict
    if isinstance(verdict, Skipped):
        return None
    delivered = verdict.kind is OutcomeKind.DELIVERED
    error = None if delivered else (verdict.phrase or verdict.detail)
    return {
        "delivery_id": result.job.delivery_id,
        "number": result.job.attempts,
        "started_at": datetime.fromtimestamp(result.started_ms / 1000, UTC),
        "duration_ms": result.duration_ms,
        "status_code": verdict.status,
        "error": None if error is None else error[:_PHRASE_MAX],
        "response_excerpt": verdict.excerpt,
    }


def _settings(connection: Connection, user_ids: set[int]) -> dict[int, Mapping[str, Any]]:
    table = table_of(NotificationSettings)
    if not user_ids:
        return {}
    rows = connection.execute(select(table).where(table.c.user_id.in_(sorted(user_ids))))
    found: dict[int, dict[str, Any]] = {row["user_id"]: dict(row) for row in rows.mappings()}
    for user_id, row in found.items():
        if row["signing_secret"] is None:
            # Only rows older than migration 0003 lack one. If another writer sets one
            # meanwhile, this UPDATE matches nothing and the re-read returns theirs.
            connection.execute(
                update(table)
                .where(table.c.user_id == user_id, table.c.signing_secret.is_(None))
                .values(signing_secret=generate_secret())
            )
            row["signing_secret"] = connection.execute(
                select(table.c.signing_secret).where(table.c.user_id == user_id)
            ).scalar_one()
    return dict(found)
