"""Shared fixtures: an application on a fresh database per test (SQLite by default, PostgreSQL when
CASEFILES_TEST_DATABASE_URL is set) and a fresh store (a local folder by default, a bucket on the Swift S3
server when CASEFILES_TEST_STORAGE=s3), users of every role with API tokens, and a JSON client."""

from __future__ import annotations

import dataclasses
import functools
import io
import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from werkzeug.routing import Rule

from search_index.pg_search import metadata as search_metadata
from storage import BlobStore, LocalBlobStore
from storage.s3 import S3BlobStore
from tests.s3settings import on_s3
from tests.scene_snapshot import freeze, thaw
from webapp import create_app
from webapp.auth import admin as auth_admin
from webapp.auth import services as auth_services
from webapp.config import Settings
from webapp.extensions import db
from webapp.models import Base
from webapp.schema import upgrade_to_head
from webapp.signing import pki

pytest_plugins = ["tests.conftest_s3", "tests.mail_server"]  # real S3 servers; a real SMTP server (mail_server)

# The tests' institution is in Moscow (Settings' default zone), and so is their process: a test's "today"
# (dt.date.today()) is the institution's date whatever the hour, not the day before it from 21:00 UTC on. The
# servers, workers and browsers the tests start inherit it.
os.environ["TZ"] = "Europe/Moscow"
time.tzset()

POSTGRES_URL = os.environ.get("CASEFILES_TEST_DATABASE_URL", "")
ON_S3 = os.environ.get("CASEFILES_TEST_STORAGE", "local") == "s3"


def _drop_everything(engine: Engine) -> None:
    with engine.begin() as connection:
        Base.metadata.drop_all(connection)
        search_metadata.drop_all(connection)  # PostgreSQL's search index (migration 0021)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(scope="session", autouse=True)
def _hash_each_password_once() -> Iterator[None]:
    """scrypt takes some 0.1 s a call by design, and every test makes five users and many log in: each distinct
    password is hashed once a session and each (hash, password) pair checked once. The real functions do the
    work; a test that counts or slows the checks patches over this."""
    generate = functools.cache(auth_services.generate_password_hash)
    check = functools.cache(auth_services.check_password_hash)
    with pytest.MonkeyPatch.context() as patch:
        for module in (auth_services, auth_admin):
            patch.setattr(module, "generate_password_hash", generate)
        patch.setattr(auth_services, "check_password_hash", check)
        yield


@pytest.fixture(scope="session", autouse=True)
def _compile_each_url_builder_once() -> Iterator[None]:
    """Werkzeug compiles two URL-building functions (Python code made from an AST) for each of some 250 rules in
    every app a test makes: some 0.2 s an app, most of create_app's time. Such a function takes its rule as its
    argument and is made from the rule's text, defaults and converters alone, the same in every app of the session:
    each is compiled once a session, and every app's rules are still made, parsed and matched as in production."""
    compile_builder = Rule._compile_builder
    builders: dict[tuple[Any, ...], Callable[..., tuple[str, str]]] = {}

    def compile_once(rule: Rule, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        converters = tuple((name, type(converter)) for name, converter in rule._converters.items())
        key = (rule.rule, append_unknown, tuple(rule._trace), repr(rule.defaults), converters)
        if key not in builders:
            builders[key] = compile_builder(rule, append_unknown)
        return builders[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Rule, "_compile_builder", compile_once)
        yield


REAL_PIN_SCRYPT_N = pki.PIN_SCRYPT_N


@pytest.fixture(scope="session", autouse=True)
def _cheap_signing_pins() -> Iterator[None]:
    """A signing PIN's scrypt costs some 0.1 s and 32 MiB by design (webapp.signing.pki), and every world sets five
    users' PINs: tests derive with a cost of 2**10 instead (the same code; test_signing_pin checks the real cost)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pki, "PIN_SCRYPT_N", 2**10)
        yield


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Migrate once per session: a template SQLite file to copy, or the PostgreSQL database itself."""
    if POSTGRES_URL:
        engine = create_engine(POSTGRES_URL)
        _drop_everything(engine)
        upgrade_to_head(engine)
        engine.dispose()
        yield POSTGRES_URL
        return
    template = tmp_path_factory.mktemp("template") / "casefiles.db"
    engine = create_engine(f"sqlite:///{template}")
    upgrade_to_head(engine)
    engine.dispose()
    yield str(template)


def _fresh_database_url(migrated_database: str, data_dir: Path) -> str:
    if POSTGRES_URL:
        engine = create_engine(POSTGRES_URL)
        everything = [*Base.metadata.sorted_tables, *search_metadata.sorted_tables]
        tables = ", ".join(f'"{table.name}"' for table in everything)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
        return POSTGRES_URL
    target = data_dir / "casefiles.db"
    shutil.copyfile(migrated_database, target)
    return f"sqlite:///{target}"


def make_settings(data_dir: Path, database_url: str) -> Settings:
    """The tests' settings on a data folder and a database (the `settings` fixture's, without S3)."""
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        storage="local",
        s3_endpoint_url=None,
        s3_bucket=None,
        secret_key="test-secret-key",
        max_upload_bytes=5 * 1024 * 1024,
        institution_name="Тестовый центр",
    )


@pytest.fixture
def settings(tmp_path: Path, migrated_database: str, request: pytest.FixtureRequest) -> Settings:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    settings = make_settings(data_dir, _fresh_database_url(migrated_database, data_dir))
    if ON_S3:
        return on_s3(settings, request.getfixturevalue("swift_endpoint"), request.getfixturevalue("monkeypatch"))
    return settings


# Jobs run at once in the request; PDF renditions, OCR and page images only where a test asks (LibreOffice,
# tesseract, PDFium: slow).
APP_OVERRIDES = {"TESTING": True, "JOBS_IMMEDIATE": True, "AUTO_PDF": False, "AUTO_OCR": False, "AUTO_PREVIEWS": False}


@pytest.fixture
def app(settings: Settings, request: pytest.FixtureRequest) -> Iterator[Flask]:
    world_tokens = _thaw_world(settings, request)
    app = create_app(APP_OVERRIDES, settings=settings)
    if world_tokens is not None:
        app.extensions["tests.world_tokens"] = world_tokens
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def overwrite_blob(store: BlobStore, key: str, data: bytes) -> None:
    """Change a stored blob behind the application's back, as a disk fault or an intruder would."""
    if isinstance(store, S3BlobStore):
        store.client.put_object(Bucket=store.bucket, Key=key, Body=data)
        return
    assert isinstance(store, LocalBlobStore)
    path = store.root.joinpath(*key.split("/"))
    path.chmod(0o640)  # blobs are written read-only
    path.write_bytes(data)


@dataclasses.dataclass
class ApiClient:
    """A JSON client acting as one user."""

    client: FlaskClient
    token: str

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, headers=self._headers(), **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        return self.client.post(path, headers=self._headers(), json=json, **kwargs)

    def put(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        return self.client.put(path, headers=self._headers(), json=json, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.client.delete(path, headers=self._headers(), **kwargs)

    def upload(self, path: str, content: bytes, filename: str = "act.txt", **fields: str) -> Any:
        data: dict[str, Any] = {"file": (io.BytesIO(content), filename), **fields}
        return self.client.post(path, headers=self._headers(), data=data, content_type="multipart/form-data")


@dataclasses.dataclass
class World:
    """Users of every role (specialists on districts u1 and u2), a nomenclature entry, API clients."""

    clients: dict[str, ApiClient]
    year: int = 2026

    def __getitem__(self, username: str) -> ApiClient:
        return self.clients[username]

    def open_case(self, username: str = "spec1", district: str = "u1", **extra: Any) -> dict[str, Any]:
        body = {"nomenclature_index": "04-05", "year": self.year, "title": "Личное дело", "district": district}
        response = self.clients[username].post("/api/v1/cases", json={**body, **extra})
        assert response.status_code == 201, response.get_json()
        result: dict[str, Any] = response.get_json()
        return result

    def upload(self, case_id: int, content: bytes = b"Act text", username: str = "spec1", **fields: str) -> Any:
        response = self.clients[username].upload(f"/api/v1/cases/{case_id}/documents", content, **fields)
        assert response.status_code == 201, response.get_json()
        return response.get_json()


USERS = {
    "spec1": ("specialist", ("u1",)),
    "spec2": ("specialist", ("u2",)),
    "head": ("head", ()),
    "archivist": ("archivist", ()),
    "admin": ("admin", ()),
}
PASSWORD = "correct-horse-42"
PIN = "4242-signing"  # every world user's signing PIN (webapp.signing.keys)


@pytest.fixture
def world(app: Flask, client: FlaskClient) -> World:
    tokens: dict[str, str] | None = app.extensions.get("tests.world_tokens")
    if tokens is None:
        return make_world(client)
    return World({name: ApiClient(client, token) for name, token in tokens.items()})


def snapshots_possible() -> bool:
    """A made scene can be copied for each test (tests.scene_snapshot): on SQLite with the local store, not on the
    one PostgreSQL database or S3 bucket of all tests."""
    return not POSTGRES_URL and not ON_S3


@dataclasses.dataclass(frozen=True)
class WorldSnapshot:
    data_dir: Path
    tokens: dict[str, str]


@pytest.fixture(scope="session")
def world_snapshot(tmp_path_factory: pytest.TempPathFactory, migrated_database: str) -> WorldSnapshot | None:
    """The world made once a session (some 0.13 s a test otherwise), in a data folder each test gets a copy of."""
    if not snapshots_possible():
        return None
    data_dir = tmp_path_factory.mktemp("world") / "data"
    data_dir.mkdir()
    app = create_app(APP_OVERRIDES, settings=make_settings(data_dir, _fresh_database_url(migrated_database, data_dir)))
    with app.app_context():
        world = make_world(app.test_client())
        db.session.remove()
        db.engine.dispose()
    frozen = data_dir.parent / "snapshot"
    freeze(data_dir, frozen)
    return WorldSnapshot(frozen, {name: api.token for name, api in world.clients.items()})


def _thaw_world(settings: Settings, request: pytest.FixtureRequest) -> dict[str, str] | None:
    """A copy of the world's data folder for a test that asks for the world, when its app would make the world as the
    snapshot's did: the tests' own settings and a data folder holding only the fresh database. Else (a module's
    settings, its own scene, PostgreSQL, S3) the `world` fixture makes the world in the test. The world's tokens."""
    if "world" not in request.fixturenames or settings != make_settings(settings.data_dir, settings.database_url):
        return None
    if [path.name for path in settings.data_dir.iterdir()] != ["casefiles.db"]:
        return None
    snapshot: WorldSnapshot | None = request.getfixturevalue("world_snapshot")
    if snapshot is None:
        return None
    thaw(snapshot.data_dir, settings.data_dir)
    return snapshot.tokens


def make_world(client: FlaskClient) -> World:
    """The `world` fixture's users, districts, nomenclature entry and forms, made in the app of `client` (whose
    context is pushed)."""
    from webapp.auth.services import create_api_token, create_user, ensure_district
    from webapp.forms.services import sync_builtin_templates
    from webapp.hearings.services import ensure_default_questions
    from webapp.nomenclature.schemas import EntryInput
    from webapp.nomenclature.services import create_entry
    from webapp.policy import SYSTEM
    from webapp.signing.pin import set_signing_pin

    ensure_district("u1", "Участок № 1")
    ensure_district("u2", "Участок № 2")
    tokens = {}
    for username, (role, districts) in USERS.items():
        user = create_user(
            username, role=role, password=PASSWORD, full_name=f"Тест {username}", district_codes=districts
        )
        tokens[username] = create_api_token(user)
        set_signing_pin(user, PIN)
    create_entry(SYSTEM, EntryInput(index="04-05", title="Личные дела семей", year=2026, retention_years=75, epk=True))
    sync_builtin_templates()
    ensure_default_questions()  # as `casefiles init` does
    db.session.commit()
    return World({name: ApiClient(client, token) for name, token in tokens.items()})
