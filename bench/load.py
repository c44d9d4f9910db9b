"""Load benchmark: N concurrent users against a real server process, with the background worker running, and
afterwards every acknowledged write read back.

    .venv/bin/python -m bench.load [--users 32] [--seconds 60] [--server serve,run] [--database-url URL] [--json]

For each server named in `--server` (`serve`: `casefiles serve`, gunicorn, the production server; `run`: `casefiles
run`, werkzeug's development server), in a fresh data folder: `casefiles init`, `casefiles demo`, API tokens for
the two district specialists, `casefiles worker` started (PDF copies, page images, search indexing run as in
production), then the server on 127.0.0.1. `--users` threads (half of them each specialist) then loop for
`--seconds`, each request over its own connection (urllib, standard library only), choosing by weight:

| operation   | weight | request |
| ----------- | ------ | ------- |
| search      | 25     | GET /api/v1/search?q=<a word of the demo's documents> |
| open case   | 20     | GET /api/v1/cases/{id} of a case of the user's district |
| download    | 15     | GET /api/v1/documents/{id}/versions/{n}/content |
| page image  | 15     | GET /api/v1/documents/{id}/versions/{n}/pages/1.jpg (watermarked as it is served) |
| upload      | 15     | POST /api/v1/cases/{id}/documents, a plain-text act of ~4 KB (its PDF copy and pages follow) |
| new version | 10     | POST /api/v1/documents/{id}/versions of a document the same user uploaded (else an upload) |

An error is a request that fails or answers other than expected (200; 201 for writes). Once the time is up, every
acknowledged write (a 201) is read back (its content downloaded and its SHA-256 compared): a write that is missing
or different is a lost write. Printed per server and operation: count, p50, p95, errors; lost writes; the servers
side by side. Targets on a 2-core machine: 0 errors, 0 lost writes, reads p95 < 500 ms, writes p95 < 1.5 s.
Nothing passes or fails here: the targets are printed for the reader (with --database-url, PostgreSQL must
be reachable and the database empty or a casefiles one: `casefiles init` upgrades it, `casefiles demo
--skip-if-loaded` loads the demo once). Temporary data folders are removed at the end."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CASEFILES = str(Path(sys.executable).with_name("casefiles"))
SPECIALISTS = ("sokolova", "galiev")
WEIGHTS = {"search": 25, "open case": 20, "download": 15, "page image": 15, "upload": 15, "new version": 10}
WRITES = frozenset({"upload", "new version"})
SEARCH_WORDS = ("семья", "обследование", "акт", "ребенок", "условия", "соглашение", "ИППСУ", "заключение")
READ_P95_TARGET_MS, WRITE_P95_TARGET_MS = 500.0, 1500.0
TIMEOUT = 60  # seconds a request may take before it counts as an error
SERVER_NAMES = {"serve": "gunicorn (casefiles serve)", "run": "werkzeug (casefiles run)"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=32, help="concurrent users (default 32)")
    parser.add_argument("--seconds", type=float, default=60, help="how long they work (default 60)")
    parser.add_argument("--server", default="serve,run", help="serve (gunicorn), run (werkzeug), or both: serve,run")
    parser.add_argument("--database-url", default="", help="a PostgreSQL URL (default: SQLite in the data folder)")
    parser.add_argument("--port", type=int, default=5077, help="where the server listens (default 5077)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--logs", default="", help="a folder to keep the server's and the worker's logs in")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args()
    results = {}
    for server in args.server.split(","):
        if server not in SERVER_NAMES:
            raise SystemExit(f"--server: serve or run, not {server!r}")
        with tempfile.TemporaryDirectory(prefix=f"casefiles-bench-load-{server}-") as root:
            results[server] = _one_server(server, Path(root), args)
    _report(results, args)
    if args.json:
        print(json.dumps(results, indent=1, ensure_ascii=False))


# --- one server ------------------------------------------------------------------------------------------------


def _one_server(server: str, root: Path, args: argparse.Namespace) -> dict[str, Any]:
    data = root / "data"
    env = {**os.environ, "CASEFILES_DATA_DIR": str(data), "CASEFILES_DATABASE_URL": args.database_url}
    _progress(f"{server}: casefiles init, casefiles demo")
    _cli(env, "init")
    _cli(env, "demo", "--skip-if-loaded")
    tokens = {name: _cli(env, "token", "create", name).strip().splitlines()[-1] for name in SPECIALISTS}
    base = f"http://127.0.0.1:{args.port}"
    command = [CASEFILES, "serve", "--port", str(args.port)] if server == "serve" else []
    command = command or [CASEFILES, "run", "--port", str(args.port), "--host", "127.0.0.1", "--with-threads"]
    with _process([CASEFILES, "worker"], env, root / "worker.log"), _process(command, env, root / "server.log"):
        _wait_for_health(base)
        targets = {name: _targets(base, token) for name, token in tokens.items()}
        _progress(f"{server}: {args.users} users for {args.seconds:.0f} s")
        stats = _run(base, tokens, targets, args)
        _progress(f"{server}: reading back {len(stats.writes)} acknowledged writes")
        lost = _lost_writes(base, tokens, stats.writes)
    if args.logs:
        Path(args.logs).mkdir(parents=True, exist_ok=True)
        for log in ("server", "worker"):
            shutil.copyfile(root / f"{log}.log", Path(args.logs) / f"{server}-{log}.log")
    return {
        "server": SERVER_NAMES[server],
        "users": args.users,
        "seconds": args.seconds,
        "database": "PostgreSQL" if args.database_url else "SQLite",
        "operations": {name: _figures(samples) for name, samples in sorted(stats.samples.items())},
        "errors": {name: len(errors) for name, errors in sorted(stats.errors.items())},
        "error_examples": sorted({example for errors in stats.errors.values() for example in errors})[:10],
        "acknowledged_writes": len(stats.writes),
        "lost_writes": lost,
    }


def _cli(env: dict[str, str], *args: str) -> str:
    run = subprocess.run([CASEFILES, *args], env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if run.returncode != 0:
        raise SystemExit(f"casefiles {' '.join(args)} failed:\n{run.stderr[-3000:]}")
    return run.stdout


class _process:
    """A child process for the run, logging to a file; stopped (SIGTERM, then SIGKILL) at the end."""

    def __init__(self, command: list[str], env: dict[str, str], log: Path) -> None:
        self.command, self.env, self.log = command, env, log

    def __enter__(self) -> subprocess.Popen[bytes]:
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(self.command, env=self.env, stdout=out, stderr=out)  # noqa: S603
        return self.process

    def __exit__(self, *exc: object) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _wait_for_health(base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/api/v1/health", timeout=5) as answer:  # noqa: S310 - our server
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("the server did not answer /api/v1/health within a minute (see its log)")


# --- what the users work on ------------------------------------------------------------------------------------


@dataclass
class Targets:
    """Of one specialist: open cases to upload to and open, versions to download and view page by page."""

    cases: list[int]
    versions: list[tuple[int, int]]
    page_versions: list[tuple[int, int]]


def _targets(base: str, token: str) -> Targets:
    cases = _get_json(base, token, "/api/v1/cases?status=open&per_page=200")["items"]
    case_ids = [case["id"] for case in cases]
    versions = []
    for case_id in case_ids:
        for document in _get_json(base, token, f"/api/v1/cases/{case_id}")["documents"]:
            versions += [(document["id"], version["number"]) for version in document["versions"]]
    return Targets(case_ids, versions, _with_pages(base, token, versions))


def _with_pages(base: str, token: str, versions: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The versions whose page images are ready, waiting up to two minutes for the worker to make the demo's."""
    deadline = time.monotonic() + 120
    ready: list[tuple[int, int]] = []
    while time.monotonic() < deadline:
        ready, pending = [], 0
        for document_id, number in versions:
            record = _get_json(base, token, f"/api/v1/documents/{document_id}/versions/{number}/pages")
            if record["status"] == "ready" and record["pages"]:
                ready.append((document_id, number))
            pending += record["status"] == "pending"
        if not pending:
            break
        time.sleep(2)
    if not ready:
        raise SystemExit("no version has page images (see the worker's log)")
    return ready


def _get_json(base: str, token: str, path: str) -> Any:
    request = urllib.request.Request(f"{base}{path}", headers={"Authorization": f"Bearer {token}"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:  # noqa: S310 - our server
        return json.load(answer)


# --- the users -------------------------------------------------------------------------------------------------


@dataclass
class Stats:
    samples: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    writes: list[tuple[str, int, int, str]] = field(default_factory=list)  # user, document, version, SHA-256
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, operation: str, elapsed_ms: float, error: str | None) -> None:
        with self.lock:
            self.samples.setdefault(operation, []).append(elapsed_ms)
            self.errors.setdefault(operation, [])
            if error is not None:
                self.errors[operation].append(f"{operation}: {error}")


def _run(base: str, tokens: dict[str, str], targets: dict[str, Targets], args: argparse.Namespace) -> Stats:
    stats = Stats()
    deadline = time.monotonic() + args.seconds
    threads = []
    for n in range(args.users):
        name = SPECIALISTS[n % len(SPECIALISTS)]
        user = _User(base, name, tokens[name], targets[name], stats, random.Random(args.seed * 1000 + n))  # noqa: S311 - not secret
        threads.append(threading.Thread(target=user.work, args=(deadline,), daemon=True))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return stats


class _User:
    def __init__(self, base: str, name: str, token: str, targets: Targets, stats: Stats, rng: random.Random) -> None:
        self.base, self.name, self.token, self.targets, self.stats, self.rng = base, name, token, targets, stats, rng
        self.own: list[list[int]] = []  # [document id, latest version] of what this user uploaded

    def work(self, deadline: float) -> None:
        operations, weights = list(WEIGHTS), list(WEIGHTS.values())
        while time.monotonic() < deadline:
            operation = self.rng.choices(operations, weights)[0]
            if operation == "new version" and not self.own:
                operation = "upload"
            started = time.perf_counter()
            error = None
            try:
                getattr(self, "_" + operation.replace(" ", "_"))()
            except urllib.error.HTTPError as failure:
                error = f"HTTP {failure.code} {_error_code(failure)}"
            except (OSError, ValueError, KeyError) as failure:  # refused, reset, timed out, a malformed answer
                error = type(failure).__name__
            self.stats.add(operation, (time.perf_counter() - started) * 1000, error)

    def _search(self) -> None:
        self._read(f"/api/v1/search?q={urllib.request.quote(self.rng.choice(SEARCH_WORDS))}")

    def _open_case(self) -> None:
        self._read(f"/api/v1/cases/{self.rng.choice(self.targets.cases)}")

    def _download(self) -> None:
        document_id, number = self.rng.choice(self.targets.versions)
        self._read(f"/api/v1/documents/{document_id}/versions/{number}/content")

    def _page_image(self) -> None:
        document_id, number = self.rng.choice(self.targets.page_versions)
        self._read(f"/api/v1/documents/{document_id}/versions/{number}/pages/1.jpg")

    def _upload(self) -> None:
        content = _act_text()
        fields = {"title": "Акт обследования (нагрузочный тест)", "type": "inspection_act"}
        path = f"/api/v1/cases/{self.rng.choice(self.targets.cases)}/documents"
        answer = self._post(path, content, "act.txt", fields)
        self.own.append([answer["id"], answer["versions"][-1]["number"]])
        self._acknowledged(answer["id"], answer["versions"][-1]["number"], content)

    def _new_version(self) -> None:
        mine = self.rng.choice(self.own)
        content = _act_text()
        answer = self._post(f"/api/v1/documents/{mine[0]}/versions", content, "act.txt", {"base_version": str(mine[1])})
        mine[1] = answer["number"]
        self._acknowledged(mine[0], answer["number"], content)

    def _acknowledged(self, document_id: int, number: int, content: bytes) -> None:
        with self.stats.lock:
            self.stats.writes.append((self.name, document_id, number, hashlib.sha256(content).hexdigest()))

    def _read(self, path: str) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        request = urllib.request.Request(f"{self.base}{path}", headers=headers)  # noqa: S310 - our server
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:  # noqa: S310 - our server
            answer.read()
            if answer.status != 200:
                raise ValueError(f"status {answer.status}")

    def _post(self, path: str, content: bytes, filename: str, fields: dict[str, str]) -> Any:
        body, content_type = _multipart(content, filename, fields)
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": content_type}
        request = urllib.request.Request(f"{self.base}{path}", data=body, headers=headers, method="POST")  # noqa: S310
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:  # noqa: S310 - our server
            if answer.status != 201:
                raise ValueError(f"status {answer.status}")
            return json.load(answer)


def _act_text() -> bytes:
    """A plain-text act of ~4 KB, distinct each time (so its SHA-256 names it)."""
    marker = uuid.uuid4().hex
    lines = [f"Акт обследования условий проживания № {marker}"]
    lines += [f"{n}. Семья проживает в двухкомнатной квартире, условия удовлетворительные." for n in range(50)]
    return "\n".join(lines).encode()


def _multipart(content: bytes, filename: str, fields: dict[str, str]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
    parts.append(f"{head}Content-Type: text/plain\r\n\r\n".encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _error_code(failure: urllib.error.HTTPError) -> str:
    try:
        return str(json.load(failure)["error"]["code"])
    except (ValueError, KeyError, TypeError, OSError):
        return ""


# --- reading back ----------------------------------------------------------------------------------------------


def _lost_writes(base: str, tokens: dict[str, str], writes: list[tuple[str, int, int, str]]) -> int:
    lost = 0
    for name, document_id, number, sha256 in writes:
        url = f"{base}/api/v1/documents/{document_id}/versions/{number}/content"
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {tokens[name]}"})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:  # noqa: S310 - our server
                lost += hashlib.sha256(answer.read()).hexdigest() != sha256
        except urllib.error.HTTPError:
            lost += 1
    return lost


# --- the report ------------------------------------------------------------------------------------------------


def _figures(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] if ordered else 0.0
    return {"count": len(ordered), "p50_ms": statistics.median(ordered) if ordered else 0.0, "p95_ms": p95}


def _report(results: dict[str, dict[str, Any]], args: argparse.Namespace) -> None:
    servers = list(results)
    first = results[servers[0]]
    print()
    print(f"{args.users} users, {args.seconds:.0f} s each server, {first['database']}, worker running")
    names = (SERVER_NAMES[server].split(" ")[0] for server in servers)
    print(f"{'operation':<12}" + "".join(f" | {name:>9} n  p50 ms  p95 ms  err" for name in names))
    for operation in WEIGHTS:
        row = f"{operation:<12}"
        for server in servers:
            figures = results[server]["operations"].get(operation, {"count": 0, "p50_ms": 0.0, "p95_ms": 0.0})
            errors = results[server]["errors"].get(operation, 0)
            row += f" | {figures['count']:>11} {figures['p50_ms']:>7.0f} {figures['p95_ms']:>7.0f} {errors:>4}"
        print(row)
    for server in servers:
        result = results[server]
        requests = sum(figures["count"] for figures in result["operations"].values())
        print(
            f"{result['server']}: {requests} requests ({requests / args.seconds:.1f}/s), "
            f"{sum(result['errors'].values())} errors, {result['acknowledged_writes']} acknowledged writes, "
            f"{result['lost_writes']} lost"
        )
        for example in result["error_examples"]:
            print(f"  e.g. {example}")
    print(
        f"targets: 0 errors, 0 lost writes, reads p95 < {READ_P95_TARGET_MS:.0f} ms, "
        f"writes p95 < {WRITE_P95_TARGET_MS:.0f} ms"
    )


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
