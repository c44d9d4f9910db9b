"""Access to the per-application singletons (blob store, search index) for services."""

from __future__ import annotations

from flask import current_app

from search_index import SearchIndex
from storage import BlobStore


def blob_store() -> BlobStore:
    store: BlobStore = current_app.extensions["casefiles.blob_store"]
    return store


def search_index() -> SearchIndex:
    index: SearchIndex = current_app.extensions["casefiles.search_index"]
    return index
