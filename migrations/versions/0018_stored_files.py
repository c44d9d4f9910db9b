"""stored files: one row per blob, which versions, renditions, signatures, form layouts, archive paperwork and
exports point at by foreign key instead of keeping its key (and digest) themselves; fixity checks fold into it

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 08:11:35.804479
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import sqlalchemy as sa
from alembic import op

import webapp.dbtypes

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
EXPORT_MEDIA_TYPES = {"pdf": PDF, "zip": "application/zip"}


class Owner(NamedTuple):
    """Where a table kept a blob's key before 0018, and what the blob is."""

    table: str
    file_column: str
    key_column: str
    kind: str
    media_type: str | None  # None: the table's own media_type column (versions) or its export format
    sha256_column: str | None = None
    size_column: str | None = None
    created_column: str = "created_at"
    required: bool = True  # file_column NOT NULL
    unique: bool = False  # file_column UNIQUE (the key column was)


OWNERS = (
    Owner("document_versions", "file_id", "blob_key", "version", None, "sha256", "size", unique=True),
    Owner("renditions", "file_id", "blob_key", "rendition", PDF, "sha256", "size", unique=True),
    Owner(
        "signatures",
        "file_id",
        "cms_blob_key",
        "signature",
        "application/pkcs7-signature",
        "cms_sha256",
        created_column="signed_at",
        unique=True,
    ),
    Owner("form_template_versions", "file_id", "docx_blob_key", "template", DOCX, "docx_sha256"),
    Owner("archive_inventories", "docx_file_id", "docx_blob_key", "inventory", DOCX, "docx_sha256"),
    Owner("archive_inventories", "pdf_file_id", "pdf_blob_key", "inventory", PDF, required=False),
    Owner("destruction_acts", "docx_file_id", "docx_blob_key", "destruction_act", DOCX, "docx_sha256", required=False),
    Owner("destruction_acts", "pdf_file_id", "pdf_blob_key", "destruction_act", PDF, required=False),
    Owner("exports", "file_id", "blob_key", "export", None, "sha256", "size", required=False),
)

stored_files = sa.table(
    "stored_files",
    sa.column("id", sa.Integer()),
    sa.column("key", sa.String()),
    sa.column("kind", sa.String()),
    sa.column("sha256", sa.String()),
    sa.column("size", sa.BigInteger()),
    sa.column("media_type", sa.String()),
    sa.column("created_at", webapp.dbtypes.UTCDateTime()),
    sa.column("deleted_at", webapp.dbtypes.UTCDateTime()),
    sa.column("last_checked_at", webapp.dbtypes.UTCDateTime()),
    sa.column("outcome", sa.String()),
    sa.column("found_sha256", sa.String()),
)


def upgrade() -> None:
    op.create_table(
        "stored_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=512), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("media_type", sa.String(length=120), nullable=False),
        sa.Column("created_at", webapp.dbtypes.UTCDateTime(), nullable=False),
        sa.Column("deleted_at", webapp.dbtypes.UTCDateTime(), nullable=True),
        sa.Column("last_checked_at", webapp.dbtypes.UTCDateTime(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("found_sha256", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stored_files")),
        sa.UniqueConstraint("key", name=op.f("uq_stored_files_key")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("stored_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stored_files_last_checked_at"), ["last_checked_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_stored_files_outcome"), ["outcome"], unique=False)

    for table in _tables():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for owner in _owners_of(table):
                batch_op.add_column(sa.Column(owner.file_column, sa.Integer(), nullable=True))
    connection = op.get_bind()
    _move_keys(connection)
    _move_fixity_checks(connection)

    with op.batch_alter_table("fixity_checks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fixity_checks_checked_at"))
    op.drop_table("fixity_checks")
    for table in _tables():
        _point_at_stored_files(table)


def _tables() -> list[str]:
    return list(dict.fromkeys(owner.table for owner in OWNERS))


def _owners_of(table: str) -> list[Owner]:
    return [owner for owner in OWNERS if owner.table == table]


def _move_keys(connection: sa.Connection) -> None:
    """One stored file per distinct key (the first owner met describes it), and every owner's id filled in.
    The content of destroyed cases (versions and their PDF copies) was deleted on purpose: marked so."""
    now = dt.datetime.now(dt.UTC)
    destroyed = _destroyed_version_ids(connection)
    ids: dict[str, int] = {}
    for owner in OWNERS:
        table = sa.table(owner.table, *(sa.column(name) for name in [*_old_columns(owner), owner.file_column]))
        for row in connection.execute(sa.select(table)).mappings():
            key = row[owner.key_column]
            if key is None:
                continue
            if key not in ids:
                gone = _version_id(owner, row) in destroyed
                values = {
                    "key": key,
                    "kind": owner.kind,
                    "sha256": row[owner.sha256_column] if owner.sha256_column else None,
                    "size": row[owner.size_column] if owner.size_column else None,
                    "media_type": owner.media_type or _own_media_type(owner, row),
                    "created_at": _aware(row[owner.created_column]) or now,
                    "deleted_at": now if gone else None,
                }
                connection.execute(stored_files.insert().values(values))
                ids[key] = connection.scalar(sa.select(stored_files.c.id).where(stored_files.c.key == key))
            connection.execute(sa.update(table).where(table.c.id == row["id"]).values({owner.file_column: ids[key]}))


def _old_columns(owner: Owner) -> list[str]:
    names = ["id", owner.key_column, owner.created_column]
    names += [name for name in (owner.sha256_column, owner.size_column) if name]
    names += {"document_versions": ["media_type"], "renditions": ["version_id"], "exports": ["format"]}.get(
        owner.table, []
    )
    return list(dict.fromkeys(names))


def _version_id(owner: Owner, row: sa.RowMapping) -> int | None:
    if owner.table == "document_versions":
        return int(row["id"])
    if owner.table == "renditions":
        return int(row["version_id"])
    return None  # signatures stay: they hold only a digest of the destroyed bytes


def _own_media_type(owner: Owner, row: sa.RowMapping) -> str:
    if owner.table == "exports":
        return EXPORT_MEDIA_TYPES.get(row["format"], "application/octet-stream")
    return str(row["media_type"])


def _destroyed_version_ids(connection: sa.Connection) -> set[int]:
    query = sa.text(
        "SELECT v.id FROM document_versions v JOIN documents d ON d.id = v.document_id "
        "JOIN cases c ON c.id = d.case_id WHERE c.status = 'destroyed'"
    )
    return set(connection.scalars(query))


def _aware(value: dt.datetime | str | None) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):  # SQLite hands back text for columns a lightweight table does not type
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _move_fixity_checks(connection: sa.Connection) -> None:
    """The latest check of each key becomes its stored file's; checks of keys no row names any more go."""
    checks = sa.table(
        "fixity_checks",
        sa.column("blob_key", sa.String()),
        sa.column("checked_at", webapp.dbtypes.UTCDateTime()),
        sa.column("outcome", sa.String()),
        sa.column("found_sha256", sa.String()),
    )
    for check in connection.execute(sa.select(checks)).mappings().all():
        connection.execute(
            sa.update(stored_files)
            .where(stored_files.c.key == check["blob_key"])
            .values(last_checked_at=check["checked_at"], outcome=check["outcome"], found_sha256=check["found_sha256"])
        )


def _point_at_stored_files(table: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for owner in _owners_of(table):
            column = owner.file_column
            if owner.required:
                batch_op.alter_column(column, existing_type=sa.Integer(), nullable=False)
            if owner.unique:
                batch_op.drop_constraint(batch_op.f(f"uq_{table}_{owner.key_column}"), type_="unique")
                batch_op.create_unique_constraint(batch_op.f(f"uq_{table}_{column}"), [column])
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{table}_{column}_stored_files"), "stored_files", [column], ["id"]
            )
            for name in (owner.key_column, owner.sha256_column, owner.size_column):
                if name:
                    batch_op.drop_column(name)
            if table == "document_versions":
                batch_op.drop_column("media_type")


def downgrade() -> None:
    op.create_table(
        "fixity_checks",
        sa.Column("blob_key", sa.String(length=512), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("checked_at", webapp.dbtypes.UTCDateTime(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("expected_sha256", sa.String(length=64), nullable=True),
        sa.Column("found_sha256", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("blob_key", name=op.f("pk_fixity_checks")),
    )
    with op.batch_alter_table("fixity_checks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fixity_checks_checked_at"), ["checked_at"], unique=False)
    op.execute(
        "INSERT INTO fixity_checks (blob_key, kind, checked_at, outcome, expected_sha256, found_sha256) "
        "SELECT key, kind, last_checked_at, outcome, sha256, found_sha256 FROM stored_files "
        "WHERE outcome IS NOT NULL AND last_checked_at IS NOT NULL"
    )
    for table in _tables():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for owner in _owners_of(table):
                batch_op.add_column(sa.Column(owner.key_column, sa.String(length=512), nullable=True))
                if owner.sha256_column:
                    batch_op.add_column(sa.Column(owner.sha256_column, sa.String(length=64), nullable=True))
                if owner.size_column:
                    batch_op.add_column(sa.Column(owner.size_column, _size_type(table), nullable=True))
            if table == "document_versions":
                batch_op.add_column(sa.Column("media_type", sa.String(length=120), nullable=True))
    for owner in OWNERS:
        _copy_back(owner)
    for table in _tables():
        _point_at_keys(table)
    with op.batch_alter_table("stored_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stored_files_outcome"))
        batch_op.drop_index(batch_op.f("ix_stored_files_last_checked_at"))
    op.drop_table("stored_files")


def _size_type(table: str) -> sa.types.TypeEngine[int]:
    return sa.BigInteger() if table == "exports" else sa.Integer()


def _copy_back(owner: Owner) -> None:
    columns = {owner.key_column: "key", owner.sha256_column: "sha256", owner.size_column: "size"}
    if owner.table == "document_versions":
        columns["media_type"] = "media_type"
    # An export's key went with its file (None once purged); its digest and size stayed.
    live = " AND f.deleted_at IS NULL" if owner.table == "exports" else ""
    for column, source in columns.items():
        if column:
            condition = live if source == "key" else ""
            op.execute(
                f"UPDATE {owner.table} SET {column} = (SELECT f.{source} FROM stored_files f "  # noqa: S608
                f"WHERE f.id = {owner.table}.{owner.file_column}{condition})"
            )


def _point_at_keys(table: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for owner in _owners_of(table):
            batch_op.drop_constraint(batch_op.f(f"fk_{table}_{owner.file_column}_stored_files"), type_="foreignkey")
            if owner.unique:
                batch_op.drop_constraint(batch_op.f(f"uq_{table}_{owner.file_column}"), type_="unique")
                batch_op.create_unique_constraint(batch_op.f(f"uq_{table}_{owner.key_column}"), [owner.key_column])
            if owner.required:
                batch_op.alter_column(owner.key_column, existing_type=sa.String(length=512), nullable=False)
                if owner.sha256_column:
                    batch_op.alter_column(owner.sha256_column, existing_type=sa.String(length=64), nullable=False)
                if owner.size_column:
                    batch_op.alter_column(owner.size_column, existing_type=_size_type(table), nullable=False)
            batch_op.drop_column(owner.file_column)
        if table == "document_versions":
            batch_op.alter_column("media_type", existing_type=sa.String(length=120), nullable=False)
