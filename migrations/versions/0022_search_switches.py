"""search switches: which index serves searches where CASEFILES_SEARCH is "auto"

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 15:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import webapp.dbtypes

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_switches",
        sa.Column("backend", sa.String(length=20), nullable=False),
        sa.Column("built_from", webapp.dbtypes.UTCDateTime(), nullable=True),
        sa.Column("switched_at", webapp.dbtypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("backend"),
    )


def downgrade() -> None:
    op.drop_table("search_switches")
