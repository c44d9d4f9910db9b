"""Everything casefiles keeps on disk (database, index, blobs, job queue, keys) is its owner's alone, whatever the
umask it was started with; `casefiles init` takes group and other bits off what an older version left."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.dying import in_the_app

REPO = Path(__file__).parents[2]
LOOSE_UMASK = 0o022  # the usual default: files 0644, folders 0755

# Work that writes everywhere: a user, a case, an uploaded document (a blob, the index, a queued PDF job).
ACTIVITY = in_the_app(
    """
    add_document(user, case.id, DocumentMeta(title="Акт"), Upload(io.BytesIO("акт обследования".encode()), "a.txt"))
    webapp.uow.commit()
    """
)


def casefiles(env: dict[str, str], *args: str) -> str:
    """Run the command line as an operator would, with a permissive umask."""
    command = [sys.executable, "-c", "from webapp.cli import main; main()", *args]
    done = subprocess.run(command, env=env, umask=LOOSE_UMASK, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def environment(data_dir: Path, ca_dir: Path | None = None) -> dict[str, str]:
    env = {**os.environ, "CASEFILES_DATA_DIR": str(data_dir), "PYTHONPATH": str(REPO)}
    for name in ("CASEFILES_DATABASE_URL", "CASEFILES_STORAGE", "CASEFILES_QUEUE_URL", "CASEFILES_CA_DIR"):
        env.pop(name, None)
    if ca_dir is not None:
        env["CASEFILES_CA_DIR"] = str(ca_dir)
    return env


def shared(*roots: Path) -> list[str]:
    """Files and folders under `roots` (the roots included) that the group or others may use in any way."""
    found = []
    for root in roots:
        for path in [root, *root.rglob("*")]:
            mode = path.lstat().st_mode
            if not stat.S_ISLNK(mode) and mode & 0o077:
                found.append(f"{path.relative_to(root.parent)} {stat.filemode(mode)}")
    return found


def test_a_fresh_data_folder_is_the_owners_alone(tmp_path: Path) -> None:
    data = tmp_path / "data"  # not there yet: created by the first command
    env = environment(data)
    casefiles(env, "init")
    activity = subprocess.run(
        [sys.executable, "-c", ACTIVITY], env=env, umask=LOOSE_UMASK, capture_output=True, text=True, check=False
    )
    assert activity.returncode == 0, activity.stderr
    casefiles(env, "reindex")
    casefiles(env, "storage", "gc")
    kept = {path.name for path in data.iterdir()}
    assert {"casefiles.db", "blobs", "index", "jobs.sqlite3", "secret_key", "ca"} <= kept
    assert any(path.is_file() for path in (data / "blobs").rglob("v1-*"))  # the upload is there to be checked
    assert shared(data) == []


def test_init_takes_group_and_other_bits_off_what_is_there(tmp_path: Path) -> None:
    data, ca = tmp_path / "data", tmp_path / "ca-elsewhere"
    env = environment(data, ca)
    casefiles(env, "init")
    outside = tmp_path / "outside.txt"
    outside.write_text("not ours")
    outside.chmod(0o644)
    (data / "link-to-outside").symlink_to(outside)
    folders = [data, data / "index", data / "blobs", ca]
    files = [data / "casefiles.db", ca / "ca.pem", *(data / "index").iterdir()]
    for folder in folders:
        folder.chmod(0o755)
    for path in files:
        path.chmod(0o644)
    assert len(shared(data, ca)) == len(folders) + len(files)

    output = casefiles(env, "init")
    tightened = re.search(r"file modes: owner only \((\d+) files and folders tightened\)", output)
    # At least those; SQLite gives the journal files it opens meanwhile the database file's mode.
    assert tightened is not None and int(tightened[1]) >= len(folders) + len(files)
    assert shared(data, ca) == []
    assert stat.S_IMODE(outside.stat().st_mode) == 0o644  # a symbolic link is neither followed nor changed
    assert stat.S_IMODE((ca / "ca-key.pem").stat().st_mode) == 0o600


def test_an_atomic_file_appears_whole_or_not_at_all(tmp_path: Path) -> None:
    from webapp.filemodes import atomic_file, write_atomically

    target = tmp_path / "keys" / "ca.pem"
    umask = os.umask(LOOSE_UMASK)
    try:
        write_atomically(target, b"old", mode=0o644)  # a certificate, for everyone to read
    finally:
        os.umask(umask)
    assert target.read_bytes() == b"old"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644

    with pytest.raises(OSError, match="disk full"), atomic_file(target) as handle:
        handle.write(b"half of the new")
        assert target.read_bytes() == b"old"  # not there until written whole
        raise OSError("disk full")
    assert target.read_bytes() == b"old"
    assert [path.name for path in target.parent.iterdir()] == ["ca.pem"]  # no temporary file left

    write_atomically(target, b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
