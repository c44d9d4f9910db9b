"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

import os
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from webapp.models import Base
from webapp.schema import current_revision, head_revision, upgrade_to_head


def test_upgrade_from_empty_matches_the_models(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    upgrade_to_head(engine)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)
    assert diff == []
    assert current_revision(engine) == head_revision()
    upgrade_to_head(engine)  # idempotent
    assert set(inspect(engine).get_table_names()) >= set(Base.metadata.tables)


def test_postgres_schema_matches_the_models(migrated_database: str) -> None:
    """Runs on the session's database: PostgreSQL in the PostgreSQL pass of the suite."""
    url = os.environ.get("CASEFILES_TEST_DATABASE_URL") or f"sqlite:///{migrated_database}"
    engine = create_engine(url)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)
    engine.dispose()
    assert diff == []


def test_init_upgrades_an_older_schema_keeping_its_data(tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import text

    from webapp.schema import alembic_config

    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        connection.execute(
            text(
                "INSERT INTO users (username, full_name, role, password_hash, is_active, created_at) "
                "VALUES ('old', 'Старый пользователь', 'head', 'x', 1, '2026-01-01 00:00:00')"
            )
        )
    assert current_revision(engine) == "0001"
    upgrade_to_head(engine)
    assert current_revision(engine) == head_revision()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT full_name FROM users")).scalar_one() == "Старый пользователь"
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)
    assert diff == []
