"""The search index tests run on both backends: whoosh in a folder, and PostgreSQL where
CASEFILES_TEST_DATABASE_URL names a server. The PostgreSQL indexes live in a database of their own
(casefiles_search_test on the same server), one schema per index, so they never meet the web app's tables or
its per-test TRUNCATE."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Engine

from search_index import SearchIndex
from search_index.postgres import PostgresSearchIndex

POSTGRES_URL = os.environ.get("CASEFILES_TEST_DATABASE_URL", "")
SEARCH_DATABASE = "casefiles_search_test"
BACKENDS = [
    "whoosh",
    pytest.param(
        "postgres",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(not POSTGRES_URL, reason="runs in the PostgreSQL pass of scripts/test.sh"),
        ],
    ),
]
_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def search_database_url() -> str:
    """A fresh database for the search index tests, beside the web app's."""
    url = make_url(POSTGRES_URL)
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {SEARCH_DATABASE} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {SEARCH_DATABASE}"))
    admin.dispose()
    search_url = url.set(database=SEARCH_DATABASE).render_as_string(hide_password=False)
    setup = create_engine(search_url)
    with setup.begin() as connection:
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    setup.dispose()
    return search_url


class Indexes:
    """Makes indexes by name: the same name reaches the same storage (a folder, or a PostgreSQL schema) through a
    new instance, as another process would."""

    def __init__(self, backend: str, folder: Path, request: pytest.FixtureRequest) -> None:
        self.backend = backend
        self.folder = folder
        self.url = request.getfixturevalue("search_database_url") if backend == "postgres" else ""
        self.schemas: dict[str, str] = {}
        self.engines: list[Engine] = []

    def __call__(self, name: str = "index", **options: Any) -> Any:
        if self.backend == "whoosh":
            return SearchIndex(self.folder / name, **options)
        return PostgresSearchIndex(self.engine(name), **options)

    def engine(self, name: str = "index") -> Engine:
        """A new engine on the schema of the index `name`."""
        if name not in self.schemas:
            schema = f"index_{next(_numbers)}"
            with self._admin().begin() as connection:
                connection.execute(text(f"CREATE SCHEMA {schema}"))
            self.schemas[name] = schema
        engine = create_engine(self.url, connect_args={"options": f"-csearch_path={self.schemas[name]},public"})
        self.engines.append(engine)
        return engine

    def _admin(self) -> Engine:
        engine = create_engine(self.url)
        self.engines.append(engine)
        return engine

    def close(self) -> None:
        for engine in self.engines:
            engine.dispose()
        if self.schemas:
            admin = create_engine(self.url)
            with admin.begin() as connection:
                for schema in self.schemas.values():
                    connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            admin.dispose()


@pytest.fixture(params=BACKENDS)
def indexes(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Indexes]:
    made = Indexes(request.param, tmp_path, request)
    yield made
    made.close()


@pytest.fixture(scope="module", params=BACKENDS)
def module_indexes(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Indexes]:
    made = Indexes(request.param, tmp_path_factory.mktemp("indexes"), request)
    yield made
    made.close()
