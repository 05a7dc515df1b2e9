"""Persistence functions: keyword-only arguments and an explicit session."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Connection, bindparam
from sqlalchemy import insert as sa_insert
from sqlalchemy import select as sa_select
from sqlalchemy import update as sa_update
from sqlmodel import Session, col, select, update

from mailnotify import tokens
from mailnotify.errors import FieldError
from mailnotify.models import ApiToken, NotificationSettings, Role, User, utcnow
from mailnotify.notification_settings import FIELDS, SettingsValues, merge, valid_changes
from mailnotify.subscriptions import secrets as signing_secrets


class UnknownUser(LookupError):
    """No user has that code."""


@dataclass(frozen=True, slots=True)
class Principal:
    """The user behind an accepted token."""

    user_id: int
    code: str
    role: Role
    disabled: bool


@dataclass(frozen=True, slots=True)
class CreatedUser:
    """A new user's code and its first token, shown once."""

    code: str
    token: str


_CODE_PREFIX = {
    Role.customer: "CU",
    Role.manager: "MG",
    Role.postmaster: "PM",
    Role.mailbox: "MB",
    Role.team_member: "TM",
    Role.platform: "PF",
}


def user_by_code(*, session: Session, code: str) -> User:
    """The user with ``code``, or UnknownUser."""
    user = session.exec(select(User).where(User.code == code)).first()
    if user is None:
        raise UnknownUser(code)
    return user


def create_user(
    *, session: Session, role: Role, name: str = "", customer_code: str | None = None
) -> CreatedUser:
    """A user with default settings and a first token."""
    customer_id = None
    if customer_code is not None:
        customer_id = user_by_code(session=session, code=customer_code).id
    # 48 random bits: collisions stay unlikely well past millions of users.
    code = _CODE_PREFIX[role] + secrets.token_hex(6).upper()
    user = User(code=code, name=name, role=role, customer_id=customer_id)
    session.add(user)
    session.flush()
    assert user.id is not None
    # The signing secret exists from the start, so no two writers ever race to create it.
    session.add(NotificationSettings(user_id=user.id, signing_secret=signing_secrets.create()))
    token = _add_token(session=session, user_id=user.id)
    return CreatedUser(code=code, token=token)


def _add_token(*, session: Session, user_id: int) -> str:
    issued = tokens.issue()
    session.add(ApiToken(id=issued.token_id, user_id=user_id, secret_hash=issued.secret_hash))
    return issued.token


def create_token(*, session: Session, code: str) -> str:
    """A new token for the user with ``code``."""
    user = user_by_code(session=session, code=code)
    assert user.id is not None
    return _add_token(session=session, user_id=user.id)


def _revoke(session: Session, *where: ColumnElement[bool]) -> int:
    result = session.exec(
        update(ApiToken)
        .where(*where, col(ApiToken.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )
    return int(result.rowcount)


def revoke_token(*, session: Session, token_or_id: str) -> int:
    """Revoke one token, given whole or by its id; the number revoked (0 or 1)."""
    presented = tokens.parse(token_or_id)
    return _revoke(session, col(ApiToken.id) == (presented.token_id if presented else token_or_id))


def revoke_user_tokens(*, session: Session, code: str) -> int:
    """Revoke every live token of a user; the number revoked."""
    user = user_by_code(session=session, code=code)
    return _revoke(session, col(ApiToken.user_id) == user.id)


def set_disabled(*, session: Session, code: str, disabled: bool) -> None:
    """Disable or re-enable a user."""
    user = user_by_code(session=session, code=code)
    user.disabled = disabled
    session.add(user)


def _connection(db: Session | Connection) -> Connection:
    return db.connection() if isinstance(db, Session) else db


# The statements of the request path are built once. On SQLite, building a statement
# from the models costs more than running it; a reused statement also keeps its cache key.
@cache
def _principal_query() -> Any:
    # SQLModel's select() stops at four columns.
    return (
        sa_select(  # type: ignore[call-overload]
            ApiToken.secret_hash, User.id, User.code, User.role, User.disabled
        )
        .join(User, col(User.id) == col(ApiToken.user_id))
        .where(col(ApiToken.id) == bindparam("token_id"), col(ApiToken.revoked_at).is_(None))
    )


@cache
def _settings_query(*, for_update: bool) -> Any:
    columns = [getattr(NotificationSettings, name) for name in FIELDS]
    query = sa_select(*columns).where(col(NotificationSettings.user_id) == bindparam("user_id"))
    return query.with_for_update() if for_update else query


@cache
def _settings_update() -> Any:
    # Every field is written: the row was read under the write lock, so ``after`` holds
    # the latest committed values plus this request's changes.
    return (
        sa_update(NotificationSettings)
        .where(col(NotificationSettings.user_id) == bindparam("key"))
        .values({name: bindparam(name) for name in (*FIELDS, "updated_at")})
    )


def find_principal(*, session: Session | Connection, token: str) -> Principal | None:
    """The user behind a live token, or None."""
    presented = tokens.parse(token)
    if presented is None:
        return None
    row = _connection(session).execute(_principal_query(), {"token_id": presented.token_id}).first()
    if row is None or not tokens.matches(presented, row[0]):
        return None
    _, user_id, code, role, disabled = row
    assert user_id is not None
    return Principal(user_id=user_id, code=code, role=Role(role), disabled=disabled)


def get_settings(*, session: Session | Connection, user_id: int) -> SettingsValues:
    """A user's notification settings."""
    query = _settings_query(for_update=False)
    row = _connection(session).execute(query, {"user_id": user_id}).first()
    return SettingsValues() if row is None else SettingsValues(*row)


def update_settings(
    *,
    session: Session | Connection,
    user_id: int,
    changes: Mapping[str, object],
    invalid: Sequence[FieldError] = (),
) -> SettingsValues:
    """Apply a partial update under a row lock; raise a 422 ApiError if a rule breaks.

    With ``invalid`` (failures found before), nothing is saved: the 422 lists them with
    the rule failures of the valid part of ``changes``.
    """
    connection = _connection(session)
    query = _settings_query(for_update=True)
    row = connection.execute(query, {"user_id": user_id}).first()
    current = SettingsValues() if row is None else SettingsValues(*row)
    after = merge(current, valid_changes(changes, invalid), invalid=invalid)
    if row is None:
        connection.execute(
            sa_insert(NotificationSettings).values(
                user_id=user_id, updated_at=utcnow(), **after.as_dict()
            )
        )
    elif after != current:
        connection.execute(
            _settings_update(), {"key": user_id, "updated_at": utcnow(), **after.as_dict()}
        )
    return after


def signing_secret(*, session: Session, user_id: int) -> str:
    """A user's webhook signing secret (made with the user; made here for older rows)."""
    return signing_secrets.stored(session.connection(), user_id=user_id).current
