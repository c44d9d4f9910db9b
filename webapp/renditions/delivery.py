"""Getting a version's PDF for a response: shared by the API and the pages."""

from __future__ import annotations

import datetime as dt
import io

from webapp.auth.models import User
from webapp.blobs.integrity import OpenBlob, read_checked
from webapp.documents.models import DocumentVersion
from webapp.jobs.models import Job
from webapp.jobs.services import refreshed
from webapp.renditions.services import pdf_for
from webapp.signing.services import checked_signatures
from webapp.signing.sheet import with_signature_sheet
from webapp.uow import commit


def fetch_pdf(actor: User, version: DocumentVersion) -> tuple[OpenBlob | None, Job | None]:
    """The PDF when ready, with a signature sheet when the version is signed (the stored PDF checked whole
    before the sheet is added to it); else the job making it (failed, queued or running)."""
    blob, job = pdf_for(actor, version)
    commit()  # the read is on record, and a new job goes to the queue
    if job is not None and refreshed(job).status == "done":  # an immediate queue has made it already
        blob, job = pdf_for(actor, version)
        commit()
    if blob is not None and (version.signatures or version.paper_signatures):
        pdf = io.BytesIO(read_checked(blob))
        blob = OpenBlob(with_signature_sheet(pdf, version, checked_signatures(version), dt.datetime.now(dt.UTC)), None)
    return blob, job
