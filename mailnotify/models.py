"""The tables, together in one module."""

from __future__ import annotations

import enum
import secrets
import time
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import BigInteger, Column, DateTime, Enum, Index, Table, Text, false
from sqlmodel import Field, SQLModel


def table_of(model: type[SQLModel]) -> Table:
    """A model's Core table, for statements that skip the ORM on hot paths."""
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def _timestamp(*, nullable: bool = False) -> Column[datetime]:
    return Column(DateTime(timezone=True), nullable=nullable)


def _big(*, nullable: bool = False) -> Column[int]:
    return Column(BigInteger, nullable=nullable)


class Role(enum.StrEnum):
    """What a user is to the mail host."""

    customer = "customer"
    manager = "manager"
    postmaster = "postmaster"
    mailbox = "mailbox"
    team_member = "team_member"
    platform = "platform"


SETTINGS_ROLES = frozenset({Role.customer, Role.manager})


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(default="", max_length=200)
    role: Role = Field(sa_column=Column(Enum(Role, native_enum=False, length=16), nullable=False))
    customer_id: int | None = Field(default=None, foreign_key="users.id")
    disabled: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_tokens"

    id: str = Field(primary_key=True, max_length=32)
    user_id: int = Field(foreign_key="users.id", index=True)
    # SHA-256 of the secret part; the token itself is shown once and never stored.
    secret_hash: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    revoked_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))


class NotificationSettings(SQLModel, table=True):
    __tablename__ = "notification_settings"

    user_id: int = Field(foreign_key="users.id", primary_key=True)
    notification_url: str | None = Field(default=None, max_length=2048)
    email_overquota_callback: bool = False
    domain_create_callback: bool = False
    notification_email: str | None = Field(default=None, max_length=254)
    email_overquota_email: bool = False
    signing_secret: str | None = Field(default=None, max_length=64)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    # The secret a rotation replaced: webhooks are signed with both until it expires.
    previous_signing_secret: str | None = Field(default=None, max_length=64)
    previous_secret_expires_ms: int | None = Field(default=None, sa_column=_big(nullable=True))
    webhook_state: str = Field(
        default="healthy", max_length=16, sa_column_kwargs={"server_default": "healthy"}
    )
    failing_since_ms: int | None = Field(default=None, sa_column=_big(nullable=True))
    disabled_ms: int | None = Field(default=None, sa_column=_big(nullable=True))
    last_success_ms: int | None = Field(default=None, sa_column=_big(nullable=True))


class DomainStatus(enum.StrEnum):
    """A domain's state in the platform's directory."""

    pending = "pending"
    active = "active"
    disabled = "disabled"


class Domain(SQLModel, table=True):
    __tablename__ = "domains"

    name: str = Field(primary_key=True, max_length=253)
    customer_id: int = Field(foreign_key="users.id", index=True)
    manager_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    postmaster_code: str = Field(max_length=64)
    # Sent in domain_create webhooks, so it cannot be hashed.
    postmaster_token: str | None = Field(default=None, max_length=256)
    status: DomainStatus = Field(
        sa_column=Column(Enum(DomainStatus, native_enum=False, length=16), nullable=False)
    )
    activated_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class Mailbox(SQLModel, table=True):
    """A mailbox's last applied usage report and its quota level per metric."""

    # On PostgreSQL its pages keep room for updates (migration 0006: fillfactor).
    __tablename__ = "mailboxes"

    email_code: str = Field(primary_key=True, max_length=64)
    email_address: str = Field(max_length=254)
    domain_name: str = Field(foreign_key="domains.name", index=True, max_length=253)
    space_used: int = Field(sa_column=_big())
    space_assigned: int = Field(sa_column=_big())
    space_level: str = Field(max_length=8)
    messages_used: int = Field(sa_column=_big())
    messages_assigned: int = Field(sa_column=_big())
    messages_level: str = Field(max_length=8)
    # Microseconds since the epoch: compared on every report, so no time zone games.
    observed_us: int = Field(sa_column=_big())


class Event(SQLModel, table=True):
    """Something that happened, with the exact JSON body its webhooks carry."""

    __tablename__ = "events"

    id: str = Field(primary_key=True, max_length=40)
    action_type: str = Field(max_length=32)
    domain_name: str = Field(max_length=253, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    body: str = Field(sa_column=Column(Text, nullable=False))


class DeliveryStatus(enum.StrEnum):
    """Where a delivery stands."""

    pending = "pending"
    delivered = "delivered"
    failed = "failed"
    skipped = "skipped"


class Channel(enum.StrEnum):
    """How a delivery reaches its recipient."""

    webhook = "webhook"
    email = "email"
    mailbox_email = "mailbox_email"


def new_delivery_id() -> str:
    """A delivery's public id: time first, so inserts append to its index; then random."""
    return "dlv_" + format(time.time_ns() // 1000, "013x") + secrets.token_urlsafe(16)


class Delivery(SQLModel, table=True):
    """One event to one recipient over one channel: the outbox row the worker sends."""

    __tablename__ = "deliveries"

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(default_factory=new_delivery_id, max_length=40)
    event_id: str = Field(foreign_key="events.id", index=True, max_length=40)
    user_id: int | None = Field(default=None, foreign_key="users.id")
    channel: str = Field(max_length=16)
    recipient: str | None = Field(default=None, max_length=254)
    status: str = Field(default=DeliveryStatus.pending, max_length=16)
    attempts: int = 0
    # Milliseconds since the epoch: the worker's clock is injectable and compares these.
    due_ms: int = Field(sa_column=_big())
    lease_until_ms: int | None = Field(default=None, sa_column=_big(nullable=True))
    last_error: str | None = Field(default=None, max_length=500)
    delivered_ms: int | None = Field(default=None, sa_column=_big(nullable=True))
    # The URL or address used by the last attempt (null for a delivery not tried yet).
    destination: str | None = Field(default=None, max_length=2048)
    created_ms: int = Field(sa_column=_big())
    # Asked for again by its consumer: sent whatever its switch or the endpoint's state.
    forced: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


class DeliveryAttempt(SQLModel, table=True):
    """One try of a delivery, as its consumer sees it in the delivery log."""

    __tablename__ = "delivery_attempts"

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(foreign_key="deliveries.id")
    number: int
    started_at: datetime = Field(sa_column=_timestamp())
    duration_ms: int
    status_code: int | None = None
    error: str | None = Field(default=None, max_length=200)
    response_excerpt: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


Index("ix_users_customer_id", User.customer_id)  # type: ignore[arg-type]
Index("ix_deliveries_due", Delivery.status, Delivery.due_ms)  # type: ignore[arg-type]
Index("ix_deliveries_public_id", Delivery.public_id, unique=True)
# A user's delivery log, newest first: the same cost on any page, whatever the table's size.
Index("ix_deliveries_user_id_id", Delivery.user_id, Delivery.id)  # type: ignore[arg-type]
Index(
    "ix_delivery_attempts_delivery_id_number",
    DeliveryAttempt.delivery_id,  # type: ignore[arg-type]
    DeliveryAttempt.number,  # type: ignore[arg-type]
)
