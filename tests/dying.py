"""Code for child processes that tests kill on purpose: their environment on the test's data, and an application on
that data with one specialist and one open case, ready for the test's last steps."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

from webapp.config import Settings

REPO = Path(__file__).parents[1]

WITH_A_CASE = textwrap.dedent(
    """
    import io, os, signal
    from webapp import create_app
    from webapp.extensions import db
    from webapp.schema import upgrade_to_head

    app = create_app()
    with app.app_context():
        upgrade_to_head(db.engine)
        from webapp.auth.services import create_user, ensure_district
        from webapp.cases.schemas import CaseInput
        from webapp.cases.services import open_case
        from webapp.documents.schemas import DocumentMeta, Upload
        from webapp.documents.services import add_document
        from webapp.nomenclature.schemas import EntryInput
        from webapp.nomenclature.services import create_entry
        from webapp.policy import SYSTEM
        import webapp.uow

        ensure_district("u1")
        user = create_user("spec", role="specialist", password="long-password-1", district_codes=["u1"])
        create_entry(SYSTEM, EntryInput(index="04-05", title="Личные дела", year=2026, retention_years=75))
        case = open_case(user, CaseInput(nomenclature_index="04-05", year=2026, title="Дело", district="u1"))
    """
)


def in_the_app(steps: str) -> str:
    """A script: WITH_A_CASE, then `steps` (dedented) inside its application context."""
    return WITH_A_CASE + textwrap.indent(textwrap.dedent(steps), "    ")


def environment(settings: Settings, temporary: Path) -> dict[str, str]:
    """The environment of a child process on the test's data: its database, storage (S3 too) and queue."""
    env = {
        **os.environ,
        "CASEFILES_DATA_DIR": str(settings.data_dir),
        "CASEFILES_DATABASE_URL": settings.database_url,
        "CASEFILES_SECRET_KEY": settings.secret_key,
        "CASEFILES_STORAGE": settings.storage,
        "CASEFILES_QUEUE_URL": settings.queue_url,
        "CASEFILES_JOB_LEASE_SECONDS": str(settings.job_lease_seconds),
        "TMPDIR": str(temporary),
        "PYTHONPATH": str(REPO),
    }
    optional = {
        "CASEFILES_S3_BUCKET": settings.s3_bucket,
        "CASEFILES_S3_ENDPOINT_URL": settings.s3_endpoint_url,
        "CASEFILES_S3_REGION": settings.s3_region,
        "CASEFILES_S3_ADDRESSING": settings.s3_addressing,
    }
    return env | {name: value for name, value in optional.items() if value}
