"""Alembic environment: runs on the connection that casefiles hands it (see webapp/schema.py)."""

from __future__ import annotations

from alembic import context

from search_index.pg_search import metadata as search_metadata
from webapp.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `casefiles init`, which supplies the database connection")


def _include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Autogenerate leaves the search index's tables alone: 0021 makes them, search_index.pg_search describes
    them (PostgreSQL only)."""
    return type_ != "table" or name not in search_metadata.tables


context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    include_name=_include_name,
    render_as_batch=True,  # SQLite can only alter tables by copying them
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
