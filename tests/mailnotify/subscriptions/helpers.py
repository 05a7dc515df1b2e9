"""A user made straight in the database, for the subscriptions tests."""

from __future__ import annotations

from sqlalchemy import Engine

from mailnotify import accounts
from mailnotify.db import writing
from mailnotify.models import Role


def new_user(engine: Engine) -> int:
    """A new customer's id."""
    with writing(engine) as session:
        code = accounts.create_user(session=session, role=Role.customer).code
        user = accounts.user_by_code(session=session, code=code)
        assert user.id is not None
        return user.id
