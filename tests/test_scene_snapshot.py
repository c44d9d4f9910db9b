"""The tests' scene snapshots (tests.scene_snapshot) copy what a scene wrote, its write-ahead log included."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.scene_snapshot import freeze, thaw


def test_a_thawed_copy_holds_what_the_write_ahead_log_held_and_nothing_the_test_added(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    (data_dir / "blobs").mkdir(parents=True)
    (data_dir / "blobs" / "a.txt").write_bytes(b"blob")
    writer = sqlite3.connect(data_dir / "casefiles.db")
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")  # the rows stay in the log, not in the database file
    writer.execute("CREATE TABLE users (name TEXT)")
    writer.execute("INSERT INTO users VALUES ('spec1')")
    writer.commit()
    assert (data_dir / "casefiles.db-wal").stat().st_size > 0
    freeze(data_dir, tmp_path / "snapshot")
    writer.close()
    assert not (tmp_path / "snapshot" / "casefiles.db-wal").exists()

    test_dir = tmp_path / "test"
    test_dir.mkdir()
    (test_dir / "leftover").write_text("from the template")
    thaw(tmp_path / "snapshot", test_dir)
    (test_dir / "blobs" / "b.txt").write_bytes(b"a test's")
    with sqlite3.connect(test_dir / "casefiles.db") as copy:
        assert copy.execute("SELECT name FROM users").fetchall() == [("spec1",)]
        copy.execute("INSERT INTO users VALUES ('spec2')")
    copy.close()

    thaw(tmp_path / "snapshot", test_dir)  # the next test's copy
    assert sorted(path.name for path in test_dir.rglob("*")) == ["a.txt", "blobs", "casefiles.db"]
    with sqlite3.connect(test_dir / "casefiles.db") as copy:
        assert copy.execute("SELECT name FROM users").fetchall() == [("spec1",)]
    copy.close()
