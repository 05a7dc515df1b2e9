"""Signing secrets: made, rotated with an overlap, and the set that signs a webhook now.

Signing itself is ``mailnotify.delivery.signing.headers``, the one signer, which takes
the set that ``SigningSecrets.valid`` gives.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import Connection, insert, select, update

from mailnotify.delivery import signing
from mailnotify.events import ms_rfc3339
from mailnotify.models import NotificationSettings, table_of, utcnow
from mailnotify.notification_settings import SettingsValues

# CONTRACT §7: the previous secret keeps signing for 0 to 7 days, one day by default.
MAX_OVERLAP_SECONDS = 604_800
DEFAULT_OVERLAP_SECONDS = 86_400


def create() -> str:
    """A new signing secret in the ``whsec_`` form."""
    return signing.generate_secret()


@dataclass(frozen=True, slots=True)
class SigningSecrets:
    """An account's current secret and the one a rotation replaced, with its expiry."""

    current: str
    previous: str | None = None
    previous_expires_ms: int | None = None

    def valid(self, now_ms: int) -> tuple[str, ...]:
        """The secrets that sign a webhook sent at ``now_ms``: the current one first."""
        if (
            self.previous is not None
            and self.previous_expires_ms is not None
            and now_ms < self.previous_expires_ms
        ):
            return (self.current, self.previous)
        return (self.current,)

    def previous_expiry(self, now_ms: int) -> int | None:
        """When the previous secret stops signing, or None if it no longer does."""
        return None if len(self.valid(now_ms)) == 1 else self.previous_expires_ms

    def rotated(self, *, now_ms: int, overlap_seconds: int) -> SigningSecrets:
        """A new current secret; the old one signs for ``overlap_seconds`` more."""
        if not 0 <= overlap_seconds <= MAX_OVERLAP_SECONDS:
            raise ValueError(f"overlap must be 0 to {MAX_OVERLAP_SECONDS} seconds")
        if overlap_seconds == 0:
            return SigningSecrets(create())
        return SigningSecrets(create(), self.current, now_ms + overlap_seconds * 1000)


_Stored = tuple[str | None, str | None, int | None]


def _row(connection: Connection, user_id: int, *, lock: bool) -> _Stored | None:
    table = table_of(NotificationSettings)
    query = select(
        table.c.signing_secret, table.c.previous_signing_secret, table.c.previous_secret_expires_ms
    ).where(table.c.user_id == user_id)
    row = connection.execute(query.with_for_update() if lock else query).first()
    return None if row is None else (row[0], row[1], row[2])


def stored(connection: Connection, *, user_id: int, lock: bool = False) -> SigningSecrets:
    """An account's secrets; a secret is made here only for rows from before secrets existed."""
    table = table_of(NotificationSettings)
    row = _row(connection, user_id, lock=lock)
    if row is not None and row[0] is not None:
        return SigningSecrets(row[0], row[1], row[2])
    if row is None:
        connection.execute(
            insert(table).values(
                user_id=user_id,
                updated_at=utcnow(),
                signing_secret=create(),
                **asdict(SettingsValues()),
            )
        )
    else:
        # Under concurrency this matches nothing if another writer got there first.
        connection.execute(
            update(table)
            .where(table.c.user_id == user_id, table.c.signing_secret.is_(None))
            .values(signing_secret=create())
        )
    made = _row(connection, user_id, lock=lock)
    assert made is not None
    assert made[0] is not None
    return SigningSecrets(made[0], made[1], made[2])


def rotate(
    connection: Connection, *, user_id: int, now_ms: int, overlap_seconds: int
) -> SigningSecrets:
    """Replace an account's secret; the previous one signs for ``overlap_seconds`` more."""
    after = stored(connection, user_id=user_id, lock=True).rotated(
        now_ms=now_ms, overlap_seconds=overlap_seconds
    )
    table = table_of(NotificationSettings)
    connection.execute(
        update(table)
        .where(table.c.user_id == user_id)
        .values(
            signing_secret=after.current,
            previous_signing_secret=after.previous,
            previous_secret_expires_ms=after.previous_expires_ms,
        )
    )
    return after


def resource(secrets: SigningSecrets, now_ms: int) -> dict[str, object]:
    """The signing-secret resource of the API."""
    return {
        "secret": secrets.current,
        "previous_expires_at": ms_rfc3339(secrets.previous_expiry(now_ms)),
    }
