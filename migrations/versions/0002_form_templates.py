"""form templates and form documents

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 02:03:00.828946
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import webapp.dbtypes

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "form_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("document_type", sa.String(length=40), nullable=False),
        sa.Column("created_at", webapp.dbtypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_templates")),
        sa.UniqueConstraint("code", name=op.f("uq_form_templates_code")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "form_template_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("manifest", sa.JSON(), nullable=False),
        sa.Column("docx_blob_key", sa.String(length=512), nullable=False),
        sa.Column("docx_sha256", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", webapp.dbtypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_form_template_versions_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["template_id"], ["form_templates.id"], name=op.f("fk_form_template_versions_template_id_form_templates")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_template_versions")),
        sa.UniqueConstraint("template_id", "number", name=op.f("uq_form_template_versions_template_id_number")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("form_template_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_form_template_versions_template_id"), ["template_id"], unique=False)

    with op.batch_alter_table("document_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("template_version_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("form_data", sa.JSON(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_document_versions_template_version_id_form_template_versions"),
            "form_template_versions",
            ["template_version_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("document_versions", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_document_versions_template_version_id_form_template_versions"), type_="foreignkey"
        )
        batch_op.drop_column("form_data")
        batch_op.drop_column("template_version_id")

    with op.batch_alter_table("form_template_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_form_template_versions_template_id"))

    op.drop_table("form_template_versions")
    op.drop_table("form_templates")
