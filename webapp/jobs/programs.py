"""External programs (LibreOffice, Tesseract, pdftoppm) never outlive the job, or the process, that started them.

Each program runs under a guard: a small Python process leading a process group of its own. The kernel sends the
guard SIGTERM when the thread that started it dies (PR_SET_PDEATHSIG; a worker killed with -9 included), and the
guard then kills its whole group. A group is needed because a program may fork: LibreOffice's launcher starts
soffice.bin, which lives on when only the launcher is killed. A timeout, or any error while waiting, kills the
group too, and the guard kills what is left of its group once the program exits.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from contextlib import suppress
from pathlib import Path

GUARD = Path(__file__).with_name("guard.py")


def run_program(command: list[str], *, timeout: float) -> subprocess.CompletedProcess[bytes]:
    """Run `command` under a guard (see above) and return its exit code and output, like subprocess.run.
    Raises subprocess.TimeoutExpired after `timeout` seconds, when the program and its children are dead."""
    guarded = [sys.executable, "-I", "-S", str(GUARD), str(os.getpid()), *command]
    with subprocess.Popen(  # noqa: S603 - the command is ours, never a shell
        guarded, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    ) as process:
        try:
            out, err = process.communicate(timeout=timeout)
        except BaseException:
            kill_group(process.pid)  # not reaped yet, so the group id is still the guard's own
            raise
    return subprocess.CompletedProcess(command, process.returncode, out, err)


def kill_group(group: int) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signal.SIGKILL)
