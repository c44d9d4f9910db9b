"""corrections: revisions of cases and documents, former case numbers, corrections in the case history,
working-copy checkouts, and stored files waiting to be relocated

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 11:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import webapp.dbtypes

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revision", sa.Integer(), server_default="1", nullable=False))
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revision", sa.Integer(), server_default="1", nullable=False))
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("document_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("changes", sa.JSON(), nullable=True))
        batch_op.create_index(batch_op.f("ix_case_events_document_id"), ["document_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_case_events_document_id_documents"), "documents", ["document_id"], ["id"]
        )
    op.create_table(
        "case_former_numbers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("replaced_at", webapp.dbtypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_former_numbers_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_former_numbers")),
        sa.UniqueConstraint("number", name=op.f("uq_case_former_numbers_number")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_case_former_numbers_case_id"), "case_former_numbers", ["case_id"], unique=False)
    op.create_table(
        "document_checkouts",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column("since", webapp.dbtypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_document_checkouts_document_id_documents")
        ),
        sa.ForeignKeyConstraint(["holder_id"], ["users.id"], name=op.f("fk_document_checkouts_holder_id_users")),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_document_checkouts")),
    )
    op.create_index(op.f("ix_document_checkouts_holder_id"), "document_checkouts", ["holder_id"], unique=False)
    op.create_index(op.f("ix_document_checkouts_since"), "document_checkouts", ["since"], unique=False)
    op.create_table(
        "blob_relocations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("new_key", sa.String(length=512), nullable=False),
        sa.Column("created_at", webapp.dbtypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"], ["stored_files.id"], name=op.f("fk_blob_relocations_file_id_stored_files")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blob_relocations")),
        sa.UniqueConstraint("file_id", name=op.f("uq_blob_relocations_file_id")),
        sa.UniqueConstraint("new_key", name=op.f("uq_blob_relocations_new_key")),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("blob_relocations")
    op.drop_index(op.f("ix_document_checkouts_since"), table_name="document_checkouts")
    op.drop_index(op.f("ix_document_checkouts_holder_id"), table_name="document_checkouts")
    op.drop_table("document_checkouts")
    op.drop_index(op.f("ix_case_former_numbers_case_id"), table_name="case_former_numbers")
    op.drop_table("case_former_numbers")
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_case_events_document_id_documents"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_case_events_document_id"))
        batch_op.drop_column("changes")
        batch_op.drop_column("document_id")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_column("revision")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("revision")
