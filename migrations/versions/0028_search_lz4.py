"""search lz4: the search index's text and whole vector compressed with lz4 (PostgreSQL only, where the server
has it)

Values written from now on are compressed with lz4 (search_index.pg_search.LZ4_COLUMNS); the stored ones keep
pglz until `casefiles reindex` writes them again. Nothing on SQLite, nor where the server lacks lz4.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 03:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from search_index.pg_search import LZ4_AVAILABLE, LZ4_COLUMNS

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def _applies() -> bool:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql" or "search_entries" not in sa.inspect(bind).get_table_names():
        return False
    return bool(bind.execute(sa.text(LZ4_AVAILABLE)).scalar())


def upgrade() -> None:
    if _applies():
        op.execute(LZ4_COLUMNS)


def downgrade() -> None:
    if _applies():
        op.execute(LZ4_COLUMNS.replace("lz4", "pglz"))
