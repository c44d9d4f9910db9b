"""Two web nodes and a worker that share nothing but the engines: one PostgreSQL database, one S3 bucket (Swift),
one Redis. Each process has a data folder of its own and its own copy of the CA folder; every call is HTTP
against the real processes (`casefiles serve`, `casefiles worker`) with API tokens."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from devtools.s3servers import S3Endpoint
from tests.pg_databases import own_database
from tests.redis_server import redis_server
from tests.s3settings import s3_environment
from tests.serving import Process, casefiles, launch_serve, start_worker, wait_until_serving
from webapp import create_app
from webapp.auth.services import create_api_token, create_user, ensure_district
from webapp.config import load_settings
from webapp.extensions import db
from webapp.nomenclature.schemas import EntryInput
from webapp.nomenclature.services import create_entry
from webapp.policy import SYSTEM

POSTGRES_URL = os.environ.get("CASEFILES_TEST_DATABASE_URL", "")
OPENSSL = shutil.which("openssl")
PASSWORD = "two-nodes-2026"
PIN = "two-nodes-pin"
WORDS = "Акт обследования жилищно-бытовых условий: семья Черноморцевых, двое детей"

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="runs in the PostgreSQL pass of scripts/test.sh")


@pytest.fixture
def database() -> Iterator[str]:
    """A database of its own on the test server (the rest of the suite truncates its tables per test)."""
    with own_database(POSTGRES_URL, "casefiles_two_nodes") as url:
        yield url


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    with redis_server(tmp_path) as url:
        yield url


def _environment(tmp_path: Path, database: str, swift_endpoint: S3Endpoint, redis_url: str) -> dict[str, str]:
    return {
        **os.environ,
        **s3_environment(swift_endpoint),
        "CASEFILES_DATABASE_URL": database,
        "CASEFILES_QUEUE_URL": redis_url,
        "CASEFILES_SECRET_KEY": secrets.token_hex(32),
        "CASEFILES_SEARCH": "postgres",
        "CASEFILES_INSTITUTION_NAME": "Тестовый центр",
    }


def _node(shared: dict[str, str], tmp_path: Path, name: str, ca: Path) -> dict[str, str]:
    """A node's environment: its own data folder and its own copy of the CA folder."""
    folder = tmp_path / name
    shutil.copytree(ca, folder / "ca")
    return {**shared, "CASEFILES_DATA_DIR": str(folder / "data"), "CASEFILES_CA_DIR": str(folder / "ca")}


def _provision(shared: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, dict[str, str]]:
    """What a deployment does once: `casefiles init` (the empty database's schema, the bucket's templates, the CA
    made in a folder that is then copied to every machine); then users, their API tokens and the nomenclature
    (here through the services, in this process: a `casefiles` command costs seconds)."""
    provisioning = {**shared, "CASEFILES_DATA_DIR": str(tmp_path / "provisioning")}
    provisioning["CASEFILES_CA_DIR"] = str(tmp_path / "ca-master")
    casefiles(provisioning, "init")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, shared[name])
    app = create_app({"TESTING": True}, settings=load_settings(provisioning))
    with app.app_context():
        ensure_district("u1", "Участок № 1")
        tokens = {}
        for username, role, districts in (("sokolova", "specialist", ["u1"]), ("orlova", "head", [])):
            user = create_user(username, role=role, password=PASSWORD, full_name=username, district_codes=districts)
            tokens[username] = create_api_token(user)
        year = dt.date.today().year
        create_entry(SYSTEM, EntryInput(index="04-05", title="Личные дела", year=year, retention_years=5, epk=False))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return tmp_path / "ca-master", tokens


class Api:
    def __init__(self, node: Process, token: str) -> None:
        self.url, self.http = node.url + "/api/v1", requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.http.get(self.url + path, params=params, timeout=60)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.post(self.url + path, timeout=60, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.put(self.url + path, timeout=60, **kwargs)


def _folder_state(folder: Path) -> dict[str, tuple[int, bytes]]:
    return {path.name: (path.stat().st_mtime_ns, path.read_bytes()) for path in sorted(folder.iterdir())}


def test_two_nodes_and_a_worker_share_only_the_database_the_bucket_and_redis(
    tmp_path: Path, database: str, swift_endpoint: S3Endpoint, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = _environment(tmp_path, database, swift_endpoint, redis_url)
    ca, tokens = _provision(shared, tmp_path, monkeypatch)
    envs = {name: _node(shared, tmp_path, name, ca) for name in ("first", "second", "worker")}
    cas_before = {name: _folder_state(Path(env["CASEFILES_CA_DIR"])) for name, env in envs.items()}
    first = launch_serve(envs["first"], tmp_path / "first.log", workers=1)
    processes = [first]
    try:  # the three start side by side
        processes.append(second := launch_serve(envs["second"], tmp_path / "second.log", workers=1))
        processes.append(start_worker(envs["worker"], tmp_path / "worker.log"))
        for server in (first, second):
            wait_until_serving(server)
        package = _scenario(
            tmp_path, Api(first, tokens["sokolova"]), Api(second, tokens["sokolova"]), Api(second, tokens["orlova"])
        )
    finally:
        for process in processes:
            process.terminate()
        statuses = [process.wait() for process in processes]
    logs = "\n".join(process.log.read_text() for process in processes)
    assert statuses == [0, 0, statuses[2]], logs[-3000:]  # the servers stop cleanly on SIGTERM
    for name, env in envs.items():
        assert _folder_state(Path(env["CASEFILES_CA_DIR"])) == cas_before[name], f"{name} wrote to its CA folder"
        assert not (Path(env["CASEFILES_DATA_DIR"]) / "search-queries").exists()
    verified = casefiles(envs["first"], "verify-export", str(package))  # every hash and signature against ca.pem
    assert "signatures: 1 (1 timestamped), problems: 0" in verified, verified
    assert "OK: every hash and signature holds" in verified, verified


def _scenario(tmp_path: Path, first: Api, second: Api, head_on_second: Api) -> Path:
    """Runs the scenario; returns the export downloaded from the second node."""
    year = dt.date.today().year
    case = first.post(
        "/cases", json={"nomenclature_index": "04-05", "year": year, "title": "Личное дело", "district": "u1"}
    )
    assert case.status_code == 201, case.text
    case_id = case.json()["id"]
    content = WORDS.encode("utf-8")
    uploaded = first.post(
        f"/cases/{case_id}/documents", files={"file": ("act.txt", content)}, data={"title": "Акт обследования"}
    )
    assert uploaded.status_code == 201, uploaded.text
    document_id = uploaded.json()["id"]

    # Found by search and downloaded through the second node.
    found = _eventually(lambda: second.get("/search", q="Черноморцевых").json().get("items") or None)
    assert [hit["document_id"] for hit in found] == [document_id]
    downloaded = second.get(f"/documents/{document_id}/versions/1/content")
    assert (downloaded.status_code, downloaded.content) == (200, content)

    # The PIN set on the first node (the key issued under it, in the database), signed on the second; stock openssl
    # verifies it with the first node's ca.pem.
    set_pin = first.put("/account/signing-pin", json={"pin": PIN})
    assert set_pin.status_code == 200 and set_pin.json()["outcome"] == "issued", set_pin.text
    signed = second.post(f"/documents/{document_id}/versions/1/signatures", json={"role": "составил", "pin": PIN})
    assert signed.status_code == 201, signed.text
    (tmp_path / "sig.p7s").write_bytes(second.get(f"/signatures/{signed.json()['id']}/cms").content)
    (tmp_path / "content.bin").write_bytes(downloaded.content)
    (tmp_path / "ca.pem").write_bytes(first.get("/ca.pem").content)
    _openssl_verifies(tmp_path / "sig.p7s", tmp_path / "content.bin", tmp_path / "ca.pem")
    assert second.get("/ca.crl").content == first.get("/ca.crl").content  # every node answers the same
    assert head_on_second.get(f"/documents/{document_id}/versions/1/signatures").json()["items"][0]["valid"] is True

    # An export asked for on the first node, built by the worker, downloaded from the second.
    asked = first.post(f"/cases/{case_id}/exports", json={"format": "zip"})
    assert asked.status_code == 202, asked.text
    job_id, export_id = asked.json()["id"], asked.json()["export"]["id"]
    done = _eventually(lambda: _finished(second.get(f"/jobs/{job_id}").json()), timeout=120)
    assert done["status"] == "done", done
    package = second.get(f"/exports/{export_id}/download")
    assert package.status_code == 200 and package.content.startswith(b"PK")
    (tmp_path / "package.zip").write_bytes(package.content)
    return tmp_path / "package.zip"


def _finished(job: dict[str, Any]) -> dict[str, Any] | None:
    return job if job["status"] in ("done", "failed") else None


def _eventually(probe: Any, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = probe()
        if answer:
            return answer
        time.sleep(0.3)
    raise AssertionError(f"not within {timeout} s")


def _openssl_verifies(signature: Path, content: Path, ca: Path) -> None:
    assert OPENSSL is not None, "the openssl command is needed: apt-get install openssl (scripts/test.sh does)"
    command = [OPENSSL, "cms", "-verify", "-binary", "-inform", "DER", "-in", str(signature)]
    command += ["-content", str(content), "-CAfile", str(ca), "-purpose", "any", "-out", os.devnull]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "Verification successful" in result.stderr, result.stderr
