"""The engine benchmark's world: a fresh database with accounts and domains, and a report file.

The file holds ``rounds`` passes over every mailbox (round-major, as a platform that
scans all mailboxes periodically would send them), and on average one report in ten of
each mailbox crosses a quota threshold:

- half the mailboxes rise once (to warning or critical) and stay there;
- a quarter rise and later fall back below recovery (two crossings);
- a quarter stay normal.

Only ``space`` moves across thresholds; ``messages`` stays low. Round 0 is normal, so
the report that creates a mailbox raises nothing.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
from sqlalchemy import Connection, text

from mailnotify import accounts, intake, migrate
from mailnotify.db import make_engine, writing
from mailnotify.models import DomainStatus, Role

ROUNDS = 10
MAILBOXES_PER_DOMAIN = 100
DOMAINS_PER_CUSTOMER = 5
# Shares of the accounts that switched quota webhooks on, and of domains with a manager.
CALLBACK_SHARE = 0.5
MANAGED_SHARE = 0.3
LATENCY_DOMAIN = "latency.bench.test"
SIZES = (2 << 30, 5 << 30, 8 << 30, 10 << 30, 50 << 30)
MESSAGES_ASSIGNED = 100_000
# Per mille of the assigned size, kept clear of the thresholds (75, 80, 95 %) so that
# rounding never moves a value across one.
NORMAL = (100, 745)
WARNING = (805, 945)
CRITICAL = (955, 1000)
HOLD_WARNING = (760, 945)
HOLD_CRITICAL = (760, 1000)
STARTED = datetime(2026, 11, 24, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class World:
    """What the measures need to know about a prepared database."""

    url: str
    platform_token: str
    domains: int
    webhook_users: int


@dataclass(frozen=True, slots=True)
class ReportFile:
    """A generated report file and what ingesting it must raise."""

    path: Path
    reports: int
    crossing: int


def prepare_world(
    url: str,
    *,
    mailboxes: int,
    hook_url: str,
    latency_url: str,
    secret: str,
    hosts: int = 0,
) -> World:
    """The empty database at ``url`` migrated, with accounts, settings and active domains."""
    engine = make_engine(url)
    rng = random.Random(7)  # noqa: S311 (benchmark data, not secrets)
    domains = max(1, mailboxes // MAILBOXES_PER_DOMAIN)
    customers = max(1, domains // DOMAINS_PER_CUSTOMER)
    managers = max(1, customers // 4)
    try:
        migrate.upgrade(engine)
        with writing(engine) as session:
            platform = accounts.create_user(session=session, role=Role.platform)
            customer_codes = [
                accounts.create_user(session=session, role=Role.customer).code
                for _ in range(customers)
            ]
            manager_codes = [
                accounts.create_user(session=session, role=Role.manager).code
                for _ in range(managers)
            ]
            latency_code = accounts.create_user(session=session, role=Role.customer).code
        with writing(engine) as session:
            connection = session.connection()
            connection.execute(
                text(
                    "UPDATE notification_settings SET notification_url = :url,"
                    " signing_secret = :secret, domain_create_callback = :on"
                ),
                {"url": hook_url, "secret": secret, "on": True},
            )
            if hosts:
                # Each account's webhooks to one of ``hosts`` loopback hosts (127.0.1.N).
                connection.execute(
                    text(
                        "UPDATE notification_settings SET notification_url = replace("
                        "notification_url, '127.0.0.1', '127.0.1.' || (1 + user_id % :hosts))"
                    ),
                    {"hosts": hosts},
                )
            for code in [*customer_codes, *manager_codes]:
                if rng.random() < CALLBACK_SHARE:
                    _switch_on(connection, code)
            _switch_on(connection, latency_code, url=latency_url)
        with writing(engine) as session:
            for number in range(domains):
                intake.upsert_domain(
                    session=session,
                    name=domain_name(number),
                    customer_code=customer_codes[number // DOMAINS_PER_CUSTOMER % customers],
                    manager_code=rng.choice(manager_codes)
                    if rng.random() < MANAGED_SHARE
                    else None,
                    postmaster_code=f"PM{number:06d}",
                    postmaster_token=None,
                    status=DomainStatus.active,
                    now_ms=0,
                )
            intake.upsert_domain(
                session=session,
                name=LATENCY_DOMAIN,
                customer_code=latency_code,
                manager_code=None,
                postmaster_code="PMLAT",
                postmaster_token=None,
                status=DomainStatus.pending,
                now_ms=0,
            )
        with engine.connect() as connection:
            webhook_users = int(
                connection.execute(
                    text(
                        "SELECT count(*) FROM notification_settings WHERE email_overquota_callback"
                    )
                ).scalar_one()
            )
    finally:
        engine.dispose()
    return World(url, platform.token, domains, webhook_users)


def _switch_on(connection: Connection, code: str, *, url: str | None = None) -> None:
    connection.execute(
        text(
            "UPDATE notification_settings SET email_overquota_callback = :on,"
            " notification_url = coalesce(:url, notification_url)"
            " WHERE user_id = (SELECT id FROM users WHERE code = :code)"
        ),
        {"code": code, "url": url, "on": True},
    )


def domain_name(number: int) -> str:
    """The name of the ``number``-th benchmark domain."""
    return f"d{number:05d}.bench.test"


def _trajectory(rng: random.Random, rounds: int) -> tuple[list[int], int]:
    """Per-mille space usage for each round, and how many rounds cross a threshold."""
    kind = rng.random()
    values = [rng.randint(*NORMAL) for _ in range(rounds)]
    if kind < 0.5:
        up = rng.randint(1, rounds - 1)
        critical = rng.random() < 0.3
        values[up] = rng.randint(*(CRITICAL if critical else WARNING))
        hold = HOLD_CRITICAL if critical else HOLD_WARNING
        for later in range(up + 1, rounds):
            values[later] = rng.randint(*hold)
        return values, 1
    if kind < 0.75:
        up = rng.randint(1, rounds - 2)
        down = rng.randint(up + 1, rounds - 1)
        critical = rng.random() < 0.3
        values[up] = rng.randint(*(CRITICAL if critical else WARNING))
        hold = HOLD_CRITICAL if critical else HOLD_WARNING
        for later in range(up + 1, down):
            values[later] = rng.randint(*hold)
        return values, 2
    return values, 0


Plan = tuple[int, list[int]]


def _plans(mailboxes: int, rounds: int, rng: random.Random) -> tuple[list[Plan], int]:
    """(assigned size, per-mille usage per round) per mailbox, and the crossings in all."""
    plans = []
    crossings = 0
    for _ in range(mailboxes):
        values, crossed = _trajectory(rng, rounds)
        crossings += crossed
        plans.append((rng.choice(SIZES), values))
    return plans, crossings


def _lines(plans: list[Plan], rounds: int, rng: random.Random) -> Iterator[bytes]:
    for round_number in range(rounds):
        started = STARTED + timedelta(hours=round_number)
        for number, (assigned, values) in enumerate(plans):
            domain = domain_name(number // MAILBOXES_PER_DOMAIN)
            # A platform scans about a hundred mailboxes a second.
            observed = started + timedelta(seconds=number // 100)
            yield orjson.dumps(
                {
                    "email_address": f"user{number}@{domain}",
                    "email_code": f"EM{number:07d}",
                    "domain_name": domain,
                    "observed_at": observed.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "space": {
                        "used": assigned * values[round_number] // 1000,
                        "assigned": assigned,
                    },
                    "messages": {
                        "used": rng.randint(0, MESSAGES_ASSIGNED * 7 // 10),
                        "assigned": MESSAGES_ASSIGNED,
                    },
                }
            )


def write_reports(path: Path, reports: int, *, seed: int = 1) -> ReportFile:
    """A JSON Lines file of ``reports`` reports (``reports / ROUNDS`` mailboxes)."""
    rng = random.Random(seed)  # noqa: S311 (benchmark data, not secrets)
    plans, crossings = _plans(mailboxes_for(reports), ROUNDS, rng)
    with path.open("wb") as handle:
        for line in _lines(plans, ROUNDS, rng):
            handle.write(line + b"\n")
    return ReportFile(path, len(plans) * ROUNDS, crossings)


def mailboxes_for(reports: int) -> int:
    """How many mailboxes a file of ``reports`` reports covers."""
    return max(1, reports // ROUNDS)
