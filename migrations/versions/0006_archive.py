"""archive inventories and destruction acts

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 04:04:32.138990
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import webapp.dbtypes

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "archive_inventories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("retention_class", sa.String(length=20), nullable=False),
        sa.Column("case_count", sa.Integer(), nullable=False),
        sa.Column("compiled_on", sa.Date(), nullable=False),
        sa.Column("compiled_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", webapp.dbtypes.UTCDateTime(), nullable=False),
        sa.Column("docx_blob_key", sa.String(length=512), nullable=False),
        sa.Column("docx_sha256", sa.String(length=64), nullable=False),
        sa.Column("pdf_blob_key", sa.String(length=512), nullable=True),
        sa.ForeignKeyConstraint(
            ["compiled_by_id"], ["users.id"], name=op.f("fk_archive_inventories_compiled_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_archive_inventories")),
        sa.UniqueConstraint("year", "number", name=op.f("uq_archive_inventories_year_number")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "destruction_acts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("drafted_on", sa.Date(), nullable=False),
        sa.Column("drafted_by_id", sa.Integer(), nullable=False),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("executed_at", webapp.dbtypes.UTCDateTime(), nullable=True),
        sa.Column("created_at", webapp.dbtypes.UTCDateTime(), nullable=False),
        sa.Column("docx_blob_key", sa.String(length=512), nullable=True),
        sa.Column("docx_sha256", sa.String(length=64), nullable=True),
        sa.Column("pdf_blob_key", sa.String(length=512), nullable=True),
        sa.ForeignKeyConstraint(
            ["approved_by_id"], ["users.id"], name=op.f("fk_destruction_acts_approved_by_id_users")
        ),
        sa.ForeignKeyConstraint(["drafted_by_id"], ["users.id"], name=op.f("fk_destruction_acts_drafted_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_destruction_acts")),
        sa.UniqueConstraint("year", "number", name=op.f("uq_destruction_acts_year_number")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("destruction_acts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_destruction_acts_status"), ["status"], unique=False)

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expert_review_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("inventory_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("transferred_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("destruction_act_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("destroyed_on", sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f("ix_cases_destruction_act_id"), ["destruction_act_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_inventory_id"), ["inventory_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_cases_destruction_act_id_destruction_acts"),
            "destruction_acts",
            ["destruction_act_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_cases_inventory_id_archive_inventories"), "archive_inventories", ["inventory_id"], ["id"]
        )


def downgrade() -> None:

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_cases_inventory_id_archive_inventories"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_cases_destruction_act_id_destruction_acts"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_cases_inventory_id"))
        batch_op.drop_index(batch_op.f("ix_cases_destruction_act_id"))
        batch_op.drop_column("destroyed_on")
        batch_op.drop_column("destruction_act_id")
        batch_op.drop_column("transferred_on")
        batch_op.drop_column("inventory_id")
        batch_op.drop_column("expert_review_on")

    with op.batch_alter_table("destruction_acts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_destruction_acts_status"))

    op.drop_table("destruction_acts")
    op.drop_table("archive_inventories")
