"""Access to the per-application singletons (blob store, search index, signing CA) and settings (the
institution's time zone) for services."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app

from search_index import SearchIndex
from search_index.postgres import PostgresSearchIndex
from storage import BlobStore
from webapp.signing.pki import CertificateAuthority, ensure_ca


def blob_store() -> BlobStore:
    store: BlobStore = current_app.extensions["casefiles.blob_store"]
    return store


def search_index() -> SearchIndex | PostgresSearchIndex:
    """The index searches use: the whoosh folder or PostgreSQL's (CASEFILES_SEARCH, see webapp.search.services)."""
    index: SearchIndex | PostgresSearchIndex = current_app.extensions["casefiles.search_index"]
    return index


def signing_authority() -> CertificateAuthority:
    """The institution's signing CA, created on first use when `casefiles init` has not made it yet."""
    authority: CertificateAuthority | None = current_app.extensions.get("casefiles.signing_ca")
    if authority is None:
        settings = current_app.config["CASEFILES"]
        authority, _ = ensure_ca(settings.ca_dir, settings.institution_name)
        current_app.extensions["casefiles.signing_ca"] = authority
    return authority


def institution_zone() -> ZoneInfo:
    """The institution's time zone (CASEFILES_TIMEZONE)."""
    return ZoneInfo(current_app.config["CASEFILES"].timezone)


def local_time(moment: dt.datetime) -> dt.datetime:
    """A stored (UTC) moment in the institution's time zone (CASEFILES_TIMEZONE), as pages and documents show it."""
    return moment.astimezone(institution_zone())


def local_today() -> dt.date:
    """The institution's date now (CASEFILES_TIMEZONE): the day deadlines, tasks, deputies and digests count in."""
    return dt.datetime.now(institution_zone()).date()
