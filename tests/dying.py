"""Code for child processes that tests kill on purpose: an application on the data folder of CASEFILES_DATA_DIR
with one specialist and one open case, ready for the test's last steps."""

from __future__ import annotations

import textwrap

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
