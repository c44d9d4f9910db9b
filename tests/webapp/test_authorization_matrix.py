"""Every endpoint and page, called as each role and as a specialist of another district, with the exact outcome
asserted: allowed (whatever the action then says: 2xx, 3xx, or a 4xx about the input or the state), 403, or 404
(a case the caller may not see does not exist for them). A test also fails when an endpoint is missing here.

Roles, in the order of the expectation strings: O the specialist of the case's district, X a specialist of
another district, H the head, A the archivist, D the administrator. Letters: o allowed, f 403, n 404."""

from __future__ import annotations

import copy
import datetime as dt
import io
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from fpdf import FPDF

from document_templates import example_values
from tests.conftest import (
    APP_OVERRIDES,
    PASSWORD,
    PIN,
    ApiClient,
    World,
    make_settings,
    make_world,
    snapshots_possible,
)
from tests.scene_snapshot import freeze, thaw
from tests.webapp.test_forms import fill
from tests.webapp.test_pages import _csrf, forget_request_state
from webapp import create_app
from webapp.auth.access_requests import request_change
from webapp.auth.models import ApiToken, User
from webapp.auth.services import create_api_token, create_user
from webapp.blobs.models import StoredFile
from webapp.config import Settings
from webapp.dbtypes import utcnow
from webapp.exports.models import Export
from webapp.extensions import db
from webapp.hearings import services as hearings
from webapp.hearings.models import HearingItem
from webapp.hearings.schemas import CommissionInput, HearingInput, ItemInput, MemberInput
from webapp.jobs.models import Job
from webapp.runtime import blob_store

ROLES = {"O": "spec1", "X": "spec2", "H": "head", "A": "archivist", "D": "admin"}
OUTCOMES = {"o": "allowed", "f": "403", "n": "404"}


@dataclass(frozen=True)
class Call:
    endpoint: str
    method: str
    # {case}, {doc}, {form}, {sig}, {export}, {job}, {entry}, {grant}, {journal}, {today}, {commission}, {member},
    # {question}, {hearing}, {item}, {planned}, ...: the scene
    path: str
    expect: str  # five letters: O X H A D
    body: dict[str, Any] | None = None


API = [
    Call("api.health", "GET", "/api/v1/health", "ooooo"),
    Call("api.ca_certificate", "GET", "/api/v1/ca.pem", "ooooo"),
    Call("api.ca_crl", "GET", "/api/v1/ca.crl", "ooooo"),
    Call("api.fixity", "GET", "/api/v1/admin/fixity", "ffffo"),
    Call("api.approval_queue", "GET", "/api/v1/approvals", "ooooo"),
    Call("api.deputies_list", "GET", "/api/v1/deputies", "ooooo"),
    Call(
        "api.deputy_create",
        "POST",
        "/api/v1/deputies",
        "ffoff",  # for someone else: the head; one's own: anyone (tests/webapp/test_deputies.py)
        {"principal": "head", "deputy": "archivist", "starts_on": "{today}", "ends_on": "{today}"},
    ),
    Call("api.deputy_revoke", "POST", "/api/v1/deputies/999/revoke", "nnnnn", {}),
    Call("api.list_tasks", "GET", "/api/v1/tasks", "ooooo"),
    Call(
        "api.give_task",
        "POST",
        "/api/v1/tasks",
        "onoon",  # the head: 400, not to oneself
        {"case_id": "{case}", "title": "Подготовить выписку", "assignee": "head", "working_days": 3},
    ),
    Call("api.get_task", "GET", "/api/v1/tasks/{task}", "onoon"),
    Call("api.change_task", "PATCH", "/api/v1/tasks/{task}", "fnofn", {"status": "done"}),  # the assignee: the head
    Call("api.list_acts", "GET", "/api/v1/archive/destruction-acts", "ffoof"),
    Call("api.draft_act", "POST", "/api/v1/archive/destruction-acts", "fffof", {}),
    Call("api.get_act", "GET", "/api/v1/archive/destruction-acts/999", "ffnnf"),
    Call("api.act_file", "GET", "/api/v1/archive/destruction-acts/999/docx", "ffnnf"),
    Call("api.approve_act", "POST", "/api/v1/archive/destruction-acts/999/approve", "ffnff", {}),
    Call("api.cancel_act", "POST", "/api/v1/archive/destruction-acts/999/cancel", "fffnf", {}),
    Call("api.destruction_list", "GET", "/api/v1/archive/destruction-list", "fffof"),
    Call(
        "api.compile_inventory",
        "POST",
        "/api/v1/archive/inventories",
        "fffof",
        {"year": 2026, "retention_class": "temporary"},
    ),
    Call("api.list_inventories", "GET", "/api/v1/archive/inventories", "fffof"),
    Call("api.get_inventory", "GET", "/api/v1/archive/inventories/999", "fffnf"),
    Call("api.inventory_file", "GET", "/api/v1/archive/inventories/999/docx", "fffnf"),
    Call("api.audit_log", "GET", "/api/v1/audit", "ffofo"),
    Call(
        "api.create_case",
        "POST",
        "/api/v1/cases",
        "ofoof",
        {"nomenclature_index": "04-05", "year": 2026, "title": "Новое", "district": "u1"},
    ),
    Call("api.list_cases", "GET", "/api/v1/cases", "ooooo"),
    Call("api.get_case", "GET", "/api/v1/cases/{case}", "onoon"),
    Call("api.edit_case", "PATCH", "/api/v1/cases/{case}", "onofn", {"title": "Исправленный", "reason": "опечатка"}),
    Call("api.case_history", "GET", "/api/v1/cases/{case}/history", "onoon"),
    Call("api.close_case", "POST", "/api/v1/cases/{case}/close", "fnoon", {"closed_on": "2026-06-30"}),
    Call(
        "api.create_document",
        "POST",
        "/api/v1/cases/{case}/documents",
        "onofn",
        {"template": "inspection_act", "fields": "{act_fields}"},
    ),
    Call(
        "api.expert_review",
        "POST",
        "/api/v1/cases/{case}/expert-review",
        "fnfon",
        {"decision": "destroy", "protocol": "Протокол ЭК № 1"},
    ),
    Call("api.export_case", "POST", "/api/v1/cases/{case}/exports", "onofn", {"format": "zip"}),
    Call("api.journal", "GET", "/api/v1/cases/{case}/journal", "onofn"),
    Call(
        "api.add_entry", "POST", "/api/v1/cases/{case}/journal", "onofn", {"kind": "contact", "occurred_on": "{today}"}
    ),
    Call("api.cancel_entry", "POST", "/api/v1/journal/{journal}/cancel", "onofn", {"reason": "ошибочная запись"}),
    Call("api.set_profile", "PUT", "/api/v1/cases/{case}/profile", "onofn", {"responsible": "spec1", "categories": []}),
    Call("api.deadlines", "GET", "/api/v1/deadlines?outstanding=1", "ooooo"),
    Call("api.statistical_report", "GET", "/api/v1/reports/statistical?period=2026-Q3", "ffoff"),
    Call(
        "api.save_statistical_report",
        "POST",
        "/api/v1/reports/statistical",
        "ffoff",
        {"period": "2026-Q3", "case_id": "{case}", "institution": "БУ «Центр»"},
    ),
    Call("api.case_grants", "GET", "/api/v1/cases/{case}/grants", "onoon"),
    Call(
        "api.grant_case_access",
        "POST",
        "/api/v1/cases/{case}/grants",
        "ffoff",
        {"username": "victim", "reason": "для проверки"},
    ),
    Call("api.revoke_case_access", "DELETE", "/api/v1/cases/{case}/grants/{grant}", "ffoff"),
    Call("api.set_hold", "POST", "/api/v1/cases/{case}/hold", "fnfon", {"reason": "проверка прокуратуры"}),
    Call("api.release_hold", "POST", "/api/v1/cases/{case}/hold/release", "fnfon", {"reason": "проверка окончена"}),
    Call("api.reopen_case", "POST", "/api/v1/cases/{case}/reopen", "fnfon", {"reason": "ошибочно закрыто"}),
    Call("api.get_document", "GET", "/api/v1/documents/{doc}", "onoon"),
    Call("api.edit_document", "PATCH", "/api/v1/documents/{doc}", "onofn", {"title": "Акт", "reason": "опечатка"}),
    Call("api.restore_version", "POST", "/api/v1/documents/{doc}/versions/1/restore", "onofn", {"base_version": 1}),
    Call("api.check_out", "POST", "/api/v1/documents/{doc}/checkout", "onofn", {}),
    # Nothing is checked out in the scene: whoever sees the document is told so (409); test_checkouts.py has the rest.
    Call("api.cancel_checkout", "DELETE", "/api/v1/documents/{doc}/checkout", "onoon", {"reason": "в отпуске"}),
    # Moved to the case it is in: whoever may is told so (409 same_case); test_document_moves.py has the rest.
    Call(
        "api.move_document", "POST", "/api/v1/documents/{doc}/move", "onofn", {"case_id": "{case}", "reason": "ошибка"}
    ),
    Call("api.annul", "POST", "/api/v1/documents/{doc}/annul", "fnofn", {"comment": "ошибка"}),
    Call("api.approve", "POST", "/api/v1/documents/{form}/approve", "fnofn", {"version": 1}),
    Call("api.return_for_rework", "POST", "/api/v1/documents/{form}/return", "fnofn", {"comment": "доработать"}),
    Call("api.similar", "GET", "/api/v1/documents/{doc}/similar", "onofn"),
    Call("api.submit", "POST", "/api/v1/documents/{doc}/submit", "onofn", {}),
    Call(
        "api.create_version",
        "POST",
        "/api/v1/documents/{form}/versions",
        "onofn",
        {"base_version": 1, "fields": "{act_fields}"},
    ),
    Call("api.version_content", "GET", "/api/v1/documents/{doc}/versions/1/content", "onofn"),
    Call("api.version_diff", "GET", "/api/v1/documents/{form}/versions/1/diff", "onofn"),
    Call("api.version_fields", "GET", "/api/v1/documents/{form}/versions/1/fields", "onofn"),
    Call("api.version_pdf", "GET", "/api/v1/documents/{doc}/versions/1/pdf", "onofn"),
    # The page list asks for the page images (made at once in the tests), so the two after it find page 1 ready.
    Call("api.version_pages", "GET", "/api/v1/documents/{doc}/versions/1/pages", "onofn"),
    Call("api.page_image", "GET", "/api/v1/documents/{doc}/versions/1/pages/1.webp", "onofn"),
    Call("api.page_image_before", "GET", "/api/v1/documents/{doc}/versions/1/pages/1.jpg", "onofn"),
    Call("api.page_thumbnail", "GET", "/api/v1/documents/{doc}/versions/1/pages/1/thumbnail.webp", "onofn"),
    Call(
        "api.sign", "POST", "/api/v1/documents/{form}/versions/1/signatures", "onofn", {"role": "составил", "pin": PIN}
    ),
    Call("api.signatures", "GET", "/api/v1/documents/{form}/versions/1/signatures", "onofn"),
    # Signatures from outside: adding one needs write access (400 here: no file); 999 exists for no one
    Call("api.add_external_signature", "POST", "/api/v1/documents/{doc}/versions/1/attached-signatures", "onofn", {}),
    Call("api.check_external_signature", "POST", "/api/v1/external-signatures/999/check", "nnnnn", {}),
    Call("api.external_signature_cms", "GET", "/api/v1/external-signatures/999/cms", "nnnnn"),
    Call("api.trusted_authorities", "GET", "/api/v1/trusted-authorities", "ffffo"),
    Call("api.add_trusted_authority", "POST", "/api/v1/trusted-authorities", "ffffo", {}),  # 400: no file
    Call("api.remove_trusted_authority", "DELETE", "/api/v1/trusted-authorities/999", "ffffn"),
    Call("api.document_workflow", "GET", "/api/v1/documents/{doc}/workflow", "onoon"),
    Call("api.export_hearing", "POST", "/api/v1/exports", "onofn", {"case_ids": ["{case}"], "format": "zip"}),
    Call("api.exports_list", "GET", "/api/v1/exports", "ooooo"),
    Call("api.export_detail", "GET", "/api/v1/exports/{export}", "onnnn"),
    Call("api.export_download", "GET", "/api/v1/exports/{export}/download", "onnnn"),
    Call("api.job_status", "GET", "/api/v1/jobs/{job}", "onono"),
    Call("api.list_commissions", "GET", "/api/v1/commissions", "ooooo"),
    Call("api.create_commission", "POST", "/api/v1/commissions", "ffoff", {"name": "КДН и ЗП", "kind": "kdn"}),
    Call("api.get_commission", "GET", "/api/v1/commissions/{commission}", "ooooo"),
    Call(
        "api.add_commission_member",
        "POST",
        "/api/v1/commissions/{commission}/members",
        "ffoff",
        {"name": "Иванов Иван Иванович", "organization": "ОМВД"},
    ),
    Call("api.remove_commission_member", "DELETE", "/api/v1/commissions/{commission}/members/{member}", "ffoff"),
    Call("api.planned_hearing_items", "GET", "/api/v1/commissions/{commission}/planned", "ffoff"),
    Call("api.list_hearing_questions", "GET", "/api/v1/hearing-questions", "ooooo"),
    Call("api.add_hearing_question", "POST", "/api/v1/hearing-questions", "ffoff", {"title": "Новый вопрос"}),
    Call("api.retire_hearing_question", "DELETE", "/api/v1/hearing-questions/{question}", "ffoff"),
    Call("api.list_hearings", "GET", "/api/v1/hearings?from={today}", "ooooo"),
    Call(
        "api.create_hearing",
        "POST",
        "/api/v1/hearings",
        "ffoff",
        {"commission_id": "{commission}", "starts_at": "2026-12-21T10:00:00+03:00"},
    ),
    # Whoever sees the case on its agenda sees the hearing (the archivist: its items' metadata).
    Call("api.get_hearing", "GET", "/api/v1/hearings/{hearing}", "onoon"),
    Call("api.case_hearings", "GET", "/api/v1/cases/{case}/hearings", "onoon"),
    Call(
        "api.add_hearing_item",
        "POST",
        "/api/v1/hearings/{hearing}/items",
        "fnofn",
        {"case_id": "{case}", "question_id": "{question}"},
    ),
    Call("api.remove_hearing_item", "DELETE", "/api/v1/hearings/{hearing}/items/{item}", "fnofn"),
    Call(
        "api.set_hearing_item_documents",
        "PUT",
        "/api/v1/hearings/{hearing}/items/{item}/documents",
        "fnofn",
        {"document_ids": ["{doc}"]},
    ),
    Call("api.put_planned_hearing_item", "POST", "/api/v1/hearings/{hearing}/planned/{planned}", "fnofn", {}),
    Call("api.send_hearing_agenda", "POST", "/api/v1/hearings/{hearing}/send-agenda", "fnofn", {}),
    Call("api.mark_hearing_held", "POST", "/api/v1/hearings/{hearing}/held", "fnofn", {}),
    # Not held yet: the head is told so (409 hearing_status); test_hearings_api.py has the rest.
    Call(
        "api.record_hearing_decision",
        "PUT",
        "/api/v1/hearings/{hearing}/items/{item}/decision",
        "fnofn",
        {"kind": "other", "decision": "Принять к сведению"},
    ),
    # Not held yet: the head is told so (409 hearing_status); test_hearing_protocol.py has the rest.
    Call("api.render_hearing_protocol", "POST", "/api/v1/hearings/{hearing}/protocol", "fnofn", {}),
    # The agenda is not sent yet: the head is told so (409 agenda_not_sent); test_hearing_links.py has the rest.
    Call("api.make_hearing_link", "POST", "/api/v1/hearings/{hearing}/members/{member}/link", "fnofn", {}),
    Call("api.revoke_hearing_link", "DELETE", "/api/v1/hearings/{hearing}/members/{member}/link", "fnofn"),
    # The members' package: the head builds it (202, the job); only managers and, once the agenda is sent, the
    # commission's internal members read it (before it is built, the head is told so: 409 package_not_ready);
    # whoever sees the hearing otherwise is refused. test_hearing_package.py has the access window.
    Call("api.hearing_package_request", "POST", "/api/v1/hearings/{hearing}/package", "fnofn", {}),
    Call("api.hearing_package", "GET", "/api/v1/hearings/{hearing}/package", "fnofn"),
    Call(
        "api.create_nomenclature_entry",
        "POST",
        "/api/v1/nomenclature",
        "fffoo",
        {"index": "09-01", "title": "Новая", "year": 2026, "retention_years": 5},
    ),
    Call("api.list_nomenclature", "GET", "/api/v1/nomenclature", "ooooo"),
    Call("api.delete_nomenclature_entry", "DELETE", "/api/v1/nomenclature/{own_entry}", "fffoo"),
    Call("api.update_nomenclature_entry", "PATCH", "/api/v1/nomenclature/{entry}", "fffoo", {"note": "примечание"}),
    Call(
        "api.copy_nomenclature_year", "POST", "/api/v1/nomenclature/copy", "fffoo", {"from_year": 2026, "to_year": 2027}
    ),
    Call("api.search", "GET", "/api/v1/search?q=акт", "ooooo"),
    Call("api.search_with_body", "POST", "/api/v1/search", "ooooo", {"q": "акт"}),
    Call("api.signature_cms", "GET", "/api/v1/signatures/{sig}/cms", "onofn"),
    Call("api.list_templates", "GET", "/api/v1/templates", "ooooo"),
    Call("api.get_template", "GET", "/api/v1/templates/inspection_act", "ooooo"),
    Call("api.upload_template", "POST", "/api/v1/templates/inspection_act/docx", "ffffo", {}),
    Call("api.deactivate", "POST", "/api/v1/users/victim/deactivate", "ffffo", {"reason": "уволен"}),
    Call("api.signing_pin_state", "GET", "/api/v1/account/signing-pin", "ooooo"),
    Call("api.set_signing_pin", "PUT", "/api/v1/account/signing-pin", "ooooo", {"pin": "12"}),  # 400: too short
    Call("api.reset_signing_pin", "POST", "/api/v1/account/signing-pin/reset", "ooooo", {"pin": "12", "password": "x"}),
    Call("api.reset_user_signing_pin", "POST", "/api/v1/users/victim/signing-pin/reset", "ffffo", {}),
    Call("api.users_list", "GET", "/api/v1/users", "ffffo"),
    Call("api.tokens_list", "GET", "/api/v1/tokens", "ooooo"),
    Call("api.token_create", "POST", "/api/v1/tokens", "ooooo", {"expires_in_days": 30}),
    Call("api.token_revoke", "DELETE", "/api/v1/tokens/{victim_token}", "nnnno"),
    Call("api.user_email", "PUT", "/api/v1/users/victim/email", "nnnno", {"email": "victim@example.ru"}),
    Call("api.list_notifications", "GET", "/api/v1/notifications", "ooooo"),
    Call("api.read_notification", "POST", "/api/v1/notifications/999/read", "nnnnn", {}),  # only one's own
    Call("api.read_all_notifications", "POST", "/api/v1/notifications/read-all", "ooooo", {}),
    Call("api.notification_settings", "GET", "/api/v1/notifications/settings", "ooooo"),
    Call("api.save_notification_settings", "PUT", "/api/v1/notifications/settings", "ooooo", {"case_assigned": "off"}),
]

PAGES = [
    Call("ui.cases", "GET", "/", "ooooo"),
    Call("ui.login", "GET", "/login", "ooooo"),
    Call("ui.logout", "POST", "/logout", "ooooo", {}),
    Call("ui.fixity_page", "GET", "/admin/fixity", "ffffo"),
    Call("ui.approvals", "GET", "/approvals", "ooooo"),
    Call("ui.deputies_page", "GET", "/account/deputies", "ooooo"),
    Call(
        "ui.deputy_name_page",
        "POST",
        "/account/deputies",
        "ffoff",
        {"principal": "head", "deputy": "archivist", "starts_on": "{today}", "ends_on": "{today}"},
    ),
    Call("ui.deputy_revoke_page", "POST", "/account/deputies/999/revoke", "nnnnn", {}),
    Call(
        "ui.task_give",
        "POST",
        "/cases/{case}/tasks",
        "onoon",
        {"title": "Подготовить выписку", "assignee": "head", "working_days": 3},
    ),
    Call("ui.task_close", "POST", "/tasks/{task}/close", "fnofn", {"status": "done"}),
    Call("ui.archive", "GET", "/archive", "ffoof"),
    Call("ui.acts_page", "GET", "/archive/acts", "ffoof"),
    Call("ui.archive_draft_act", "POST", "/archive/acts", "fffof", {}),
    Call("ui.archive_act", "GET", "/archive/acts/999", "ffnnf"),
    Call("ui.archive_act_action", "POST", "/archive/acts/999/approve", "ffnff", {}),
    Call("ui.archive_act_file", "GET", "/archive/acts/999/docx", "ffnnf"),
    Call("ui.archive_destruction", "GET", "/archive/destruction", "fffof"),
    Call("ui.archive_expert_review", "POST", "/archive/destruction/review/{case}", "fnfon", {"decision": "destroy"}),
    Call("ui.archive_compile_inventory", "POST", "/archive/inventories", "fffof", {"year": "2026"}),
    Call("ui.archive_inventory", "GET", "/archive/inventories/999", "fffnf"),
    Call("ui.archive_inventory_file", "GET", "/archive/inventories/999/docx", "fffnf"),
    Call("ui.audit_page", "GET", "/audit", "ffofo"),
    Call("ui.audit_verify_page", "POST", "/audit/verify", "ffofo", {}),
    Call("ui.new_case", "GET", "/cases/new", "ooooo"),
    Call("ui.case", "GET", "/cases/{case}", "onoon"),
    Call("ui.choose_template", "GET", "/cases/{case}/forms", "onoon"),
    Call("ui.fill_form", "GET", "/cases/{case}/forms/inspection_act", "onoon"),
    Call("ui.case_grant", "POST", "/cases/{case}/grants", "ffoff", {"username": "victim", "reason": "для проверки"}),
    Call("ui.journal_add", "POST", "/cases/{case}/journal", "onofn", {"what": "contact", "occurred_on": "{today}"}),
    Call("ui.journal_cancel", "POST", "/journal/{journal}/cancel", "onofn", {"reason": "ошибочная запись"}),
    Call("ui.case_profile", "POST", "/cases/{case}/profile", "onofn", {"responsible": "spec1"}),
    Call("ui.case_edit", "POST", "/cases/{case}/edit", "onofn", {"title": "Исправленный", "reason": "опечатка"}),
    Call(
        "ui.cases_bulk_responsible",
        "POST",
        "/cases/responsible",
        "ffoff",
        {"case_id": "{case}", "responsible": "spec1", "reason": "перераспределение"},
    ),
    Call("ui.deadlines_page", "GET", "/deadlines", "ooooo"),
    Call("ui.statistical_report", "GET", "/reports/statistical?period=2026-Q3", "ffoff"),
    Call("ui.statistical_indicator", "GET", "/reports/statistical/4?period=2026-Q3", "ffoff"),
    Call(
        "ui.statistical_report_save",
        "POST",
        "/reports/statistical",
        "ffoff",
        {"period": "2026-Q3", "case_id": "{case}", "institution": "БУ «Центр»"},
    ),
    Call("ui.case_lifecycle", "POST", "/cases/{case}/lifecycle", "fnfon", {"action": "hold", "reason": "проверка"}),
    Call("ui.upload_document", "POST", "/cases/{case}/upload", "onofn", {}),
    Call("ui.upload_paper_signed", "POST", "/documents/{form}/paper", "onofn", {}),
    Call("ui.similar_documents", "GET", "/documents/{doc}/similar", "onofn"),
    Call("ui.edit_form", "GET", "/documents/{form}/edit", "onofn"),
    Call("ui.form_diff", "GET", "/documents/{form}/versions/1/diff", "onofn"),
    Call("ui.download_version", "GET", "/documents/{doc}/versions/1/download", "onofn"),
    Call("ui.version_pdf_page", "GET", "/documents/{doc}/versions/1/pdf", "onofn"),
    Call("ui.version_viewer", "GET", "/documents/{doc}/versions/1/view", "onofn"),
    Call("ui.compare_versions", "GET", "/documents/{doc}/compare?left=1&right=1", "onofn"),
    Call("ui.version_pages_poll", "GET", "/documents/{doc}/versions/1/pages.json", "onofn"),
    Call("ui.page_image_page", "GET", "/documents/{doc}/versions/1/pages/1.webp", "onofn"),
    Call("ui.page_image_page_before", "GET", "/documents/{doc}/versions/1/pages/1.jpg", "onofn"),
    Call("ui.page_thumbnail_page", "GET", "/documents/{doc}/versions/1/pages/1/thumbnail.webp", "onofn"),
    Call("ui.page_marks", "GET", "/documents/{doc}/versions/1/pages/1/marks.json?query=" + "x" * 22, "onofn"),
    Call("ui.sign_version", "POST", "/documents/{form}/versions/1/sign", "onofn", {"role": "составил", "pin": PIN}),
    Call("ui.document_workflow", "POST", "/documents/{doc}/workflow", "onofn", {"action": "submit"}),
    Call("ui.add_external_signature_form", "POST", "/documents/{doc}/versions/1/attached-signatures", "onofn", {}),
    Call("ui.check_external_signature_form", "POST", "/external-signatures/999/check", "nnnnn", {}),
    Call("ui.external_signature_file", "GET", "/external-signatures/999.p7s", "nnnnn"),
    Call("ui.external_signature_back", "GET", "/documents/{doc}/external-signatures", "onoon"),
    Call("ui.trusted_authorities_page", "GET", "/trusted-authorities", "ffffo"),
    Call("ui.add_trusted_authority_form", "POST", "/trusted-authorities", "ffffo", {}),
    Call("ui.remove_trusted_authority_form", "POST", "/trusted-authorities/999/remove", "ffffn", {}),
    Call("ui.document_edit", "POST", "/documents/{doc}/details", "onofn", {"title": "Акт", "reason": "опечатка"}),
    Call("ui.restore_version", "POST", "/documents/{doc}/versions/1/restore", "onofn", {"base_version": "1"}),
    Call("ui.check_out", "POST", "/documents/{doc}/checkout", "onofn", {}),
    Call("ui.check_in", "POST", "/documents/{doc}/checkin", "onofn", {"base_version": "1"}),
    Call("ui.cancel_checkout", "POST", "/documents/{doc}/checkout/cancel", "onoon", {"reason": "в отпуске"}),
    Call("ui.move_documents", "GET", "/cases/{case}/move?document={doc}", "onofn"),
    Call("ui.export_request", "POST", "/exports", "onofn", {"case_id": "{case}", "format": "pdf"}),
    Call("ui.exports_page", "GET", "/exports", "ooooo"),
    Call("ui.export_page", "GET", "/exports/{export}", "onnnn"),
    Call("ui.export_file", "GET", "/exports/{export}/download", "onnnn"),
    Call("ui.nomenclature", "GET", "/nomenclature", "ooooo"),
    Call("ui.nomenclature_edit", "GET", "/nomenclature/{entry}/edit", "fffoo"),
    Call(
        "ui.nomenclature_new",
        "POST",
        "/nomenclature/new",
        "fffoo",
        {"index": "09-01", "title": "Новая", "year": "2026"},
    ),
    Call("ui.nomenclature_copy", "POST", "/nomenclature/copy", "fffoo", {"year": "2026"}),
    Call("ui.nomenclature_import", "POST", "/nomenclature/import", "fffoo", {"year": "2027"}),
    Call("ui.nomenclature_delete", "POST", "/nomenclature/{own_entry}/delete", "fffoo", {}),
    Call("ui.search", "GET", "/search?q=акт", "ooooo"),
    Call("ui.search_submit", "POST", "/search", "ooooo", {"q": "акт"}),
    Call("ui.signature_file", "GET", "/signatures/{sig}.p7s", "onofn"),
    Call("ui.users_page", "GET", "/admin/users", "ffffo"),
    Call("ui.user_page", "GET", "/admin/users/{victim}", "ffffo"),
    Call("ui.templates_page", "GET", "/admin/templates", "ffffo"),
    Call("ui.district_save", "POST", "/admin/districts", "ffffo", {"code": "u9", "name": "Участок № 9"}),
    Call("ui.access_request_decide", "POST", "/access-requests/{access_request}", "ffoff", {"decision": "decline"}),
    Call("ui.password_page", "GET", "/account/password", "ooooo"),
    Call("ui.signing_pin_page", "GET", "/account/signing-pin", "ooooo"),
    Call("ui.reset_user_signing_pin", "POST", "/admin/users/victim/signing-pin/reset", "ffffo", {}),
    Call("ui.tokens_page", "GET", "/account/tokens", "ooooo"),
    Call("ui.token_revoke_page", "POST", "/account/tokens/{victim_token}/revoke", "nnnno", {}),
    Call("ui.user_email_save", "POST", "/admin/users/{victim}/email", "ffffo", {"email": "victim@example.ru"}),
    Call("ui.inbox_page", "GET", "/notifications", "ooooo"),
    Call("ui.notification_open", "GET", "/notifications/999", "nnnnn"),
    Call("ui.notification_read", "POST", "/notifications/999/read", "nnnnn", {}),
    Call("ui.notifications_read_all", "POST", "/notifications/read-all", "ooooo", {}),
    Call("ui.notification_settings_page", "GET", "/account/notifications", "ooooo"),
    # Hearings: whoever sees a case on the agenda sees the hearing; only the head builds this commission's (it has
    # no secretary); commissions are the institution's, listed to all.
    Call("ui.hearings_page", "GET", "/hearings?month=2026-06", "ooooo"),
    Call(
        "ui.hearing_create",
        "POST",
        "/hearings",
        "ffoff",
        {"commission_id": "{commission}", "starts_at": "2026-12-21T10:00"},
    ),
    Call("ui.hearing_page", "GET", "/hearings/{hearing}", "onoon"),
    Call("ui.hearing_find_cases", "POST", "/hearings/{hearing}/find", "fnofn", {"q": "дело"}),
    Call(
        "ui.hearing_item_add", "POST", "/hearings/{hearing}/items", "fnofn", {"case_id": "{case}", "question": "Вопрос"}
    ),
    Call(
        "ui.hearing_item_documents",
        "POST",
        "/hearings/{hearing}/items/{item}/documents",
        "fnofn",
        {"document_id": "{doc}"},
    ),
    Call("ui.hearing_item_remove", "POST", "/hearings/{hearing}/items/{item}/remove", "fnofn", {}),
    Call("ui.hearing_planned_put", "POST", "/hearings/{hearing}/planned/{planned}", "fnofn", {}),
    Call("ui.hearing_send_agenda", "POST", "/hearings/{hearing}/send", "fnofn", {}),
    Call("ui.hearing_mark_held", "POST", "/hearings/{hearing}/held", "fnofn", {}),
    Call(
        "ui.hearing_decision",
        "POST",
        "/hearings/{hearing}/items/{item}/decision",
        "fnofn",
        {"kind": "other", "decision": "Принять к сведению"},
    ),
    Call("ui.commissions_page", "GET", "/commissions", "ooooo"),
    Call("ui.commission_create", "POST", "/commissions", "ffoff", {"name": "КДН и ЗП", "kind": "kdn"}),
    Call(
        "ui.commission_member_add",
        "POST",
        "/commissions/{commission}/members",
        "ffoff",
        {"kind": "external", "name": "Новый Член"},
    ),
    Call("ui.commission_member_remove", "POST", "/commissions/{commission}/members/{member}/remove", "ffoff", {}),
    Call("ui.question_add", "POST", "/hearing-questions", "ffoff", {"title": "Новый вопрос"}),
    Call("ui.question_retire", "POST", "/hearing-questions/{question}/retire", "ffoff", {}),
    # The package from the page: built by the head (the test queue runs it at once), read by managers and by the
    # commission's internal members once the agenda is sent (not built yet: the head is told so on the page);
    # the protocol before the hearing is held, and a link before the agenda is sent: the head is told so.
    Call("ui.hearing_package_request", "POST", "/hearings/{hearing}/package", "fnofn", {}),
    Call("ui.hearing_package_file", "GET", "/hearings/{hearing}/package", "fnofn"),
    Call("ui.hearing_protocol", "POST", "/hearings/{hearing}/protocol", "fnofn", {}),
    Call("ui.hearing_link_make", "POST", "/hearings/{hearing}/members/{member}/link", "fnofn", {}),
    Call("ui.hearing_link_revoke", "POST", "/hearings/{hearing}/members/{member}/link/revoke", "fnofn", {}),
    # An external member's view of a package needs no account and no account helps: a token no link has is 404, and
    # without the view's cookie there is nothing to show (test_hearing_links.py opens a real link).
    Call("ui.link_open", "GET", "/l/" + "x" * 43, "nnnnn"),
    Call("ui.link_package", "GET", "/l/package", "nnnnn"),
    Call("ui.link_page_image", "GET", "/l/package/pages/1.jpg", "nnnnn"),
]


@dataclass(frozen=True)
class Snapshot:
    """The scene as its making left it (tests.scene_snapshot): the data folder, the world's API tokens, the scene's
    ids and each role's logged-in browser (its session cookie and CSRF token)."""

    data_dir: Path
    tokens: dict[str, str]
    scene: dict[str, Any]
    browsers: dict[str, tuple[str, str]]


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory, migrated_database: str) -> Iterator[Snapshot | None]:
    """The scene is made once a module (some 3 s) and copied for each of its 130-odd tests where a copy can be
    made (SQLite, local store); each test made it anew before."""
    if not snapshots_possible():
        yield None
        return
    data_dir = tmp_path_factory.mktemp("matrix-scene") / "data"
    data_dir.mkdir()
    shutil.copyfile(migrated_database, data_dir / "casefiles.db")
    app = create_app(APP_OVERRIDES, settings=make_settings(data_dir, f"sqlite:///{data_dir / 'casefiles.db'}"))
    with app.app_context():
        world = make_world(app.test_client())
        scene = make_scene(world)
        browsers = {role: _logged_in(app, username) for role, username in ROLES.items()}
        cookies = {role: (_session_cookie(browser), browser.csrf) for role, browser in browsers.items()}  # type: ignore[attr-defined]
        tokens = {name: api.token for name, api in world.clients.items()}
        db.session.remove()
        db.engine.dispose()
    frozen = data_dir.parent / "snapshot"
    freeze(data_dir, frozen)
    yield Snapshot(frozen, tokens, scene, cookies)


@pytest.fixture
def settings(settings: Settings, snapshot: Snapshot | None, request: pytest.FixtureRequest) -> Settings:
    """The tests' settings on a copy of the scene's data folder, when there is one and the test needs the scene."""
    if snapshot is not None and "scene" in request.fixturenames:
        thaw(snapshot.data_dir, settings.data_dir)
    return settings


@pytest.fixture
def world(app: Flask, client: FlaskClient, snapshot: Snapshot | None) -> World:
    if snapshot is None:
        return make_world(client)
    return World({name: ApiClient(client, token) for name, token in snapshot.tokens.items()})


@pytest.fixture
def scene(world: World, snapshot: Snapshot | None) -> dict[str, Any]:
    if snapshot is None:
        return make_scene(world)
    return copy.deepcopy(snapshot.scene)


@pytest.fixture
def browsers(app: Flask, scene: dict[str, Any], snapshot: Snapshot | None) -> dict[str, FlaskClient]:
    """A browser logged in as each role (the snapshot's session cookies, or a login in this test)."""
    if snapshot is None:
        return {role: _logged_in(app, username) for role, username in ROLES.items()}
    browsers = {}
    for role, (cookie, csrf_token) in snapshot.browsers.items():
        browser = app.test_client()
        browser.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
        browser.csrf = csrf_token  # type: ignore[attr-defined]
        browsers[role] = browser
    return browsers


def _session_cookie(browser: FlaskClient) -> str:
    cookie = browser.get_cookie(browser.application.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    return cookie.value


def make_scene(world: World) -> dict[str, Any]:
    """A case of district u1 with an uploaded document, a signed form, an export and a grant; an unused
    nomenclature entry; a user to deactivate and to grant access to, and a change of their access waiting for
    a head's confirmation; a commission (chair: the head, no secretary, an external member) with a planned hearing
    whose agenda has the case as its one item, an item of the case planned for a later hearing, and a question the
    head keeps."""
    case = world.open_case("spec1", "u1")
    doc = world.upload(case["id"], _pdf(), filename="scan.pdf")  # a PDF: no LibreOffice for its copy
    export = _finished_export(world, case["id"])
    form = fill(world, case["id"]).get_json()
    sig = world["spec1"].post(
        f"/api/v1/documents/{form['id']}/versions/1/signatures", json={"role": "составил", "pin": PIN}
    )
    entries = {}
    for number, role in enumerate(["", *ROLES], start=90):  # one to change, and one to delete for each role
        new_entry = {"index": f"04-{number}", "title": "Неиспользуемая статья", "year": 2026, "retention_years": 5}
        entries[role] = world["archivist"].post("/api/v1/nomenclature", json=new_entry).get_json()["id"]
    victim = create_user("victim", role="specialist", password=PASSWORD, district_codes=["u2"])
    create_api_token(victim)
    admin = db.session.scalar(db.select(User).where(User.username == "admin"))
    access_request = request_change(admin, victim, "specialist", ["u1", "u2"])
    db.session.commit()
    grant = (
        world["head"]
        .post(f"/api/v1/cases/{case['id']}/grants", json={"username": "spec2", "reason": "временный доступ"})
        .get_json()
    )
    world["head"].delete(f"/api/v1/cases/{case['id']}/grants/{grant['id']}")  # revoked: spec2 sees nothing again
    today = dt.date.today().isoformat()
    journal = world["spec1"].post(
        f"/api/v1/cases/{case['id']}/journal", json={"kind": "home_visit", "occurred_on": today}
    )
    live_grant = (
        world["head"]
        .post(f"/api/v1/cases/{case['id']}/grants", json={"username": "victim", "reason": "временный доступ"})
        .get_json()
    )
    hearing = _hearing(case["id"])
    task = world["spec1"].post(  # a task spec1 gave the head about the case
        "/api/v1/tasks", json={"case_id": case["id"], "title": "Выход в семью", "assignee": "head", "working_days": 3}
    )
    return {
        "task": task.get_json()["id"],
        **hearing,
        "case": case["id"],
        "doc": doc["id"],
        "form": form["id"],
        "sig": sig.get_json()["id"],
        "export": export.id,
        "job": export.job_id,
        "entry": entries[""],
        "entries": {role: entries[role] for role in ROLES},
        "act_fields": example_values("inspection_act"),
        "grant": live_grant["id"],
        "journal": journal.get_json()["id"],
        "today": today,
        "victim": victim.id,
        "access_request": access_request.id,
        "victim_token": db.session.scalar(db.select(ApiToken.id).where(ApiToken.user_id == victim.id)),
    }


def _hearing(case_id: int) -> dict[str, int]:
    """Made by the services (the hearings API is tested in test_hearings_api.py). No secretary: only the head
    builds this commission's agendas."""
    head = db.session.scalar(db.select(User).where(User.username == "head"))
    members = [
        MemberInput(username="head", role="chair"),
        MemberInput(name="Внешний Член", position="инспектор", organization="КДН и ЗП"),
    ]
    commission = hearings.create_commission(head, CommissionInput(name="Совет профилактики", members=members))
    question = hearings.add_question(head, "Вопрос для проверки доступа")
    starts_at = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=7)
    hearing = hearings.create_hearing(head, HearingInput(commission_id=commission.id, starts_at=starts_at))
    item = hearings.add_item(head, hearing.id, ItemInput(case_id=case_id, question_id=question.id))
    # An item a repeat decision planned for a later hearing (as approving a protocol files it back).
    planned = HearingItem(commission_id=commission.id, case_id=case_id, question="Повторно", planned_on=dt.date.today())
    db.session.add(planned)
    db.session.commit()
    external = next(member for member in commission.members if member.is_external)
    return {
        "commission": commission.id,
        "member": external.id,
        "question": question.id,
        "hearing": hearing.id,
        "item": item.id,
        "planned": planned.id,
    }


def _finished_export(world: World, case_id: int) -> Export:
    """An export as its job leaves it (the job itself is tested in test_exports.py; here only access counts)."""
    spec1 = db.session.scalar(db.select(User).where(User.username == "spec1"))
    job = Job(kind="export", params={}, status="done", progress=1.0, created_by_id=spec1.id)
    db.session.add(job)
    db.session.flush()
    stored = blob_store().put(f"exports/2026/{job.id}-test.zip", io.BytesIO(b"PK\x05\x06" + b"\0" * 18))
    export = Export(
        format="zip",
        case_ids=[case_id],
        job_id=job.id,
        created_by_id=spec1.id,
        expires_at=utcnow() + dt.timedelta(hours=1),
        file=StoredFile.of(stored, "export", "application/zip"),
    )
    db.session.add(export)
    db.session.flush()
    job.result = {"export_id": export.id}
    db.session.commit()
    return export


def _pdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Inspection act scan")
    return bytes(pdf.output())


def _outcome(status: int) -> str:
    if status == 403:
        return "f"
    if status == 404:
        return "n"
    assert status not in (401, 500), status
    return "o"


def _order(call: Call) -> list[str]:
    """Denied roles first: an allowed call may change the state (delete an entry, close the case)."""
    return sorted(ROLES, key=lambda role: call.expect["OXHAD".index(role)] == "o")


def _fill(value: Any, scene: dict[str, Any]) -> Any:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}") and value[1:-1] in scene:
        return scene[value[1:-1]]
    if isinstance(value, list):
        return [_fill(item, scene) for item in value]
    if isinstance(value, dict):
        return {key: _fill(item, scene) for key, item in value.items()}
    return value


READS = [call for call in API + PAGES if call.method == "GET"]
CHANGES = [call for call in API + PAGES if call.method != "GET"]


def test_every_read(world: World, scene: dict[str, Any], browsers: dict[str, FlaskClient]) -> None:
    """Reads change nothing (but the audit log), so they share one scene; every mismatch is reported at once."""
    wrong = {}
    for call in READS:
        got = _outcomes(call, world, browsers, scene)
        if got != call.expect:
            wrong[call.endpoint] = f"got {got}, expected {call.expect}"
    assert not wrong, "\n".join(f"{endpoint}: {outcome}" for endpoint, outcome in wrong.items())


@pytest.mark.parametrize("call", CHANGES, ids=[call.endpoint for call in CHANGES])
def test_every_change(call: Call, world: World, scene: dict[str, Any], browsers: dict[str, FlaskClient]) -> None:
    assert _outcomes(call, world, browsers, scene) == call.expect


def _outcomes(call: Call, world: World, clients: dict[str, FlaskClient], scene: dict[str, Any]) -> str:
    body = _fill(call.body, scene)
    got = {}
    for role in _order(call):
        path = call.path.format(**scene, own_entry=scene["entries"][role])  # a deleted entry stays deleted
        if call.endpoint.startswith("api."):
            api = world[ROLES[role]]
            answer = api.client.open(
                path, method=call.method, headers=api._headers(), json=body if call.method != "GET" else None
            )
        else:
            client = clients[role]
            forget_request_state()
            if call.method == "GET":
                answer = client.get(path)
            else:
                form = {key: str(value) for key, value in (body or {}).items()}
                answer = client.post(path, data={"csrf_token": client.csrf, **form})  # type: ignore[attr-defined]
            forget_request_state()
        got[role] = _outcome(answer.status_code)
    return "".join(got[role] for role in "OXHAD")


def _logged_in(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    forget_request_state()
    token = _csrf(client.get("/login").get_data(as_text=True))
    answer = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 302
    forget_request_state()
    client.csrf = _csrf(client.get("/").get_data(as_text=True))  # type: ignore[attr-defined]
    forget_request_state()
    return client


def test_every_endpoint_is_in_the_matrix(app: Flask) -> None:
    covered = {call.endpoint for call in API + PAGES}
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if not rule.endpoint.endswith("static")}
    assert endpoints - covered == set(), "add these to the authorization matrix"
    assert covered - endpoints == set()
