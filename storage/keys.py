"""Storage keys follow the nomenclature and carry no personal data or user-supplied names."""

from __future__ import annotations

import re

from storage.base import InvalidKey

MAX_KEY_LENGTH = 512
_SEGMENT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_INDEX_RE = re.compile(r"^\d{1,3}(?:[-.]\d{1,3}){0,3}$")


def version_key(year: int, nomenclature_index: str, case_sequence: int, document_id: int, version: int) -> str:
    """`2026/04-05/017/123/v3`: year / entry index / case sequence / document id / version."""
    if not _INDEX_RE.match(nomenclature_index):
        raise InvalidKey("nomenclature index must look like 04-05")
    if min(year, case_sequence, document_id, version) < 1:
        raise InvalidKey("key numbers must be positive")
    return validate_key(f"{year}/{nomenclature_index}/{case_sequence:03d}/{document_id}/v{version}")


def validate_key(key: str) -> str:
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidKey("a key is a non-empty string of at most 512 characters")
    segments = key.split("/")
    for segment in segments:
        if not _SEGMENT_RE.match(segment) or segment in (".", ".."):
            raise InvalidKey("key segments are [A-Za-z0-9][A-Za-z0-9._-]*, separated by single slashes")
    return key
