"""`casefiles serve` and `casefiles worker` as real processes for the tests that talk to them over HTTP."""

from __future__ import annotations

import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

CASEFILES = shutil.which("casefiles") or str(Path(sys.executable).with_name("casefiles"))
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def casefiles(env: dict[str, str], *args: str, stdin: str = "") -> str:
    """Run one `casefiles` command to its end; its standard output."""
    done = subprocess.run([CASEFILES, *args], env=env, input=stdin, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"casefiles {args[0]}: {done.stderr[-2000:]}"
    return done.stdout


@dataclass
class Process:
    process: subprocess.Popen[bytes]
    log: Path
    url: str = ""

    def stop(self) -> int:
        """SIGTERM, as a service manager stops it; the exit status."""
        self.terminate()
        return self.wait()

    def terminate(self) -> None:
        self.process.send_signal(signal.SIGTERM)

    def wait(self) -> int:
        try:
            return self.process.wait(timeout=60)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as handle:  # the child keeps its own copy of the descriptor
        return subprocess.Popen([CASEFILES, *args], env=env, stdout=handle, stderr=subprocess.STDOUT)


def start_serve(env: dict[str, str], log: Path, *, workers: int) -> Process:
    return wait_until_serving(launch_serve(env, log, workers=workers))


def launch_serve(env: dict[str, str], log: Path, *, workers: int) -> Process:
    """Start `casefiles serve` on a free port without waiting for it (see wait_until_serving)."""
    port = free_port()
    process = _start(["serve", "--port", str(port)], {**env, "CASEFILES_WEB_WORKERS": str(workers)}, log)
    return Process(process, log, f"http://127.0.0.1:{port}")


def wait_until_serving(server: Process) -> Process:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.process.poll() is None, f"casefiles serve exited: {server.log.read_text()[-2000:]}"
        try:
            if requests.get(f"{server.url}/api/v1/health", timeout=5).status_code == 200:
                return server
        except (requests.ConnectionError, requests.Timeout):  # the master listens before its worker has the app
            time.sleep(0.2)
    server.process.kill()
    raise AssertionError(f"casefiles serve did not answer: {server.log.read_text()[-2000:]}")


def start_worker(env: dict[str, str], log: Path) -> Process:
    return Process(_start(["worker"], env, log), log)


def log_in(server: Process, username: str, password: str) -> requests.Session:
    browser = requests.Session()
    form = browser.get(f"{server.url}/login", timeout=30)
    match = CSRF.search(form.text)
    assert match, "no CSRF token on the login page"
    answer = browser.post(
        f"{server.url}/login",
        data={"csrf_token": match.group(1), "username": username, "password": password},
        timeout=30,
    )
    assert answer.status_code == 200 and "/login" not in answer.url, "login failed"
    return browser
