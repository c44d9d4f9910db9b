"""A PostgreSQL database of a test's own on the test server (CASEFILES_TEST_DATABASE_URL), made and dropped around
it, beside the one the rest of the suite truncates per test."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@contextlib.contextmanager
def own_database(server_url: str, prefix: str) -> Iterator[str]:
    """The URL of a new, empty database named `prefix` and a random tail; dropped afterwards, connections or not."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    server = create_engine(make_url(server_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()
