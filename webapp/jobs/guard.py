"""The guard of an external program (see webapp.jobs.programs), run as a script by the standard library alone:
`python -I -S guard.py PARENT_PID PROGRAM [ARG...]`, in a new session, so it leads the program's process group.

It arms the kernel to signal it when its parent thread dies, runs the program, and kills the whole group when
it is signalled (the parent died, or gave up on the program); after the program exits it kills what the program
left running in the group, then exits with the program's code.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from types import FrameType

PR_SET_PDEATHSIG = 1


def end(signum: int = 0, frame: FrameType | None = None) -> None:
    os.killpg(0, signal.SIGKILL)


def die_with(parent: int) -> None:
    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(signum, end)
    try:
        if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM) != 0:
            raise OSError(ctypes.get_errno(), "prctl")
    except (OSError, AttributeError):  # no prctl (not Linux): look for the parent every second instead
        threading.Thread(target=_watch, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # the parent died before the signal was armed
        end()


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1)
    end()


def kill_the_rest() -> None:
    if not os.path.isdir("/proc"):
        return
    me = os.getpid()
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == me:
            continue
        try:
            if os.getpgid(int(name)) == me:
                os.kill(int(name), signal.SIGKILL)
        except OSError:
            continue  # gone meanwhile, or not ours


def main(argv: list[str]) -> int:
    die_with(int(argv[0]))
    code = subprocess.Popen(argv[1:]).wait()  # noqa: S603 - the program the parent asked for
    kill_the_rest()
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
