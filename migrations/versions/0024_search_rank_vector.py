"""search rank vector: search_entries.rank_lexemes, the small tsvector ts_rank reads (PostgreSQL only)

Ranking read every match's whole tsvector (kilobytes, out of line); it reads this one instead: every field but
the body, and the body's first words (search_index.pg_text.RANK_TEXT_WORDS), computed here from the stored
tsvector as the index computes it from the document.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 18:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from search_index.pg_text import rank_vector_sql

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def _columns() -> set[str] | None:
    """search_entries' columns on PostgreSQL; None where there is no such table (SQLite, or not made yet)."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql" or "search_entries" not in sa.inspect(bind).get_table_names():
        return None
    return {column["name"] for column in sa.inspect(bind).get_columns("search_entries")}


def upgrade() -> None:
    columns = _columns()
    if columns is None or "rank_lexemes" in columns:  # PostgresSearchIndex.create() made it with the column
        return
    op.add_column(
        "search_entries",
        sa.Column("rank_lexemes", postgresql.TSVECTOR(), nullable=False, server_default=sa.text("''::tsvector")),
    )
    op.execute("ALTER TABLE search_entries ALTER COLUMN rank_lexemes SET STORAGE MAIN")  # as pg_search does
    op.execute("UPDATE search_entries SET rank_lexemes = " + rank_vector_sql())  # noqa: S608 (constants only)
    op.alter_column("search_entries", "rank_lexemes", server_default=None)


def downgrade() -> None:
    columns = _columns()
    if columns is not None and "rank_lexemes" in columns:
        op.drop_column("search_entries", "rank_lexemes")
