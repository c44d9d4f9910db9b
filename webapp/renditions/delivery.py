"""Getting a version's PDF for a response: shared by the API and the pages."""

from __future__ import annotations

import datetime as dt
from typing import BinaryIO

from webapp.auth.models import User
from webapp.documents.models import DocumentVersion
from webapp.jobs.models import Job
from webapp.jobs.services import refreshed
from webapp.renditions.services import pdf_for
from webapp.signing.services import checked_signatures
from webapp.signing.sheet import with_signature_sheet
from webapp.uow import commit


def fetch_pdf(actor: User, version: DocumentVersion) -> tuple[BinaryIO | None, Job | None]:
    """The PDF stream when ready, with a signature sheet when the version is signed; else the job making it
    (failed, queued or running)."""
    stream, job = pdf_for(actor, version)
    commit()  # the read is on record, and a new job goes to the queue
    if job is not None and refreshed(job).status == "done":  # an immediate queue has made it already
        stream, job = pdf_for(actor, version)
        commit()
    if stream is not None and (version.signatures or version.paper_signatures):
        stream = with_signature_sheet(stream, version, checked_signatures(version), dt.datetime.now(dt.UTC))
    return stream, job
