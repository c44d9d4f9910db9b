"""External programs of jobs run under a guard: a timeout, the end of the program and the death of the process
that started it (kill -9) all take everything the program started with them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.processes import alive, wait_for
from webapp.jobs.programs import run_program

REPO = Path(__file__).parents[2]


def _forking(pids: Path, then: str = "wait") -> list[str]:
    """A program that starts two children (as LibreOffice's launcher starts soffice.bin), noting their pids."""
    return ["sh", "-c", f"sleep 300 & echo $! >> {pids}; sleep 300 & echo $! >> {pids}; {then}"]


def _started(pids: Path) -> list[int]:
    wait_for(lambda: pids.exists() and len(pids.read_text().split()) == 2, 10, "both children")
    return [int(pid) for pid in pids.read_text().split()]


def test_a_program_runs_and_tells_its_code_and_output() -> None:
    done = run_program(["sh", "-c", "echo out; echo err >&2; exit 3"], timeout=30)
    assert (done.returncode, done.stdout, done.stderr) == (3, b"out\n", b"err\n")


def test_a_timeout_kills_the_program_and_what_it_started(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    with pytest.raises(subprocess.TimeoutExpired):
        run_program(_forking(pids), timeout=2)
    children = _started(pids)
    wait_for(lambda: not any(alive(pid) for pid in children), 5, "the children to die")


def test_what_a_program_leaves_running_is_killed_when_it_ends(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    done = run_program(_forking(pids, then="exit 0"), timeout=30)
    assert done.returncode == 0
    children = _started(pids)
    wait_for(lambda: not any(alive(pid) for pid in children), 5, "the children to die")


def test_a_program_dies_with_the_process_that_started_it(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    script = f"from webapp.jobs.programs import run_program; run_program({_forking(pids)!r}, timeout=300)"
    starter = subprocess.Popen([sys.executable, "-c", script], cwd=REPO)
    try:
        children = _started(pids)
        os.kill(starter.pid, signal.SIGKILL)
    finally:
        starter.kill()
        starter.wait()
    wait_for(lambda: not any(alive(pid) for pid in children), 5, "the children to die")
