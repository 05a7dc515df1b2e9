"""The tables, together in one module."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, Enum, Index
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def _timestamp(*, nullable: bool = False) -> Column[datetime]:
    return Column(DateTime(timezone=True), nullable=nullable)


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


Index("ix_users_customer_id", User.customer_id)  # type: ignore[arg-type]
