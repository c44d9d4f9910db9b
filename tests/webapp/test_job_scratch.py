"""Workers keep temporary files in a scratch folder of their own, locked while they live; a sweep removes the
folders of dead workers (never a live one's) and our stale temporary folders, and nothing else."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from webapp.jobs.scratch import GRACE, sweep

REPO = Path(__file__).parents[2]
# A worker's start as far as its scratch folder goes: make it, write a temporary folder into it, wait.
WORKER = """
import tempfile, time
from webapp.jobs.scratch import use_scratch_folder
folder = use_scratch_folder()
copy = tempfile.mkdtemp(prefix="casefiles-pdf-")
print(folder, copy, flush=True)
time.sleep(300)
"""


def _aged(path: Path, seconds: float) -> Path:
    path.mkdir()
    then = time.time() - seconds
    os.utime(path, (then, then))
    return path


def test_a_dead_workers_folder_is_swept_and_a_live_ones_is_not(tmp_path: Path) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    first, second = (
        subprocess.Popen([sys.executable, "-c", WORKER], cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    )
    try:
        folders = []
        for worker in (first, second):
            assert worker.stdout is not None
            folder, copy = (Path(path) for path in worker.stdout.readline().split())
            assert folder.parent == tmp_path and copy.parent == folder  # the copy is inside the worker's folder
            folders.append(folder)
        assert sweep(tmp_path) == 0
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
        assert sweep(tmp_path) == 1
        assert not folders[0].exists() and folders[1].exists()
    finally:
        for worker in (first, second):
            with worker:
                worker.kill()


def test_stale_temporary_folders_go_and_nothing_else(tmp_path: Path) -> None:
    old = GRACE.total_seconds() + 60
    stale = [_aged(tmp_path / name, old) for name in ("casefiles-pdf-a1", "casefiles-export-b2", "casefiles-lo-c3")]
    unlocked_old = _aged(tmp_path / "casefiles-worker-d4", old)  # a worker that died before locking its folder
    young = [_aged(tmp_path / name, 60) for name in ("casefiles-export-e5", "casefiles-worker-f6")]
    others = [_aged(tmp_path / name, old) for name in ("casefiles-moto-g7", "casefiles-swift-h8", "other-pdf-i9")]
    target = _aged(tmp_path / "elsewhere", old)
    (target / "keep.txt").write_text("x")
    (tmp_path / "casefiles-pdf-link").symlink_to(target)
    assert sweep(tmp_path) == 4
    assert not any(path.exists() for path in [*stale, unlocked_old])
    assert all(path.exists() for path in [*young, *others, target / "keep.txt"])
