"""hearings: commissions, hearings, agenda items, presented documents, decisions, external links, expiring grants

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 17:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import webapp.dbtypes

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hearing_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", webapp.dbtypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hearing_questions")),
        sa.UniqueConstraint("title", name=op.f("uq_hearing_questions_title")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "commissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("protocols_case_id", sa.Integer(), nullable=True),
        sa.Column("access_days", sa.Integer(), server_default="14", nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", webapp.dbtypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_commissions_created_by_id_users")),
        sa.ForeignKeyConstraint(
            ["protocols_case_id"], ["cases.id"], name=op.f("fk_commissions_protocols_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commissions")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "commission_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commission_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("position", sa.String(length=300), nullable=False),
        sa.Column("organization", sa.String(length=300), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("added_at", webapp.dbtypes.UTCDateTime(), nullable=False),
        sa.Column("removed_at", webapp.dbtypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["commission_id"], ["commissions.id"], name=op.f("fk_commission_members_commission_id_commissions")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_commission_members_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commission_members")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("commission_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_commission_members_commission_id"), ["commission_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_commission_members_user_id"), ["user_id"], unique=False)

    op.create_table(
        "hearings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commission_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("starts_at", webapp.dbtypes.UTCDateTime(), nullable=False),
        sa.Column("place", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("agenda_sent_at", webapp.dbtypes.UTCDateTime(), nullable=True),
        sa.Column("held_at", webapp.dbtypes.UTCDateTime(), nullable=True),
        sa.Column("access_until", webapp.dbtypes.UTCDateTime(), nullable=True),
        sa.Column("protocol_document_id", sa.Integer(), nullable=True),
        sa.Column("protocol_approved_at", webapp.dbtypes.UTCDateTime(), nullable=True),
        sa.Column("package_job_id", sa.Integer(), nullable=True),
        sa.Column("package_file_id", sa.Integer(), nullable=True),
        sa.Column("package_built_at", webapp.dbtypes.UTCDateTime(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", webapp.dbtypes.UTCDateTime(), nullable=False),
        sa.Column("revision", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["commission_id"], ["commissions.id"], name=op.f("fk_hearings_commission_id_commissions")
        ),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_hearings_created_by_id_users")),
        sa.ForeignKeyConstraint(
            ["package_file_id"], ["stored_files.id"], name=op.f("fk_hearings_package_file_id_stored_files")
        ),
        sa.ForeignKeyConstraint(["package_job_id"], ["jobs.id"], name=op.f("fk_hearings_package_job_id_jobs")),
        sa.ForeignKeyConstraint(
            ["protocol_document_id"], ["documents.id"], name=op.f("fk_hearings_protocol_document_id_documents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hearings")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("hearings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hearings_commission_id"), ["commission_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_hearings_starts_at"), ["starts_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_hearings_status"), ["status"], unique=False)

    op.create_table(
        "hearing_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commission_id", sa.Integer(), nullable=False),
        sa.Column("hearing_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("speaker_id", sa.Integer(), nullable=True),
        sa.Column("planned_on", sa.Date(), nullable=True),
        sa.Column("origin_item_id", sa.Integer(), nullable=True),
        sa.Column("heard", sa.Text(), nullable=False),
        sa.Column("spoke", sa.Text(), nullable=False),
        sa.Column("decision", sa.Text(), nullable=False),
        sa.Column("decision_kind", sa.String(length=30), nullable=True),
        sa.Column("repeat_on", sa.Date(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", webapp.dbtypes.UTCDateTime(), nullable=True),
        sa.Column("extract_document_id", sa.Integer(), nullable=True),
        sa.Column("support_event_id", sa.Integer(), nullable=True),
        sa.Column("created_at", webapp.dbtypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_hearing_items_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["commission_id"], ["commissions.id"], name=op.f("fk_hearing_items_commission_id_commissions")
        ),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], name=op.f("fk_hearing_items_decided_by_id_users")),
        sa.ForeignKeyConstraint(
            ["extract_document_id"], ["documents.id"], name=op.f("fk_hearing_items_extract_document_id_documents")
        ),
        sa.ForeignKeyConstraint(["hearing_id"], ["hearings.id"], name=op.f("fk_hearing_items_hearing_id_hearings")),
        sa.ForeignKeyConstraint(
            ["origin_item_id"], ["hearing_items.id"], name=op.f("fk_hearing_items_origin_item_id_hearing_items")
        ),
        sa.ForeignKeyConstraint(
            ["question_id"], ["hearing_questions.id"], name=op.f("fk_hearing_items_question_id_hearing_questions")
        ),
        sa.ForeignKeyConstraint(["speaker_id"], ["users.id"], name=op.f("fk_hearing_items_speaker_id_users")),
        sa.ForeignKeyConstraint(
            ["support_event_id"], ["support_events.id"], name=op.f("fk_hearing_items_support_event_id_support_events")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hearing_items")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("hearing_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hearing_items_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_hearing_items_commission_id"), ["commission_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_hearing_items_hearing_id"), ["hearing_id"], unique=False)

    op.create_table(
        "hearing_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hearing_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("expires_at", webapp.dbtypes.UTCDateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", webapp.dbtypes.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", webapp.dbtypes.UTCDateTime(), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.Column("last_opened_at", webapp.dbtypes.UTCDateTime(), nullable=True),
        sa.Column("openings", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_hearing_links_created_by_id_users")),
        sa.ForeignKeyConstraint(["hearing_id"], ["hearings.id"], name=op.f("fk_hearing_links_hearing_id_hearings")),
        sa.ForeignKeyConstraint(
            ["member_id"], ["commission_members.id"], name=op.f("fk_hearing_links_member_id_commission_members")
        ),
        sa.ForeignKeyConstraint(["revoked_by_id"], ["users.id"], name=op.f("fk_hearing_links_revoked_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hearing_links")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_hearing_links_token_sha256")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("hearing_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hearing_links_hearing_id"), ["hearing_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_hearing_links_member_id"), ["member_id"], unique=False)

    op.create_table(
        "hearing_item_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("is_new", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_hearing_item_documents_document_id_documents")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["hearing_items.id"], name=op.f("fk_hearing_item_documents_item_id_hearing_items")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["document_versions.id"],
            name=op.f("fk_hearing_item_documents_version_id_document_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hearing_item_documents")),
        sa.UniqueConstraint("item_id", "document_id", name=op.f("uq_hearing_item_documents_item_id_document_id")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("hearing_item_documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hearing_item_documents_document_id"), ["document_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_hearing_item_documents_item_id"), ["item_id"], unique=False)

    with op.batch_alter_table("case_grants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", webapp.dbtypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("hearing_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_case_grants_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_grants_hearing_id"), ["hearing_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_case_grants_hearing_id_hearings"), "hearings", ["hearing_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("case_grants", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_case_grants_hearing_id_hearings"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_case_grants_hearing_id"))
        batch_op.drop_index(batch_op.f("ix_case_grants_expires_at"))
        batch_op.drop_column("hearing_id")
        batch_op.drop_column("expires_at")

    with op.batch_alter_table("hearing_item_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hearing_item_documents_item_id"))
        batch_op.drop_index(batch_op.f("ix_hearing_item_documents_document_id"))

    op.drop_table("hearing_item_documents")
    with op.batch_alter_table("hearing_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hearing_links_member_id"))
        batch_op.drop_index(batch_op.f("ix_hearing_links_hearing_id"))

    op.drop_table("hearing_links")
    with op.batch_alter_table("hearing_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hearing_items_hearing_id"))
        batch_op.drop_index(batch_op.f("ix_hearing_items_commission_id"))
        batch_op.drop_index(batch_op.f("ix_hearing_items_case_id"))

    op.drop_table("hearing_items")
    with op.batch_alter_table("hearings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hearings_status"))
        batch_op.drop_index(batch_op.f("ix_hearings_starts_at"))
        batch_op.drop_index(batch_op.f("ix_hearings_commission_id"))

    op.drop_table("hearings")
    with op.batch_alter_table("commission_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commission_members_user_id"))
        batch_op.drop_index(batch_op.f("ix_commission_members_commission_id"))

    op.drop_table("commission_members")
    op.drop_table("commissions")
    op.drop_table("hearing_questions")
