"""Imports every area's models so the metadata is complete (Alembic, create_app)."""

from webapp.archive.models import ArchiveInventory, DestructionAct
from webapp.audit.models import AuditChain, AuditEvent
from webapp.auth.models import AccessRequest, ApiToken, Deputy, District, User, user_districts
from webapp.backups.models import BackupRun
from webapp.blobs.models import BlobRelocation, StoredFile
from webapp.cases.models import Case, CaseEvent, CaseGrant, FormerNumber
from webapp.documents.models import (
    Document,
    DocumentCheckout,
    DocumentTransition,
    DocumentVersion,
    PaperSignature,
)
from webapp.exports.models import Export
from webapp.extensions import Base
from webapp.forms.models import FormTemplate, FormTemplateVersion
from webapp.hearings.models import (
    Commission,
    CommissionMember,
    Hearing,
    HearingItem,
    HearingItemDocument,
    HearingLink,
    HearingQuestion,
)
from webapp.jobs.models import Job
from webapp.nomenclature.models import NomenclatureEntry, NomenclatureSection
from webapp.notifications.models import DailyMark, MailMessage, Notification, NotificationSetting
from webapp.previews.models import PagePreview, PreviewPage
from webapp.renditions.models import Rendition
from webapp.search.models import IndexOutbox, VersionText
from webapp.signing.models import ExternalSignature, Signature, SigningCertificate, TrustedAuthority
from webapp.support.models import SupportEvent
from webapp.tasks.models import Task

__all__ = [
    "AccessRequest",
    "ApiToken",
    "ArchiveInventory",
    "AuditChain",
    "AuditEvent",
    "BackupRun",
    "Base",
    "BlobRelocation",
    "Case",
    "CaseEvent",
    "CaseGrant",
    "Commission",
    "CommissionMember",
    "DailyMark",
    "Deputy",
    "DestructionAct",
    "District",
    "Document",
    "DocumentCheckout",
    "DocumentTransition",
    "DocumentVersion",
    "Export",
    "ExternalSignature",
    "FormTemplate",
    "FormTemplateVersion",
    "FormerNumber",
    "Hearing",
    "HearingItem",
    "HearingItemDocument",
    "HearingLink",
    "HearingQuestion",
    "IndexOutbox",
    "Job",
    "MailMessage",
    "NomenclatureEntry",
    "NomenclatureSection",
    "Notification",
    "NotificationSetting",
    "PagePreview",
    "PaperSignature",
    "PreviewPage",
    "Rendition",
    "Signature",
    "SigningCertificate",
    "StoredFile",
    "SupportEvent",
    "Task",
    "TrustedAuthority",
    "User",
    "VersionText",
    "user_districts",
]
