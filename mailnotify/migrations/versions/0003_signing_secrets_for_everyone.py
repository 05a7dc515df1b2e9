"""signing secrets for every existing user

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 06:40:00
"""
import base64
import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Secrets are now made with the user; rows from before get theirs here, so that no
    # worker has to create one while sending.
    connection = op.get_bind()
    rows = connection.execute(
        sa.text("SELECT user_id FROM notification_settings WHERE signing_secret IS NULL")
    ).all()
    for (user_id,) in rows:
        secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode("ascii")
        connection.execute(
            sa.text("UPDATE notification_settings SET signing_secret = :s WHERE user_id = :u"),
            {"s": secret, "u": user_id},
        )


def downgrade() -> None:
    pass
