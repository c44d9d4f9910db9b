"""page previews: the page images of document versions and their state

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import webapp.dbtypes

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "page_previews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("page_count", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("created_at", webapp.dbtypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", webapp.dbtypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"], ["document_versions.id"], name=op.f("fk_page_previews_version_id_document_versions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_page_previews")),
        sa.UniqueConstraint("version_id", name=op.f("uq_page_previews_version_id")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "preview_pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("preview_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("thumbnail_file_id", sa.Integer(), nullable=False),
        sa.Column("image_file_id", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["preview_id"], ["page_previews.id"], name=op.f("fk_preview_pages_preview_id_page_previews")
        ),
        sa.ForeignKeyConstraint(
            ["thumbnail_file_id"], ["stored_files.id"], name=op.f("fk_preview_pages_thumbnail_file_id_stored_files")
        ),
        sa.ForeignKeyConstraint(
            ["image_file_id"], ["stored_files.id"], name=op.f("fk_preview_pages_image_file_id_stored_files")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_preview_pages")),
        sa.UniqueConstraint("preview_id", "number", name=op.f("uq_preview_pages_preview_id_number")),
        sa.UniqueConstraint("thumbnail_file_id", name=op.f("uq_preview_pages_thumbnail_file_id")),
        sa.UniqueConstraint("image_file_id", name=op.f("uq_preview_pages_image_file_id")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_preview_pages_preview_id"), "preview_pages", ["preview_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_preview_pages_preview_id"), table_name="preview_pages")
    op.drop_table("preview_pages")
    op.drop_table("page_previews")
