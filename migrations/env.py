"""Alembic environment: runs on the connection that casefiles hands it (see webapp/schema.py)."""

from __future__ import annotations

from alembic import context

from webapp.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `casefiles init`, which supplies the database connection")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite can only alter tables by copying them
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
