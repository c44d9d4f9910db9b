"""Access to the per-application singletons (blob store, search index, signing CA) for services."""

from __future__ import annotations

from flask import current_app

from search_index import SearchIndex
from storage import BlobStore
from webapp.signing.pki import CertificateAuthority, ensure_ca


def blob_store() -> BlobStore:
    store: BlobStore = current_app.extensions["casefiles.blob_store"]
    return store


def search_index() -> SearchIndex:
    index: SearchIndex = current_app.extensions["casefiles.search_index"]
    return index


def signing_authority() -> CertificateAuthority:
    """The institution's signing CA, created on first use when `casefiles init` has not made it yet."""
    authority: CertificateAuthority | None = current_app.extensions.get("casefiles.signing_ca")
    if authority is None:
        settings = current_app.config["CASEFILES"]
        authority, _ = ensure_ca(settings.ca_dir, settings.institution_name)
        current_app.extensions["casefiles.signing_ca"] = authority
    return authority
