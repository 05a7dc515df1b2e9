"""mailboxes room for updates: half of each page kept free, so that a report's update is HOT

Every applied report rewrites its mailbox's row. PostgreSQL writes the new version on the
same page when there is room (a heap-only tuple: no new index entries, the old version
pruned on a later visit); on full pages it writes it elsewhere and adds an entry to every
index. A platform reports its mailboxes in order, so one batch updates every row of a page
at once: the page needs room for all of their new versions, half of it. SQLite has no
such setting. Rows stored before this keep their pages until a rewrite (VACUUM FULL).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 23:50:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FILLFACTOR = 50


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f'ALTER TABLE mailboxes SET (fillfactor = {FILLFACTOR})')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE mailboxes RESET (fillfactor)')
