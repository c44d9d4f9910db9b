"""approval workflow, paper and electronic signatures, signing certificates

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 09:12:38.746489
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import webapp.dbtypes

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "signing_certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("serial_number", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("certificate_pem", sa.Text(), nullable=False),
        sa.Column("encrypted_key_pem", sa.Text(), nullable=False),
        sa.Column("issued_at", webapp.dbtypes.UTCDateTime(), nullable=False),
        sa.Column("not_after", webapp.dbtypes.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", webapp.dbtypes.UTCDateTime(), nullable=True),
        sa.Column("revocation_reason", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_signing_certificates_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signing_certificates")),
        sa.UniqueConstraint("serial_number", name=op.f("uq_signing_certificates_serial_number")),
        sa.UniqueConstraint("sha256", name=op.f("uq_signing_certificates_sha256")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("signing_certificates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_signing_certificates_user_id"), ["user_id"], unique=False)

    op.create_table(
        "document_transitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=False),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", webapp.dbtypes.UTCDateTime(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_document_transitions_actor_id_users")),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_document_transitions_document_id_documents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_transitions")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("document_transitions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_document_transitions_document_id"), ["document_id"], unique=False)

    op.create_table(
        "paper_signatures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"], ["document_versions.id"], name=op.f("fk_paper_signatures_version_id_document_versions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paper_signatures")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("paper_signatures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_paper_signatures_version_id"), ["version_id"], unique=False)

    op.create_table(
        "signatures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("signer_id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=100), nullable=False),
        sa.Column("signed_at", webapp.dbtypes.UTCDateTime(), nullable=False),
        sa.Column("algorithm", sa.String(length=60), nullable=False),
        sa.Column("cms_blob_key", sa.String(length=512), nullable=False),
        sa.Column("cms_sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["signing_certificates.id"],
            name=op.f("fk_signatures_certificate_id_signing_certificates"),
        ),
        sa.ForeignKeyConstraint(["signer_id"], ["users.id"], name=op.f("fk_signatures_signer_id_users")),
        sa.ForeignKeyConstraint(
            ["version_id"], ["document_versions.id"], name=op.f("fk_signatures_version_id_document_versions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signatures")),
        sa.UniqueConstraint("cms_blob_key", name=op.f("uq_signatures_cms_blob_key")),
        sa.UniqueConstraint("version_id", "role", name=op.f("uq_signatures_version_id_role")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("signatures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_signatures_version_id"), ["version_id"], unique=False)

    with op.batch_alter_table("document_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("signed_on_paper", sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=20), server_default="draft", nullable=False))


def downgrade() -> None:

    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_column("status")

    with op.batch_alter_table("document_versions", schema=None) as batch_op:
        batch_op.drop_column("signed_on_paper")

    with op.batch_alter_table("signatures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signatures_version_id"))

    op.drop_table("signatures")
    with op.batch_alter_table("paper_signatures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_paper_signatures_version_id"))

    op.drop_table("paper_signatures")
    with op.batch_alter_table("document_transitions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_transitions_document_id"))

    op.drop_table("document_transitions")
    with op.batch_alter_table("signing_certificates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signing_certificates_user_id"))

    op.drop_table("signing_certificates")
