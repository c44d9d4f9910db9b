"""Storage keys follow the nomenclature and carry no personal data or user-supplied names."""

from __future__ import annotations

import re

from storage.base import InvalidKey

MAX_KEY_LENGTH = 512
# Always used with fullmatch(): with match() and "$" a trailing "\n" would slip through.
_SEGMENT_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
# re.ASCII: plain \d also accepts other scripts' digits ("٠٤-٠٥"), which are not nomenclature indexes.
_INDEX_RE = re.compile(r"\d{1,3}(?:[-.]\d{1,3}){0,3}", re.ASCII)


def version_key(
    year: int,
    nomenclature_index: str,
    case_sequence: int,
    document_id: int,
    version: int,
) -> str:
    """`2026/04-05/017/123/v3`: year / entry index / case sequence / document id / version."""
    if min(document_id, version) < 1:
        raise InvalidKey("key numbers must be positive")
    return validate_key(f"{_case_part(year, nomenclature_index, case_sequence)}/{document_id}/v{version}")


def rehome_key(key: str, year: int, nomenclature_index: str, case_sequence: int) -> str:
    """The key `key` (a version's, or a file derived from it) would have under another case: the case part
    (year / entry index / case sequence) replaced, the document id and what follows kept."""
    parts = validate_key(key).split("/")
    if len(parts) < _CASE_PARTS + 2:
        raise InvalidKey("not a key under a case")
    return validate_key("/".join([_case_part(year, nomenclature_index, case_sequence), *parts[_CASE_PARTS:]]))


_CASE_PARTS = 3


def _case_part(year: int, nomenclature_index: str, case_sequence: int) -> str:
    if not isinstance(nomenclature_index, str) or not _INDEX_RE.fullmatch(nomenclature_index):
        raise InvalidKey("nomenclature index must look like 04-05")
    if min(year, case_sequence) < 1:
        raise InvalidKey("key numbers must be positive")
    return f"{year}/{nomenclature_index}/{case_sequence:03d}"


def validate_key(key: str) -> str:
    """Return `key` unchanged if it is a safe storage key, else raise InvalidKey.

    The rules are strict enough that a key maps to a path under the root on any filesystem and to an
    S3 object name without escaping: ASCII only, no separators other than "/", no "." or ".." tricks.
    """
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidKey(f"a key is a non-empty string of at most {MAX_KEY_LENGTH} characters")
    # ".." is refused anywhere, not only as a whole segment: no legitimate key needs it.
    if ".." in key or not all(is_key_segment(segment) for segment in key.split("/")):
        raise InvalidKey("key segments are [A-Za-z0-9][A-Za-z0-9._-]*, separated by single slashes")
    return key


def is_key_segment(name: str) -> bool:
    """Whether `name` may be one "/"-separated part of a key (stores also use it to skip foreign files)."""
    return _SEGMENT_RE.fullmatch(name) is not None
