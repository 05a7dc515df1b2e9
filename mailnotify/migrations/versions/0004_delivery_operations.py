"""delivery operations: attempts, public delivery ids, endpoint health, secret rotation

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 20:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Existing deliveries get the creation time of their event and a public id of the form new
# ones have ("dlv_", 13 hex digits of microseconds, 22 random characters), in one statement
# per dialect so that a large outbox is not walked row by row in Python.
_BACKFILL = {
    "sqlite": (
        "UPDATE deliveries SET created_ms = COALESCE("
        "(SELECT CAST(ROUND((julianday(e.created_at) - 2440587.5) * 86400000) AS INTEGER)"
        " FROM events e WHERE e.id = deliveries.event_id), due_ms)",
        "UPDATE deliveries SET public_id = 'dlv_' || printf('%013x', created_ms * 1000)"
        " || lower(hex(randomblob(11)))",
    ),
    "postgresql": (
        "UPDATE deliveries d SET created_ms = COALESCE("
        "(SELECT CAST(ROUND(EXTRACT(EPOCH FROM e.created_at) * 1000) AS BIGINT)"
        " FROM events e WHERE e.id = d.event_id), d.due_ms)",
        "UPDATE deliveries SET public_id = 'dlv_' || lpad(to_hex(created_ms * 1000), 13, '0')"
        " || substr(replace(gen_random_uuid()::text, '-', ''), 1, 22)",
    ),
}


def upgrade() -> None:
    op.create_table('delivery_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('response_excerpt', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['delivery_id'], ['deliveries.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('delivery_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_delivery_attempts_delivery_id_number', ['delivery_id', 'number'], unique=False)

    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))
        batch_op.add_column(sa.Column('destination', sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=True))
        batch_op.add_column(sa.Column('created_ms', sa.BigInteger(), nullable=True))

    connection = op.get_bind()
    for statement in _BACKFILL[connection.dialect.name]:
        connection.execute(sa.text(statement))

    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.alter_column('public_id', existing_type=sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False)
        batch_op.alter_column('created_ms', existing_type=sa.BigInteger(), nullable=False)
        batch_op.create_index('ix_deliveries_public_id', ['public_id'], unique=True)
        batch_op.create_index('ix_deliveries_user_id_id', ['user_id', 'id'], unique=False)

    with op.batch_alter_table('notification_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('previous_signing_secret', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('previous_secret_expires_ms', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('webhook_state', sqlmodel.sql.sqltypes.AutoString(length=16), server_default='healthy', nullable=False))
        batch_op.add_column(sa.Column('failing_since_ms', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('disabled_ms', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('last_success_ms', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('notification_settings', schema=None) as batch_op:
        batch_op.drop_column('last_success_ms')
        batch_op.drop_column('disabled_ms')
        batch_op.drop_column('failing_since_ms')
        batch_op.drop_column('webhook_state')
        batch_op.drop_column('previous_secret_expires_ms')
        batch_op.drop_column('previous_signing_secret')

    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_deliveries_user_id_id')
        batch_op.drop_index('ix_deliveries_public_id')
        batch_op.drop_column('created_ms')
        batch_op.drop_column('destination')
        batch_op.drop_column('public_id')

    with op.batch_alter_table('delivery_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_delivery_attempts_delivery_id_number')

    op.drop_table('delivery_attempts')
