"""`casefiles storage migrate` and `casefiles storage retention` refuse what they cannot do with the same one-line
messages, and retention locks every object of the closed cases (against a local stand-in for an Object Lock
bucket; the real one is in test_s3_storage)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from flask import Flask

from storage import LocalBlobStore
from tests.conftest import World
from webapp.cli import main


class LockingStore(LocalBlobStore):
    """A local store that records retention locks and legal holds as an Object Lock bucket would."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.locks: dict[str, dt.date] = {}
        self.holds: dict[str, bool] = {}

    def object_lock_enabled(self) -> bool:
        return True

    def retain(self, key: str, until: dt.date) -> None:
        self.locks[key] = until

    def retained_until(self, key: str) -> dt.datetime | None:
        until = self.locks.get(key)
        return dt.datetime.combine(until, dt.time(), tzinfo=dt.UTC) if until else None

    def set_legal_hold(self, key: str, on: bool) -> None:
        self.holds[key] = on


class BucketStore(LocalBlobStore):
    """A store that says it lives in a bucket, as S3 does."""

    bucket = "casefiles"

    def ensure_bucket(self) -> bool:
        return False


def test_migrate_refuses_without_a_bucket(app: Flask) -> None:
    app.config["CASEFILES"] = dataclasses.replace(app.config["CASEFILES"], s3_bucket=None)
    result = app.test_cli_runner().invoke(main, ["storage", "migrate", "--to", "s3"])
    assert result.exit_code == 1
    assert result.output == ("Error: set CASEFILES_S3_BUCKET (and the endpoint, region and credentials) first\n")


def test_migrate_refuses_when_the_storage_is_s3_already(app: Flask) -> None:
    app.extensions["casefiles.blob_store"] = BucketStore(app.config["CASEFILES"].blob_dir)
    result = app.test_cli_runner().invoke(main, ["storage", "migrate", "--to", "s3"])
    assert result.exit_code == 1
    assert result.output == "Error: the storage is S3 already\n"


def test_retention_refuses_a_storage_without_object_lock(app: Flask) -> None:
    result = app.test_cli_runner().invoke(main, ["storage", "retention"])
    assert result.exit_code == 1
    assert result.output == "Error: retention locks need CASEFILES_STORAGE=s3 and a bucket with Object Lock\n"


def test_retention_locks_the_objects_of_every_closed_case(app: Flask, world: World) -> None:
    closed = world.open_case()
    world.upload(closed["id"], b"act")
    world.upload(closed["id"], b"letter")
    still_open = world.open_case()
    world.upload(still_open["id"], b"draft")
    answer = world["archivist"].post(
        f"/api/v1/cases/{closed['id']}/close", json={"closed_on": dt.date.today().isoformat()}
    )
    assert answer.status_code == 200, answer.get_json()
    store = LockingStore(app.config["CASEFILES"].blob_dir)
    app.extensions["casefiles.blob_store"] = store

    result = app.test_cli_runner().invoke(main, ["storage", "retention"])

    assert result.exit_code == 0, result.output
    assert result.output == "locked 2 objects of 1 closed cases\n"
    retention = dt.date.fromisoformat(answer.get_json()["retention_until"])
    assert sorted(store.locks.values()) == [retention, retention]
    assert list(store.holds.values()) == [False, False]
