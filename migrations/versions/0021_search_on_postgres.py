"""search on PostgreSQL: the tables of search_index.postgres (PostgreSQL only; nothing on SQLite)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 15:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def _on_postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if not _on_postgres():
        return
    # PostgresSearchIndex.create() makes the same tables where an app started on this database before the
    # migration ran (a new installation's first start): then there is nothing to do.
    if {"search_entries", "search_vocabulary"} <= set(sa.inspect(op.get_bind()).get_table_names()):
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")  # a trusted extension: the database's owner may
    op.create_table(
        "search_entries",
        sa.Column("document_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=False),
        sa.Column("case_number", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("sort_date", sa.Integer(), nullable=False),
        sa.Column("district", sa.Text(), nullable=False),
        sa.Column("nomenclature", sa.Text(), nullable=False),
        sa.Column("year", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("lexemes", postgresql.TSVECTOR(), nullable=False),
        sa.PrimaryKeyConstraint("document_id", name="search_entries_pkey"),
    )
    op.create_index("ix_search_entries_lexemes", "search_entries", ["lexemes"], postgresql_using="gin")
    op.create_index("ix_search_entries_sort_date", "search_entries", ["sort_date"])
    op.create_table(
        "search_vocabulary",
        sa.Column("lemma", sa.Text(), nullable=False),
        sa.Column("document_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("lemma", name="search_vocabulary_pkey"),
    )
    op.create_index(
        "ix_search_vocabulary_lemma_trgm",
        "search_vocabulary",
        ["lemma"],
        postgresql_using="gin",
        postgresql_ops={"lemma": "gin_trgm_ops"},
    )


def downgrade() -> None:
    if not _on_postgres():
        return
    op.drop_table("search_vocabulary")
    op.drop_table("search_entries")
