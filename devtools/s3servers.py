"""Real S3-compatible servers on localhost for the tests and the benchmarks (no mocks patched into boto3).

* ``swift_server()`` runs OpenStack Swift (Debian packages ``swift-proxy swift-account swift-container
  swift-object``) as a one-node cluster in a temporary directory: one-replica rings with a single device,
  tempauth, and the ``s3api`` middleware in the proxy pipeline. It serves buckets, objects, prefix listings,
  multipart uploads and presigned URLs, but silently ignores S3 Object Lock.
* ``moto_server()`` runs moto's standalone server (``moto[server]`` from PyPI), which does enforce Object Lock.

Both are context managers that yield an ``S3Endpoint`` and stop their processes (whole process groups) and
remove their files on exit; an ``atexit`` hook and ``PR_SET_PDEATHSIG`` catch the cases where the ``with``
block is never left normally. A missing dependency raises ``RuntimeError`` naming what to install, so tests
fail rather than skip.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import importlib.util
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import boto3
from botocore.config import Config

SWIFT_PACKAGES = "swift-proxy swift-account swift-container swift-object"
SWIFT_ACCESS_KEY = "test:tester"  # tempauth's account:user
SWIFT_SECRET_KEY = "testing"
SWIFT_SERVERS = ("account", "container", "object", "proxy")
# The Debian packages install their scripts with this interpreter and their code in its dist-packages.
SWIFT_PYTHON = "/usr/bin/python3"
STARTUP_TIMEOUT = 30.0
REGION = "us-east-1"


@dataclass(frozen=True)
class S3Endpoint:
    url: str
    access_key: str
    secret_key: str
    region: str


def boto3_client(endpoint: S3Endpoint, **config: Any) -> Any:
    """An S3 client for ``endpoint``: path-style addressing, SigV4, the endpoint's region; ``config`` overrides
    any of the ``botocore.config.Config`` settings below.

    Checksums are only sent or validated where an operation requires them, as ``storage.s3.make_client`` does:
    since botocore 1.36 every upload carries a CRC32 checksum by default (a header over plain HTTP, an
    ``aws-chunked`` trailer over HTTPS), which servers that predate the feature may reject. Swift 2.30 over
    HTTP ignores the header, so the default would work there too. Note that neither setting sends
    ``Content-MD5``, which Swift 2.30 still demands for DeleteObjects (see tests/storage/test_s3servers.py).
    """
    settings: dict[str, Any] = {
        "signature_version": "s3v4",
        "s3": {"addressing_style": "path"},
        "request_checksum_calculation": "when_required",
        "response_checksum_validation": "when_required",
        "retries": {"max_attempts": 3, "mode": "standard"},
        "connect_timeout": 5,
        "read_timeout": 30,
    }
    settings.update(config)
    return boto3.client(
        "s3",
        endpoint_url=endpoint.url,
        aws_access_key_id=endpoint.access_key,
        aws_secret_access_key=endpoint.secret_key,
        region_name=endpoint.region,
        config=Config(**settings),
    )


# --- process handling -------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    """Runs in the child before exec: get SIGKILLed if the test process dies without cleaning up (Linux)."""
    with contextlib.suppress(Exception):
        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


class _Processes:
    """Child processes, each in its own process group, with their log files; stopped together."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.procs: list[tuple[str, subprocess.Popen[bytes], IO[bytes]]] = []
        atexit.register(self.stop)

    def start(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        log = (self.log_dir / f"{name}.log").open("wb")
        try:
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,  # own process group: killpg reaches any workers it forks
                preexec_fn=_die_with_parent,
            )
        except BaseException:
            log.close()
            raise
        self.procs.append((name, proc, log))
        return proc

    def check_alive(self) -> None:
        for name, proc, _log in self.procs:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with code {proc.returncode}:\n{self.log_tail(name)}")

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.log_dir / f"{name}.log"
        try:
            return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def logs(self) -> str:
        return "\n".join(f"--- {name}.log\n{self.log_tail(name)}" for name, _proc, _log in self.procs)

    def stop(self) -> None:
        procs, self.procs = self.procs, []
        for _name, proc, _log in procs:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 5
        for _name, proc, log in procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            # Workers left behind in the group (if any) get no second chance.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            log.close()
        atexit.unregister(self.stop)


def _wait_until_ready(endpoint: S3Endpoint, processes: _Processes, what: str) -> float:
    """Poll ``list_buckets`` until it answers; returns the seconds waited."""
    started = time.monotonic()
    client = boto3_client(endpoint, retries={"max_attempts": 1}, connect_timeout=1, read_timeout=5)
    last_error: Exception | None = None
    while time.monotonic() - started < STARTUP_TIMEOUT:
        processes.check_alive()
        try:
            client.list_buckets()
        except Exception as exc:  # connection refused, 5xx while the backends come up, ...
            last_error = exc
            time.sleep(0.1)
        else:
            client.close()
            return time.monotonic() - started
    client.close()
    raise RuntimeError(
        f"{what} did not answer list_buckets within {STARTUP_TIMEOUT:.0f} s (last error: {last_error!r})\n"
        + processes.logs()
    )


# --- Swift -------------------------------------------------------------------------------------------------

# Builds the account, container and object rings with swift-ring-builder's own RingBuilder class, each with one
# device (d1 under <root>/srv) and one replica. Equivalent to `swift-ring-builder X.builder create 6 1 1`, `add
# r1z1-127.0.0.1:PORT/d1 1` and `rebalance` for each ring, but one interpreter start instead of nine (~1 s, not ~6).
_RING_SCRIPT = """
import sys
from swift.common.ring import RingBuilder

swift_dir = sys.argv[1]
for arg in sys.argv[2:]:
    name, port = arg.split("=")
    builder = RingBuilder(6, 1, 1)  # 2**6 partitions, 1 replica, min_part_hours 1
    builder.add_dev({"region": 1, "zone": 1, "ip": "127.0.0.1", "port": int(port), "device": "d1", "weight": 1.0})
    builder.rebalance()
    builder.save(f"{swift_dir}/{name}.builder")
    builder.get_ring().save(f"{swift_dir}/{name}.ring.gz")
"""


def _require_swift() -> None:
    needed = [SWIFT_PYTHON, *(f"/usr/bin/swift-{name}-server" for name in SWIFT_SERVERS)]
    missing = [path for path in needed if not os.access(path, os.X_OK)]
    if missing:
        raise RuntimeError(
            f"OpenStack Swift is not installed (missing {', '.join(missing)}): "
            f"run `apt-get install {SWIFT_PACKAGES}` (scripts/test.sh does)"
        )


def _build_rings(root: Path, ports: dict[str, int]) -> None:
    rings = [f"{name}={ports[name]}" for name in ("account", "container", "object")]
    result = subprocess.run([SWIFT_PYTHON, "-c", _RING_SCRIPT, str(root), *rings], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(
            f"building Swift's rings failed (is python3-swift, a dependency of {SWIFT_PACKAGES}, installed?):\n"
            + result.stderr
        )


# The proxy's middleware, in order. s3api must come before the auth middleware (tempauth, which accepts the S3
# signature s3api checked) and needs slo for multipart uploads, copy for UploadPartCopy/CopyObject, and
# versioned_writes (with symlink) for bucket versioning. tempauth insists on a cache in the environment: with no
# memcached running, the memcache middleware just misses every lookup.
PROXY_PIPELINE = (
    "catch_errors",
    "gatekeeper",
    "healthcheck",
    "proxy-logging",
    "cache",
    "listing_formats",
    "s3api",
    "tempauth",
    "copy",
    "slo",
    "dlo",
    "versioned_writes",
    "symlink",
    "proxy-logging",
    "proxy-server",
)


def _ini(text: str) -> str:
    return textwrap.dedent(text).strip() + "\n\n"


def _swift_configs(root: Path, ports: dict[str, int], access_key: str, secret_key: str) -> dict[str, str]:
    """swift.conf and the four servers' configs; every server reads swift.conf and the rings from ``root``."""
    account, user = access_key.split(":", 1)

    def default_section(port: int) -> str:
        return _ini(f"""
            [DEFAULT]
            bind_ip = 127.0.0.1
            bind_port = {port}
            swift_dir = {root}
            devices = {root}/srv
            mount_check = false
            user = {pwd.getpwuid(os.getuid()).pw_name}
            # One process per server, no forked workers.
            workers = 0
            log_level = WARNING
            recon_cache_path = {root}/cache
            """)

    configs = {
        "swift.conf": _ini("""
            [swift-hash]
            swift_hash_path_suffix = casefiles-tests
            swift_hash_path_prefix = casefiles-tests

            [storage-policy:0]
            name = Policy-0
            default = yes
            """),
        "proxy-server.conf": default_section(ports["proxy"])
        + _ini(f"""
            [pipeline:main]
            pipeline = {" ".join(PROXY_PIPELINE)}

            [app:proxy-server]
            use = egg:swift#proxy
            account_autocreate = true

            [filter:s3api]
            use = egg:swift#s3api
            location = {REGION}

            [filter:tempauth]
            use = egg:swift#tempauth
            user_{account}_{user} = {secret_key} .admin

            [filter:catch_errors]
            use = egg:swift#catch_errors

            [filter:gatekeeper]
            use = egg:swift#gatekeeper

            [filter:healthcheck]
            use = egg:swift#healthcheck

            [filter:proxy-logging]
            use = egg:swift#proxy_logging

            [filter:cache]
            use = egg:swift#memcache
            # No memcached runs: keep the "all memcached servers error-limited" line per request out of the log.
            set log_level = CRITICAL

            [filter:listing_formats]
            use = egg:swift#listing_formats

            [filter:copy]
            use = egg:swift#copy

            [filter:slo]
            use = egg:swift#slo

            [filter:dlo]
            use = egg:swift#dlo

            [filter:versioned_writes]
            use = egg:swift#versioned_writes
            allow_object_versioning = true

            [filter:symlink]
            use = egg:swift#symlink
            """),
    }
    for name in ("account", "container", "object"):
        configs[f"{name}-server.conf"] = default_section(ports[name]) + _ini(f"""
            [pipeline:main]
            pipeline = {name}-server

            [app:{name}-server]
            use = egg:swift#{name}
            """)
    return configs


@contextlib.contextmanager
def swift_server(access_key: str = SWIFT_ACCESS_KEY, secret_key: str = SWIFT_SECRET_KEY) -> Iterator[S3Endpoint]:
    """A one-node Swift cluster with s3api on free localhost ports, removed on exit."""
    _require_swift()
    root = Path(tempfile.mkdtemp(prefix="casefiles-swift-"))
    processes = _Processes(root)
    try:
        ports = {name: _free_port() for name in SWIFT_SERVERS}
        (root / "srv" / "d1").mkdir(parents=True)
        (root / "cache").mkdir()
        for file, text in _swift_configs(root, ports, access_key, secret_key).items():
            (root / file).write_text(text)
        # The storage servers load no ring: start them first and build the rings while they boot.
        for name in ("account", "container", "object"):
            processes.start(name, [f"/usr/bin/swift-{name}-server", str(root / f"{name}-server.conf"), "--verbose"])
        _build_rings(root, ports)
        processes.start("proxy", ["/usr/bin/swift-proxy-server", str(root / "proxy-server.conf"), "--verbose"])
        endpoint = S3Endpoint(f"http://127.0.0.1:{ports['proxy']}", access_key, secret_key, REGION)
        _wait_until_ready(endpoint, processes, "Swift")
        yield endpoint
    finally:
        processes.stop()
        shutil.rmtree(root, ignore_errors=True)


# --- moto --------------------------------------------------------------------------------------------------


def _require_moto_server() -> None:
    for module in ("moto", "moto.server", "flask", "flask_cors", "werkzeug"):
        try:
            found = importlib.util.find_spec(module) is not None
        except ImportError:
            found = False
        if not found:
            raise RuntimeError(
                f"moto's server is not installed (no module {module}): pip install 'moto[server]' "
                "(it is in the project's test extra: pip install -e '.[test]')"
            )


@contextlib.contextmanager
def moto_server() -> Iterator[S3Endpoint]:
    """moto's standalone server on a free localhost port (all of moto's state lives in that process)."""
    _require_moto_server()
    root = Path(tempfile.mkdtemp(prefix="casefiles-moto-"))
    processes = _Processes(root)
    try:
        port = _free_port()
        env = dict(os.environ)
        # Credentials or a profile of the developer's must not leak into the server.
        for var in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            env.pop(var, None)
        env["AWS_DEFAULT_REGION"] = REGION
        env["PYTHONWARNINGS"] = "ignore"
        processes.start("moto", [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], env=env)
        endpoint = S3Endpoint(f"http://127.0.0.1:{port}", "testing", "testing", REGION)
        _wait_until_ready(endpoint, processes, "moto")
        yield endpoint
    finally:
        processes.stop()
        shutil.rmtree(root, ignore_errors=True)
