"""nomenclature sections

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 03:10:45.863940
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "nomenclature_sections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nomenclature_sections")),
        sa.UniqueConstraint("year", "code", name=op.f("uq_nomenclature_sections_year_code")),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("nomenclature_sections")
