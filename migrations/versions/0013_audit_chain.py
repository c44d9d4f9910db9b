"""audit chain: every audit event linked to the previous one by hash; the chain's head in one row

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-23 17:09:14.482097
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import webapp.dbtypes
from webapp.audit.chain import event_hash

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

GENESIS = "0" * 64
events = sa.table(
    "audit_events",
    sa.column("id", sa.Integer()),
    sa.column("seq", sa.Integer()),
    sa.column("occurred_at", webapp.dbtypes.UTCDateTime()),
    sa.column("actor_id", sa.Integer()),
    sa.column("action", sa.String()),
    sa.column("object_type", sa.String()),
    sa.column("object_id", sa.Integer()),
    sa.column("details", sa.JSON()),
    sa.column("prev_hash", sa.String()),
    sa.column("hash", sa.String()),
)


def upgrade() -> None:
    chain = op.create_table(
        "audit_chain",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    # The events recorded so far are chained in the order they were written.
    bind = op.get_bind()
    prev_hash, seq = GENESIS, 0
    rows = bind.execute(sa.select(events).order_by(events.c.id)).all()
    for row in rows:
        seq += 1
        digest = event_hash(
            prev_hash, seq, row.occurred_at, row.actor_id, row.action, row.object_type, row.object_id, row.details or {}
        )
        bind.execute(events.update().where(events.c.id == row.id).values(seq=seq, prev_hash=prev_hash, hash=digest))
        prev_hash = digest
    op.bulk_insert(chain, [{"id": 1, "length": seq, "hash": prev_hash}])
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.alter_column("seq", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_audit_events_seq"), ["seq"])


def downgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_audit_events_seq"), type_="unique")
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("seq")
    op.drop_table("audit_chain")
