"""Accounts: users, their tokens, and the principal behind a presented token.

Keyword-only arguments and an explicit session.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Connection, bindparam
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select, update

from mailnotify import tokens
from mailnotify.db import connection_of
from mailnotify.models import ApiToken, NotificationSettings, Role, User, utcnow
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


def find_principal(*, session: Session | Connection, token: str) -> Principal | None:
    """The user behind a live token, or None."""
    presented = tokens.parse(token)
    if presented is None:
        return None
    row = (
        connection_of(session).execute(_principal_query(), {"token_id": presented.token_id}).first()
    )
    if row is None or not tokens.matches(presented, row[0]):
        return None
    _, user_id, code, role, disabled = row
    assert user_id is not None
    return Principal(user_id=user_id, code=code, role=Role(role), disabled=disabled)


def signing_secret(*, session: Session, user_id: int) -> str:
    """A user's webhook signing secret (made with the user; made here for older rows)."""
    return signing_secrets.stored(session.connection(), user_id=user_id).current
