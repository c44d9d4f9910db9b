"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask import current_app
from sqlalchemy import MetaData, create_engine, func, inspect, select

from demo.loader import load_demo
from search_index.pg_search import metadata as search_metadata
from storage import BlobStore
from tests.search_index.factories import SEARCH_COLUMN_STORAGE, search_column_storage
from webapp import create_app
from webapp.archive.models import ArchiveInventory, DestructionAct
from webapp.auth.models import User
from webapp.blobs.models import StoredFile
from webapp.cli import main
from webapp.config import Settings
from webapp.dbtypes import utcnow
from webapp.documents.media import DOCX, PDF
from webapp.documents.models import DocumentVersion
from webapp.exports.models import Export
from webapp.extensions import db
from webapp.jobs.models import Job
from webapp.models import Base
from webapp.renditions.models import Rendition
from webapp.schema import current_revision, head_revision, migrate, upgrade_to_head
from webapp.uow import commit


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
    """Runs on the session's database: PostgreSQL in the PostgreSQL pass of the suite, where 0021 also made the
    search index's tables (search_index.pg_search); SQLite has none of them."""
    url = os.environ.get("CASEFILES_TEST_DATABASE_URL") or f"sqlite:///{migrated_database}"
    engine = create_engine(url)
    search_tables = set(search_metadata.tables)

    def compared(metadata: MetaData, *, search: bool) -> list[object]:
        def include_name(name: str | None, type_: str, parent_names: object) -> bool:
            return type_ != "table" or (name in search_tables) == search

        opts = {"compare_type": True, "include_name": include_name}
        return list(compare_metadata(MigrationContext.configure(connection, opts=opts), metadata))

    with engine.connect() as connection:
        assert compared(Base.metadata, search=False) == []
        present = search_tables & set(inspect(connection).get_table_names())
        assert present == (search_tables if engine.dialect.name == "postgresql" else set())
        if present:
            assert compared(search_metadata, search=True) == []
            assert search_column_storage(connection) == SEARCH_COLUMN_STORAGE  # 0024 and 0028, as create() makes
    engine.dispose()


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


def test_the_demo_on_the_schema_before_stored_files_finds_every_blob_through_them(tmp_path: Path) -> None:
    """0018: the demo (with a PDF copy, paperwork and exports beside it) taken back to 0017, where owners kept
    keys and digests themselves, then upgraded: every blob in the store is found through its stored file, every
    owner points at one, and fixity passes."""
    from sqlalchemy import text

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    engine = create_engine(f"sqlite:///{data_dir / 'casefiles.db'}")
    upgrade_to_head(engine)
    settings = Settings(
        data_dir=data_dir,
        database_url=str(engine.url),
        storage="local",
        s3_endpoint_url=None,
        s3_bucket=None,
        secret_key="test-secret-key",
        max_upload_bytes=5 * 1024 * 1024,
        institution_name="Тестовый центр",
    )
    # No page images: they came with 0020, long after the schema this goes back to, which has nowhere to keep them.
    overrides = {"TESTING": True, "JOBS_IMMEDIATE": True, "AUTO_PDF": False, "AUTO_OCR": False, "AUTO_PREVIEWS": False}
    with create_app(overrides, settings=settings).app_context():
        load_demo(password="demo-2026")
        _add_every_other_kind_of_file()
        store: BlobStore = current_app.extensions["casefiles.blob_store"]
        digests = {key: store.sha256_of(key) for key in store.iter_keys()}
        db.session.remove()
        db.engine.dispose()

    migrate(engine, "0017", down=True)
    assert "stored_files" not in inspect(engine).get_table_names()
    with engine.connect() as connection:
        old_keys = set(connection.scalars(text("SELECT blob_key FROM document_versions")))
        old_keys |= set(connection.scalars(text("SELECT cms_blob_key FROM signatures")))
    assert old_keys and old_keys <= set(digests)

    upgrade_to_head(engine)
    with create_app(overrides, settings=settings).app_context():
        files = {file.key: file for file in db.session.scalars(select(StoredFile))}
        assert set(files) == set(digests)  # nothing lost, nothing made up
        assert all(files[key].sha256 in (digest, None) for key, digest in digests.items())
        assert db.session.scalar(select(func.count()).where(DocumentVersion.file_id.is_(None))) == 0
        assert {version.blob_key for version in db.session.scalars(select(DocumentVersion))} == {
            key for key, file in files.items() if file.kind == "version"
        }
        result = current_app.test_cli_runner().invoke(main, ["fixity"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert f"checked {len(digests)}:" in result.output
        assert {file.outcome for file in db.session.scalars(select(StoredFile))} == {"ok"}
        db.session.remove()
        db.engine.dispose()


def _add_every_other_kind_of_file() -> None:
    """What the demo does not make itself: a PDF copy, an inventory and a destruction act with their PDFs, an
    export (the demo's versions, signatures and form layouts are there already)."""
    store = current_app.extensions["casefiles.blob_store"]
    head = db.session.scalar(select(User).where(User.role == "head"))
    version = db.session.scalars(select(DocumentVersion).order_by(DocumentVersion.id)).first()
    assert head is not None and version is not None

    def kept(key: str, kind: str, media_type: str) -> StoredFile:
        return StoredFile.of(store.put(key, io.BytesIO(f"{kind} {key}".encode())), kind, media_type)

    db.session.add(Rendition(version_id=version.id, file=kept(f"{version.blob_key}-pdf", "rendition", PDF)))
    today = dt.date.today()
    db.session.add(
        ArchiveInventory(
            year=today.year,
            number=1,
            retention_class="temporary",
            case_count=0,
            compiled_on=today,
            compiled_by_id=head.id,
            docx_file=kept("archive/inventories/2026/001-test.docx", "inventory", DOCX),
            pdf_file=kept("archive/inventories/2026/001-test.docx.pdf", "inventory", PDF),
        )
    )
    db.session.add(
        DestructionAct(
            year=today.year,
            number=1,
            status="executed",
            drafted_on=today,
            drafted_by_id=head.id,
            docx_file=kept("archive/destruction-acts/2026/001-test.docx", "destruction_act", DOCX),
            pdf_file=kept("archive/destruction-acts/2026/001-test.docx.pdf", "destruction_act", PDF),
        )
    )
    job = Job(kind="export", params={}, status="done", progress=1.0, created_by_id=head.id)
    db.session.add(job)
    db.session.flush()
    expires_at = utcnow() + dt.timedelta(hours=1)
    file = kept(f"exports/{today.year}/{job.id}-test.zip", "export", "application/zip")
    db.session.add(Export(format="zip", case_ids=[], job_id=job.id, expires_at=expires_at, file=file))
    commit()


def test_casefiles_init_upgrades_a_data_folder_from_before_the_search_tables(tmp_path: Path) -> None:
    """The app starts before init migrates: its search start must not read tables the old schema lacks."""
    from alembic import command

    from webapp.schema import alembic_config

    engine = create_engine(f"sqlite:///{tmp_path / 'casefiles.db'}")
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0020")
    env = {**os.environ, "CASEFILES_DATA_DIR": str(tmp_path)}
    env.pop("CASEFILES_DATABASE_URL", None)
    done = subprocess.run(
        [str(Path(sys.executable).with_name("casefiles")), "init"], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert current_revision(engine) == head_revision()
    engine.dispose()
