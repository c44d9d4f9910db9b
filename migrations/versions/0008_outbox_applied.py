"""search outbox applied marks

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 09:49:40.939744
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import webapp.dbtypes

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:

    with op.batch_alter_table("index_outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("applied_at", webapp.dbtypes.UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f("ix_index_outbox_applied_at"), ["applied_at"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("index_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_index_outbox_applied_at"))
        batch_op.drop_column("applied_at")
