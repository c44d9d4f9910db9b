"""The record of backups (issue 29): backup_runs, one row per `casefiles backup`.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 23:16:46.654537
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import webapp.dbtypes

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "backup_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", webapp.dbtypes.UTCDateTime(), nullable=False),
        sa.Column("finished_at", webapp.dbtypes.UTCDateTime(), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("destination", sa.String(length=1000), nullable=False),
        sa.Column("set_name", sa.String(length=40), nullable=True),
        sa.Column("blobs", sa.Integer(), nullable=False),
        sa.Column("blobs_copied", sa.Integer(), nullable=False),
        sa.Column("bytes_copied", sa.BigInteger(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backup_runs")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("backup_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_backup_runs_started_at"), ["started_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("backup_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_backup_runs_started_at"))

    op.drop_table("backup_runs")
