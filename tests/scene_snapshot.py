"""A scene built once and copied for each test that needs it: the data folder of an app (its SQLite database,
blobs, search index, CA, job queue) as the scene left it, put in place of a test's data folder before the test's
app opens it. Each test still starts from the same state and may change it at will; only the making is shared.

Only on SQLite with the local store (tests.conftest.snapshots_possible): on PostgreSQL (one database for all tests)
and on S3 (one bucket) there is no folder to copy, and a test makes its scene itself."""

from __future__ import annotations

import shutil
from pathlib import Path

_SQLITE_HEADER = b"SQLite format 3\0"
_SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def freeze(data_dir: Path, snapshot: Path) -> None:
    """Copy the data folder of an app whose connections are closed to `snapshot` (which must not exist). SQLite
    files are copied through SQLite's backup API, so what their write-ahead logs hold is in the copy."""
    import sqlite3

    shutil.copytree(data_dir, snapshot, ignore=_sqlite_side_files)
    for path in snapshot.rglob("*"):
        if path.is_file() and _is_sqlite(path):
            with sqlite3.connect(data_dir / path.relative_to(snapshot)) as source, sqlite3.connect(path) as target:
                source.backup(target)
            source.close()
            target.close()


def thaw(snapshot: Path, data_dir: Path) -> None:
    """Make `data_dir` a copy of `snapshot`, whatever it held."""
    shutil.rmtree(data_dir)
    shutil.copytree(snapshot, data_dir)


def _sqlite_side_files(folder: str, names: list[str]) -> set[str]:
    return {name for name in names if name.endswith(_SQLITE_SIDE_FILES)}


def _is_sqlite(path: Path) -> bool:
    with path.open("rb") as file:
        return file.read(len(_SQLITE_HEADER)) == _SQLITE_HEADER
