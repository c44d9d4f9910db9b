"""Storage benchmark: a large document uploaded and downloaded through the HTTP API, against raw boto3.

    .venv/bin/python -m bench.storage [--mb 100] [--repeats 3] [--kind scan|text] [--json]

One file of `--mb` MB (1 MB = 1,000,000 bytes) is generated once and moved in the same run by:

* the API of two real app servers, started here as separate processes (`casefiles run --no-reload
  --no-debugger --with-threads`, each on its own data folder, set up with `casefiles init`, `user add`,
  `nomenclature import` and `token create`): one with the local folder store, one with the S3 store. The
  client uploads with `POST /api/v1/cases/{id}/documents` (multipart, the body streamed from disk in 1 MiB
  chunks with http.client) and downloads with `GET /api/v1/documents/{id}/versions/1/content`, hashing the
  bytes as they arrive; every download's SHA-256 (and the upload's reported one) must match the file;
* raw boto3 against the same S3 server (OpenStack Swift with s3api on localhost, devtools/s3servers.py), with the
  client settings of the app's own (devtools.s3servers.boto3_client): the managed transfer a program would use for
  a file (`upload_file`, `download_file` into a file hashed after the timing; default TransferConfig: 8 MiB
  parts, 10 threads), and one plain request each way (`put_object` with the open file as body, `get_object`
  streamed into a hash);
* a plain copy of the file into a local folder with fsync, and a read back hashing: the disk's floor.

The issue's target, "within 1.5x of raw boto3", is read as the API's time over raw boto3's managed transfer,
for both backends: the local folder store is compared with boto3 too, since the question is what going
through the app costs a client compared with talking to object storage directly; the local copy is shown
beside it as the floor of what the disk allows, without a target. The ratios to the single-request boto3
figures and to the copy are printed too. The sides take turns within each repeat (uploads, then downloads), and
the median time over the repeats is reported, so drift over the run (page cache, CPU clock) hits them alike.

Memory: while each API transfer runs, the app server's RSS (its process and any children, /proc/PID/status
VmRSS) is sampled every 20 ms from a thread, and its kernel peak (VmHWM, reset through /proc/PID/clear_refs
just before the transfer) is read after it; the peak growth is the larger of the two peaks minus the RSS
measured just before the transfer, and the report shows the largest growth over the repeats. Each server first
moves a 1 MB file so that imports and first-use caches are not counted as growth. Streaming in bounded chunks
keeps the growth near a few chunk sizes; buffering a document shows as growth near its size.

`--kind scan` (the default) sends a TIFF header and random bytes, as a large scan is: the app stores it and
queues OCR for a worker that is not running here. `--kind text` sends plain text (random letters and spaces),
which the app indexes for search; files over 256 KiB are read for the index by a background job (not running
here), so the request pays only for storing it and queueing that job. (Before that job existed, the request
itself extracted and indexed the first 2 million characters: 8-9 s and +85 MB RSS for 100 MB of random words.)

Absolute speeds depend on the machine (client, Swift and app servers share its cores), so nothing here passes
or fails: the targets are printed for the reader. Everything (data folders, the file, Swift's files, logs) is
written to temporary folders that are removed at the end, and every process started is stopped, on Ctrl-C or
failure too."""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import datetime as dt
import hashlib
import http.client
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import werkzeug

from devtools.s3servers import S3Endpoint, boto3_client, swift_server

DEFAULT_MB = 100
DEFAULT_REPEATS = 3
MB = 1_000_000
MiB = 1024 * 1024
CHUNK = MiB  # client reads and writes
WARMUP_BYTES = MB
SAMPLE_INTERVAL = 0.02  # seconds between RSS samples
STARTUP_TIMEOUT = 60.0
REQUEST_TIMEOUT = 600.0
RATIO_TARGET = 1.5  # API time / raw boto3 time, at most
RSS_TARGET_MB = 30.0  # server peak RSS growth during one transfer, under
APP_BUCKET = "casefiles-bench"
RAW_BUCKET = "bench-raw"
USERNAME = "bench"
PASSWORD = "bench-password-" + "0" * 8
DISTRICT = "u1"
NOMENCLATURE_INDEX = "04-05"
NOMENCLATURE_CSV = Path(__file__).resolve().parent.parent / "webapp" / "demo" / "nomenclature.csv"
KINDS = {"scan": "scan.tif", "text": "text.txt"}  # the uploaded file's name
# Random bytes to random letters, spaces and line breaks: 234 letter codes, 21 spaces, 1 newline.
_TEXT_TABLE = bytes(b"abcdefghijklmnopqrstuvwxyz"[i % 26] for i in range(234)) + b" " * 21 + b"\n"

SIDES = {
    "boto3": "raw boto3, managed",
    "boto3_single": "raw boto3, 1 request",
    "copy": "local file copy",
    "api_local": "API, local folder",
    "api_s3": "API, S3 (Swift)",
}
API_SIDES = ("api_local", "api_s3")


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- the file ------------------------------------------------------------------------------------------------


def make_file(path: Path, size: int, kind: str) -> str:
    """Write `size` bytes of the kind's content in 1 MiB chunks; returns their SHA-256."""
    digest = hashlib.sha256()
    with path.open("wb") as out:
        head = b"II*\x00" if kind == "scan" else b""
        written = 0
        while written < size:
            chunk = os.urandom(min(CHUNK, size - written))
            if kind == "text":
                chunk = chunk.translate(_TEXT_TABLE)
            if written == 0:
                chunk = head + chunk[len(head) :]
            out.write(chunk)
            digest.update(chunk)
            written += len(chunk)
    return digest.hexdigest()


class HashSink:
    """A write-only file object that hashes what it is given (downloads are not written to disk)."""

    def __init__(self) -> None:
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.size += len(data)
        return len(data)

    def hexdigest(self) -> str:
        return self.digest.hexdigest()


# --- processes and memory ------------------------------------------------------------------------------------


def _die_with_parent() -> None:
    """Runs in the child before exec: get SIGKILLed if the bench dies without cleaning up (Linux)."""
    with contextlib.suppress(Exception):
        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _status_kb(pid: int, name: str) -> int:
    """A "kB" line of /proc/PID/status (0 when the process is gone)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(name + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _process_tree(pid: int) -> list[int]:
    pids, index = [pid], 0
    while index < len(pids):
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{pids[index]}/task").iterdir():
                with contextlib.suppress(OSError, ValueError):
                    pids += [int(child) for child in (task / "children").read_text().split()]
        index += 1
    return pids


def tree_rss(pid: int) -> int:
    """Resident bytes of the process and its descendants."""
    return sum(_status_kb(each, "VmRSS") for each in _process_tree(pid)) * 1024


@dataclass
class RssPeak:
    idle: int = 0  # bytes, just before the transfer
    sampled: int = 0  # the largest sample
    kernel: int = 0  # VmHWM after the reset (0 if the reset was refused)

    @property
    def growth_mb(self) -> float:
        return (max(self.sampled, self.kernel) - self.idle) / MB

    @property
    def sampled_growth_mb(self) -> float:
        return (self.sampled - self.idle) / MB


class RssSampler:
    """Samples a process tree's RSS every SAMPLE_INTERVAL in a thread while the `with` block runs."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = RssPeak()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self._kernel_reset = False

    def __enter__(self) -> RssPeak:
        try:
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")  # resets VmHWM to the current RSS
            self._kernel_reset = True
        except OSError:
            self._kernel_reset = False
        self.peak.idle = self.peak.sampled = tree_rss(self.pid)
        self._thread.start()
        return self.peak

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_INTERVAL):
            self.peak.sampled = max(self.peak.sampled, tree_rss(self.pid))

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak.sampled = max(self.peak.sampled, tree_rss(self.pid))
        if self._kernel_reset:
            self.peak.kernel = _status_kb(self.pid, "VmHWM") * 1024


# --- the app server ------------------------------------------------------------------------------------------


def casefiles_command() -> list[str]:
    script = Path(sys.executable).parent / "casefiles"
    if script.exists():
        return [str(script)]
    found = shutil.which("casefiles")
    if found is None:
        raise RuntimeError("the casefiles command is not installed: pip install -e . in the project's venv")
    return [found]


class AppServer:
    """One casefiles data folder and its server process (`casefiles run`), in its own process group."""

    def __init__(self, name: str, root: Path, env: dict[str, str]) -> None:
        self.name = name
        self.data_dir = root / f"data-{name}"
        self.log_path = root / f"server-{name}.log"
        self.env = env | {"CASEFILES_DATA_DIR": str(self.data_dir)}
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.token = ""

    def setup(self, year: int) -> None:
        """Schema and storage, a nomenclature for `year`, a specialist of district u1 and their API token."""
        self._cli("init")
        self._cli("nomenclature", "import", str(NOMENCLATURE_CSV), "--year", str(year))
        self._cli(
            "user", "add", USERNAME, "--role", "specialist", "--district", DISTRICT, "--full-name", "Бенч Б. Б.",
            stdin=f"{PASSWORD}\n{PASSWORD}\n",
        )  # fmt: skip
        self.token = self._cli("token", "create", USERNAME).strip().splitlines()[-1]

    def _cli(self, *args: str, stdin: str = "") -> str:
        result = subprocess.run(  # noqa: S603 - our own console script with fixed arguments
            [*casefiles_command(), *args], input=stdin, capture_output=True, text=True, env=self.env, timeout=120
        )
        if result.returncode != 0:
            raise RuntimeError(f"casefiles {' '.join(args[:2])} ({self.name}) failed:\n{result.stderr[-3000:]}")
        return result.stdout

    def start(self) -> None:
        self.port = _free_port()
        argv = [*casefiles_command(), "run", "--host", "127.0.0.1", "--port", str(self.port)]
        argv += ["--no-reload", "--no-debugger", "--with-threads"]
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(  # noqa: S603 - our own console script with fixed arguments
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                start_new_session=True,  # its own process group: stop() reaches anything it forks
                preexec_fn=_die_with_parent,
            )
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the {self.name} server exited with code {self.proc.returncode}:\n{self.log()}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                status, _ = self.client().request("GET", "/api/v1/health", auth=False)
                if status == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"the {self.name} server did not answer within {STARTUP_TIMEOUT:.0f} s:\n{self.log()}")

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def client(self) -> ApiClient:
        return ApiClient("127.0.0.1", self.port, self.token)

    def log(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)  # the leader if it hung, and anything left in its group
        proc.wait()


@contextlib.contextmanager
def running(server: AppServer) -> Iterator[AppServer]:
    try:
        server.start()
        yield server
    finally:
        server.stop()


class ApiClient:
    """The few API calls the bench needs, over http.client (one connection a request; bodies streamed)."""

    def __init__(self, host: str, port: int, token: str) -> None:
        self.host, self.port, self.token = host, port, token

    def _connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=REQUEST_TIMEOUT, blocksize=CHUNK)

    def _headers(self, auth: bool = True) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if auth else {}

    def request(self, method: str, path: str, body: Any = None, *, auth: bool = True) -> tuple[int, Any]:
        conn = self._connection()
        try:
            headers = self._headers(auth)
            data = None
            if body is not None:
                data = json.dumps(body).encode()
                headers["Content-Type"] = "application/json"
            conn.request(method, path, body=data, headers=headers)
            reply = conn.getresponse()
            raw = reply.read()
            return reply.status, json.loads(raw) if raw else None
        finally:
            conn.close()

    def create_case(self, year: int) -> int:
        body = {"nomenclature_index": NOMENCLATURE_INDEX, "year": year, "title": "Бенчмарк", "district": DISTRICT}
        status, reply = self.request("POST", "/api/v1/cases", body)
        if status != 201:
            raise RuntimeError(f"creating a case answered {status}: {reply}")
        return int(reply["id"])

    def upload(self, case_id: int, path: Path, filename: str) -> dict[str, Any]:
        """A multipart upload with the file streamed from disk; returns the answer's version 1."""
        boundary = "bench" + secrets.token_hex(16)
        head = (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        tail = f"\r\n--{boundary}--\r\n".encode()
        conn = self._connection()
        try:
            conn.putrequest("POST", f"/api/v1/cases/{case_id}/documents")
            headers = self._headers() | {
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Content-Length": str(len(head) + path.stat().st_size + len(tail)),
            }
            for name, value in headers.items():
                conn.putheader(name, value)
            conn.endheaders(head)
            with path.open("rb") as source:
                while chunk := source.read(CHUNK):
                    conn.send(chunk)
            conn.send(tail)
            reply = conn.getresponse()
            raw = reply.read()
        finally:
            conn.close()
        if reply.status != 201:
            raise RuntimeError(f"the upload answered {reply.status}: {raw[:500].decode(errors='replace')}")
        document = json.loads(raw)
        version: dict[str, Any] = document["versions"][0]
        version["document_id"] = document["id"]
        return version

    def download(self, document_id: int, sink: HashSink) -> None:
        """Version 1's content into `sink`, as it arrives."""
        conn = self._connection()
        try:
            conn.request("GET", f"/api/v1/documents/{document_id}/versions/1/content", headers=self._headers())
            reply = conn.getresponse()
            if reply.status != 200:
                raise RuntimeError(f"the download answered {reply.status}: {reply.read(500).decode(errors='replace')}")
            while chunk := reply.read(CHUNK):
                sink.write(chunk)
        finally:
            conn.close()


def app_env(max_upload_mb: int) -> dict[str, str]:
    """The bench's environment without any casefiles, Flask or AWS settings of the developer's."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CASEFILES_", "AWS_", "FLASK_"))}
    env["CASEFILES_MAX_UPLOAD_MB"] = str(max_upload_mb)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def s3_env(endpoint: S3Endpoint) -> dict[str, str]:
    return {
        "CASEFILES_STORAGE": "s3",
        "CASEFILES_S3_BUCKET": APP_BUCKET,
        "CASEFILES_S3_ENDPOINT_URL": endpoint.url,
        "CASEFILES_S3_REGION": endpoint.region,
        "CASEFILES_S3_ADDRESSING": "path",
        "AWS_ACCESS_KEY_ID": endpoint.access_key,
        "AWS_SECRET_ACCESS_KEY": endpoint.secret_key,
        "AWS_EC2_METADATA_DISABLED": "true",
    }


# --- the sides -----------------------------------------------------------------------------------------------


@dataclass
class Runs:
    """One side's timings (seconds) and, for the API, the server's RSS peaks, one per repeat."""

    upload_s: list[float] = field(default_factory=list)
    download_s: list[float] = field(default_factory=list)
    upload_rss: list[RssPeak] = field(default_factory=list)
    download_rss: list[RssPeak] = field(default_factory=list)


class Transfers:
    """Moves the file by every side and checks every copy's bytes. An upload returns a handle (an object key,
    a path, a document id) that the side's download and discard take."""

    def __init__(self, source: Path, sha256: str, filename: str, work: Path, raw: Any) -> None:
        self.source, self.sha256, self.filename, self.work, self.raw = source, sha256, filename, work, raw
        self.size = source.stat().st_size
        self.servers: dict[str, AppServer] = {}
        self.case_ids: dict[str, int] = {}

    def check(self, what: str, size: int, sha256: str) -> None:
        if size != self.size or sha256 != self.sha256:
            raise RuntimeError(f"{what}: got {size} bytes with SHA-256 {sha256}, sent {self.size} / {self.sha256}")

    def upload(self, side: str, repeat: int) -> Any:
        if side == "boto3":
            key = f"managed/{repeat}-{uuid.uuid4().hex}"
            self.raw.upload_file(str(self.source), RAW_BUCKET, key)
            return key
        if side == "boto3_single":
            key = f"single/{repeat}-{uuid.uuid4().hex}"
            with self.source.open("rb") as body:
                self.raw.put_object(Bucket=RAW_BUCKET, Key=key, Body=body)
            return key
        if side == "copy":
            target = self.work / f"copy-{repeat}"
            with self.source.open("rb") as source, target.open("wb") as out:
                shutil.copyfileobj(source, out, CHUNK)
                out.flush()
                os.fsync(out.fileno())
            return target
        version = self.servers[side].client().upload(self.case_ids[side], self.source, self.filename)
        self.check(f"{SIDES[side]} upload (as the API reports it)", int(version["size"]), version["sha256"])
        return int(version["document_id"])

    def download(self, side: str, handle: Any) -> HashSink | Path:
        """The bytes hashed as they arrive, or (raw boto3, managed) the file they were written to."""
        sink = HashSink()
        if side == "boto3":
            # Into a file, as download_file does: s3transfer 0.19 deadlocks on a write-only target once an
            # object has more parts than max_in_memory_download_chunks (10), so the bytes cannot be hashed on
            # the way; they are hashed after the timing, in check_download.
            target = self.work / "downloaded"
            self.raw.download_file(RAW_BUCKET, handle, str(target))
            return target
        if side == "boto3_single":
            for chunk in self.raw.get_object(Bucket=RAW_BUCKET, Key=handle)["Body"].iter_chunks(CHUNK):
                sink.write(chunk)
        elif side == "copy":
            with Path(handle).open("rb") as stream:
                while chunk := stream.read(CHUNK):
                    sink.write(chunk)
        else:
            self.servers[side].client().download(handle, sink)
        return sink

    def check_download(self, side: str, received: HashSink | Path) -> None:
        if isinstance(received, Path):
            sink = HashSink()
            with received.open("rb") as stream:
                while chunk := stream.read(CHUNK):
                    sink.write(chunk)
            received.unlink()
            received = sink
        self.check(f"{SIDES[side]} download", received.size, received.hexdigest())

    def discard(self, side: str, handle: Any) -> None:
        """Keep the bucket and the folder small: raw objects and copies go once read (the app's blobs stay)."""
        if side in ("boto3", "boto3_single"):
            self.raw.delete_object(Bucket=RAW_BUCKET, Key=handle)
        elif side == "copy":
            Path(handle).unlink()


def warm_up(transfers: Transfers, side: str, work: Path, kind: str) -> None:
    """A 1 MB upload and download, so imports and first-use caches do not count as the big file's growth."""
    small = work / f"warmup-{KINDS[kind]}"
    sha256 = make_file(small, WARMUP_BYTES, kind)
    client = transfers.servers[side].client()
    version = client.upload(transfers.case_ids[side], small, small.name)
    sink = HashSink()
    client.download(int(version["document_id"]), sink)
    if (sink.size, sink.hexdigest()) != (WARMUP_BYTES, sha256):
        raise RuntimeError(f"{SIDES[side]}: the warm-up download does not match its upload")
    small.unlink()


def run_repeats(transfers: Transfers, repeats: int) -> dict[str, Runs]:
    """Every side in turn within a repeat: all uploads, then all downloads."""
    runs = {side: Runs() for side in SIDES}
    mb = transfers.size / MB
    for repeat in range(1, repeats + 1):
        handles: dict[str, Any] = {}
        for direction in ("upload", "download"):
            for side in SIDES:
                progress(f"repeat {repeat}/{repeats}: {direction} {mb:.0f} MB, {SIDES[side]}")
                server = transfers.servers.get(side)
                with RssSampler(server.pid) if server else contextlib.nullcontext() as peak:
                    start = time.perf_counter()
                    if direction == "upload":
                        handles[side] = transfers.upload(side, repeat)
                    else:
                        received = transfers.download(side, handles[side])
                    seconds = time.perf_counter() - start
                if direction == "download":
                    transfers.check_download(side, received)
                getattr(runs[side], f"{direction}_s").append(seconds)
                if peak is not None:
                    getattr(runs[side], f"{direction}_rss").append(peak)
        for side, handle in handles.items():
            transfers.discard(side, handle)
    return runs


# --- measuring and reporting -----------------------------------------------------------------------------------


def measure(mb: int, repeats: int, kind: str) -> dict[str, Any]:
    size = mb * MB
    year = dt.date.today().year
    filename = KINDS[kind]
    with contextlib.ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="casefiles-bench-storage-")))
        progress(f"writing a {mb} MB {kind} file")
        source = work / filename
        sha256 = make_file(source, size, kind)

        progress("starting Swift (s3api) on localhost")
        swift_started = time.perf_counter()
        endpoint = stack.enter_context(swift_server())
        progress(f"Swift answers at {endpoint.url} after {time.perf_counter() - swift_started:.1f} s")
        raw = boto3_client(endpoint)
        stack.callback(raw.close)
        raw.create_bucket(Bucket=RAW_BUCKET)

        env = app_env(max(300, mb + 50))
        transfers = Transfers(source, sha256, filename, work, raw)
        idle: dict[str, int] = {}
        for side, extra in (("api_local", {}), ("api_s3", s3_env(endpoint))):
            server = AppServer(side.removeprefix("api_"), work, env | extra)
            progress(f"{SIDES[side]}: casefiles init, nomenclature import, user add, token create")
            server.setup(year)
            progress(f"{SIDES[side]}: starting the server (casefiles run)")
            stack.enter_context(running(server))
            transfers.servers[side] = server
            transfers.case_ids[side] = server.client().create_case(year)
            progress(f"{SIDES[side]}: server pid {server.pid} on port {server.port}; warming up with 1 MB")
            warm_up(transfers, side, work, kind)
            idle[side] = tree_rss(server.pid)
        progress("warming up raw boto3 with 1 MB")
        raw.put_object(Bucket=RAW_BUCKET, Key="warmup", Body=os.urandom(WARMUP_BYTES))
        raw.get_object(Bucket=RAW_BUCKET, Key="warmup")["Body"].read()

        runs = run_repeats(transfers, repeats)
        idle_after = {side: tree_rss(server.pid) for side, server in transfers.servers.items()}
        for side, server in transfers.servers.items():
            if server.proc is None or server.proc.poll() is not None:
                raise RuntimeError(f"the {SIDES[side]} server died during the run:\n{server.log()}")
        progress("stopping the servers and Swift, removing the temporary folders")
    return figures(runs, mb, repeats, kind, idle, idle_after)


def figures(
    runs: dict[str, Runs], mb: int, repeats: int, kind: str, idle: dict[str, int], idle_after: dict[str, int]
) -> dict[str, Any]:
    sides: dict[str, Any] = {}
    for side, side_runs in runs.items():
        up, down = statistics.median(side_runs.upload_s), statistics.median(side_runs.download_s)
        entry: dict[str, Any] = {
            "label": SIDES[side],
            "upload_s": round(up, 3),
            "upload_mb_s": round(mb / up, 1),
            "download_s": round(down, 3),
            "download_mb_s": round(mb / down, 1),
            "upload_runs_s": [round(value, 3) for value in side_runs.upload_s],
            "download_runs_s": [round(value, 3) for value in side_runs.download_s],
        }
        if side in API_SIDES:
            entry["idle_rss_mb"] = round(idle[side] / MB, 1)
            entry["idle_after_rss_mb"] = round(idle_after[side] / MB, 1)
            for direction, peaks in (("upload", side_runs.upload_rss), ("download", side_runs.download_rss)):
                entry[f"{direction}_rss_growth_mb"] = round(max(peak.growth_mb for peak in peaks), 1)
                entry[f"{direction}_rss_growth_runs_mb"] = [round(peak.growth_mb, 1) for peak in peaks]
                entry[f"{direction}_rss_growth_sampled_runs_mb"] = [round(peak.sampled_growth_mb, 1) for peak in peaks]
        sides[side] = entry
    ratios = {
        side: {
            f"{direction}_vs_{base}": round(sides[side][f"{direction}_s"] / sides[base][f"{direction}_s"], 2)
            for direction in ("upload", "download")
            for base in ("boto3", "boto3_single", "copy")
        }
        for side in API_SIDES
    }
    return {
        "config": {"mb": mb, "bytes": mb * MB, "repeats": repeats, "kind": kind, "rss_sample_s": SAMPLE_INTERVAL},
        "environment": {
            "python": platform.python_version(),
            "boto3": boto3.__version__,
            "werkzeug": _version("werkzeug", werkzeug),
            "swift": _swift_version(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
        },
        "sides": sides,
        "ratios": ratios,
        "targets": {"api_vs_boto3_max": RATIO_TARGET, "rss_growth_mb_max": RSS_TARGET_MB},
    }


def _version(name: str, module: Any) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return str(getattr(module, "__version__", "?"))


def _swift_version() -> str:
    try:
        result = subprocess.run(
            ["/usr/bin/dpkg-query", "-W", "-f", "${Version}", "python3-swift"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except OSError:
        return "?"
    return result.stdout.strip() or "?"


def report(figures: dict[str, Any]) -> str:
    config, env, sides, ratios = figures["config"], figures["environment"], figures["sides"], figures["ratios"]
    what = "a scan (TIFF header, random bytes)" if config["kind"] == "scan" else "plain text (indexed for search too)"
    lines = [
        f"Storage benchmark: {config['mb']} MB, {what}, uploaded and downloaded {config['repeats']} times by each side",
        f"Python {env['python']}, boto3 {env['boto3']}, werkzeug {env['werkzeug']}; Swift {env['swift']} (s3api) on "
        f"localhost; {env['cpus']} CPUs",
        "App: `casefiles run --with-threads` (werkzeug's server), one process per backend, each warmed up with 1 MB",
        "",
        f"{'':24}{'upload s':>10}{'MB/s':>8}{'download s':>12}{'MB/s':>8}",
    ]
    lines += [
        f"{entry['label']:24}{entry['upload_s']:>10.2f}{entry['upload_mb_s']:>8.0f}"
        f"{entry['download_s']:>12.2f}{entry['download_mb_s']:>8.0f}"
        for entry in sides.values()
    ]
    lines += ["", f"{'API time / baseline':24}{'up':>8}{'down':>8}    (baseline)"]
    for side in API_SIDES:
        for base in ("boto3", "boto3_single", "copy"):
            up, down = ratios[side][f"upload_vs_{base}"], ratios[side][f"download_vs_{base}"]
            label = sides[side]["label"] if base == "boto3" else ""
            target = f"   target <= {RATIO_TARGET}x" if base == "boto3" else ""
            lines.append(f"{label:24}{up:>7.2f}x{down:>7.2f}x    ({SIDES[base]}){target}")
    lines += ["", f"{'Server RSS, MB':24}{'idle':>8}{'peak growth up':>16}{'down':>8}{'idle after':>12}"]
    lines += [
        f"{sides[side]['label']:24}{sides[side]['idle_rss_mb']:>8.0f}{sides[side]['upload_rss_growth_mb']:>16.1f}"
        f"{sides[side]['download_rss_growth_mb']:>8.1f}{sides[side]['idle_after_rss_mb']:>12.0f}"
        + f"   target: growth under {RSS_TARGET_MB:.0f} MB"
        for side in API_SIDES
    ]
    lines += ["", f"Against the targets (API within {RATIO_TARGET}x of raw boto3 managed, RSS growth under "
              f"{RSS_TARGET_MB:.0f} MB; informative only):"]  # fmt: skip
    for side in API_SIDES:
        entry, ratio = sides[side], ratios[side]
        marks = [
            _against(f"upload {ratio['upload_vs_boto3']:.2f}x", ratio["upload_vs_boto3"] <= RATIO_TARGET),
            _against(f"download {ratio['download_vs_boto3']:.2f}x", ratio["download_vs_boto3"] <= RATIO_TARGET),
            _against(f"RSS +{entry['upload_rss_growth_mb']:.1f} MB up", entry["upload_rss_growth_mb"] < RSS_TARGET_MB),
            _against(
                f"+{entry['download_rss_growth_mb']:.1f} MB down", entry["download_rss_growth_mb"] < RSS_TARGET_MB
            ),
        ]
        lines.append(f"  {entry['label']:22}{', '.join(marks)}")
    lines += [
        "",
        "Times are medians over the repeats (every run is in --json). raw boto3, managed = upload_file /",
        "download_file (8 MiB parts, 10 threads); 1 request = put_object / get_object streamed; local file copy =",
        "copy with fsync / read back, the disk's floor. Peak growth = the server's largest RSS peak over the",
        "repeats above its RSS just before the transfer (20 ms samples and the kernel's VmHWM); idle after = its",
        "RSS once every transfer is done. The ratios come from this run alone: compare them, not absolute times,",
        "across machines.",
    ]
    return "\n".join(lines)


def _against(text: str, within: bool) -> str:
    return text if within else f"{text} OVER"


def _stop_on_sigterm() -> None:
    """SIGTERM unwinds like Ctrl-C, so the servers and Swift are stopped and the folders removed."""

    def handler(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.storage",
        description="Benchmark uploads and downloads through the API (local folder and S3) against raw boto3.",
    )
    parser.add_argument("--mb", type=int, default=DEFAULT_MB, help=f"file size in MB (default {DEFAULT_MB})")
    parser.add_argument(
        "--repeats", type=int, default=DEFAULT_REPEATS, help=f"timed runs per side (default {DEFAULT_REPEATS})"
    )
    parser.add_argument("--kind", choices=sorted(KINDS), default="scan", help="file content (default scan)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON instead of the report")
    args = parser.parse_args(argv)
    if args.mb < 1:
        parser.error("--mb must be at least 1")
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    _stop_on_sigterm()
    try:
        result = measure(args.mb, args.repeats, args.kind)
    except KeyboardInterrupt:
        progress("interrupted; everything started was stopped and removed")
        return 130
    print(json.dumps(result, ensure_ascii=False, indent=2) if args.json else report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
