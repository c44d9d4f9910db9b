"""text recognised in scans (OCR)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 09:54:27.378717
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import webapp.dbtypes

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "version_texts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", webapp.dbtypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"], ["document_versions.id"], name=op.f("fk_version_texts_version_id_document_versions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_version_texts")),
        sa.UniqueConstraint("version_id", name=op.f("uq_version_texts_version_id")),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:

    op.drop_table("version_texts")
