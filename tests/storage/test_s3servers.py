"""The S3 servers of devtools/s3servers.py really serve S3 to boto3: Swift's s3api and moto's standalone server."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import importlib.util
import os
import urllib.request
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from devtools import s3servers
from devtools.s3servers import S3Endpoint, boto3_client

MiB = 1024 * 1024


def _bucket_name() -> str:
    # The servers live for the whole session: every test gets buckets of its own.
    return f"test-{uuid.uuid4().hex[:16]}"


@pytest.fixture(params=["swift", "moto"])
def endpoint(request: pytest.FixtureRequest) -> S3Endpoint:
    endpoint: S3Endpoint = request.getfixturevalue(f"{request.param}_endpoint")
    return endpoint


def _future(days: int = 1) -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=days)


def test_objects_listing_and_presigned_url(endpoint: S3Endpoint) -> None:
    client = boto3_client(endpoint)
    bucket = _bucket_name()
    client.create_bucket(Bucket=bucket)
    assert bucket in [b["Name"] for b in client.list_buckets()["Buckets"]]

    for key in ("cases/1/a.pdf", "cases/1/b.pdf", "cases/2/a.pdf", "other.txt"):
        client.put_object(Bucket=bucket, Key=key, Body=key.encode(), ContentType="application/pdf")
    got = client.get_object(Bucket=bucket, Key="cases/1/b.pdf")
    assert got["Body"].read() == b"cases/1/b.pdf"
    assert got["ContentType"] == "application/pdf"

    listed = client.list_objects_v2(Bucket=bucket, Prefix="cases/1/")
    assert [o["Key"] for o in listed["Contents"]] == ["cases/1/a.pdf", "cases/1/b.pdf"]
    folders = client.list_objects_v2(Bucket=bucket, Prefix="cases/", Delimiter="/")
    assert [p["Prefix"] for p in folders["CommonPrefixes"]] == ["cases/1/", "cases/2/"]

    url = client.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "other.txt"}, ExpiresIn=60)
    assert url.startswith(f"{endpoint.url}/{bucket}/other.txt?")  # path-style addressing
    with urllib.request.urlopen(url, timeout=10) as reply:  # noqa: S310 (our own http://127.0.0.1 server)
        assert reply.read() == b"other.txt"

    client.delete_object(Bucket=bucket, Key="other.txt")
    with pytest.raises(ClientError) as missing:
        client.head_object(Bucket=bucket, Key="other.txt")
    assert missing.value.response["Error"]["Code"] in {"404", "NoSuchKey"}


def test_multipart_upload(endpoint: S3Endpoint) -> None:
    client = boto3_client(endpoint)
    bucket = _bucket_name()
    client.create_bucket(Bucket=bucket)
    parts_data = [b"a" * (5 * MiB + 1), b"b" * (5 * MiB + 7)]  # every part but the last must be >= 5 MiB

    upload_id = client.create_multipart_upload(Bucket=bucket, Key="big.bin")["UploadId"]
    parts = []
    for number, data in enumerate(parts_data, start=1):
        part = client.upload_part(Bucket=bucket, Key="big.bin", UploadId=upload_id, PartNumber=number, Body=data)
        parts.append({"PartNumber": number, "ETag": part["ETag"]})
    done = client.complete_multipart_upload(
        Bucket=bucket, Key="big.bin", UploadId=upload_id, MultipartUpload={"Parts": parts}
    )
    assert done["ETag"].strip('"').endswith("-2")

    body = client.get_object(Bucket=bucket, Key="big.bin")["Body"].read()
    assert hashlib.sha256(body).digest() == hashlib.sha256(b"".join(parts_data)).digest()
    assert client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_swift_accepts_botocore_default_checksums(swift_endpoint: S3Endpoint) -> None:
    """botocore >= 1.36 sends x-amz-checksum-crc32 with every upload by default. Over plain HTTP that is a
    header, which Swift 2.30 ignores (it returns no checksum, so there is nothing to validate either):
    `when_required` is not needed for these calls, the project sets it anyway (as storage.s3 does)."""
    client = boto3_client(
        swift_endpoint, request_checksum_calculation="when_supported", response_checksum_validation="when_supported"
    )
    sent: list[dict[str, Any]] = []
    client.meta.events.register("before-send.s3.PutObject", lambda request, **_: sent.append(dict(request.headers)))
    bucket = _bucket_name()
    client.create_bucket(Bucket=bucket)
    client.put_object(Bucket=bucket, Key="k", Body=b"checked")
    assert "x-amz-checksum-crc32" in sent[0]
    assert client.get_object(Bucket=bucket, Key="k")["Body"].read() == b"checked"


def test_swift_delete_objects_needs_content_md5(swift_endpoint: S3Endpoint) -> None:
    """Swift 2.30's s3api refuses DeleteObjects without Content-MD5, which botocore >= 1.36 no longer sends
    (it sends a CRC32 instead, whatever the checksum settings): multi-delete needs the MD5 added by hand."""
    client = boto3_client(swift_endpoint)
    bucket = _bucket_name()
    client.create_bucket(Bucket=bucket)
    client.put_object(Bucket=bucket, Key="k", Body=b"x")
    with pytest.raises(ClientError, match="Content-MD5"):
        client.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "k"}]})

    def add_content_md5(request: Any, **_: Any) -> None:
        digest = hashlib.md5(request.body, usedforsecurity=False).digest()
        request.headers["Content-MD5"] = base64.b64encode(digest).decode()

    client.meta.events.register("before-sign.s3.DeleteObjects", add_content_md5)
    deleted = client.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "k"}]})
    assert [d["Key"] for d in deleted["Deleted"]] == ["k"]


def test_swift_ignores_object_lock(swift_endpoint: S3Endpoint) -> None:
    """Swift 2.30's s3api has no Object Lock, and says so nowhere: a bucket created with
    ObjectLockEnabledForBucket=True is an ordinary bucket, a PUT with a COMPLIANCE retention succeeds without
    storing it, HEAD shows no lock, GetObjectLockConfiguration answers an empty configuration, and the "locked"
    object deletes at once. (PutObjectLockConfiguration is refused as MalformedXML.) Tests of retention and
    legal holds therefore run against moto, which enforces them."""
    client = boto3_client(swift_endpoint)
    bucket = _bucket_name()
    client.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True)
    client.put_object(
        Bucket=bucket,
        Key="locked",
        Body=b"x",
        ObjectLockMode="COMPLIANCE",
        ObjectLockRetainUntilDate=_future(),
        ChecksumAlgorithm="CRC32",
    )
    head = client.head_object(Bucket=bucket, Key="locked")
    assert "ObjectLockMode" not in head
    assert "ObjectLockRetainUntilDate" not in head
    assert client.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"] == {}

    client.delete_object(Bucket=bucket, Key="locked")
    with pytest.raises(ClientError):
        client.head_object(Bucket=bucket, Key="locked")


def test_moto_enforces_object_lock(moto_endpoint: S3Endpoint) -> None:
    """moto refuses to delete a version under COMPLIANCE retention. Its GetObjectRetention is broken in server
    mode (GET ?retention returns the object's bytes, which botocore reports as a 500), so the retention is read
    back with HeadObject."""
    client = boto3_client(moto_endpoint)
    bucket = _bucket_name()
    client.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True)
    assert client.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]["ObjectLockEnabled"] == (
        "Enabled"
    )
    until = _future()
    # A PUT with retention needs Content-MD5 or a checksum (as on AWS); the client only sends one when asked to.
    put = client.put_object(
        Bucket=bucket,
        Key="locked",
        Body=b"x",
        ObjectLockMode="COMPLIANCE",
        ObjectLockRetainUntilDate=until,
        ChecksumAlgorithm="CRC32",
    )
    version = put["VersionId"]

    head = client.head_object(Bucket=bucket, Key="locked", VersionId=version)
    assert head["ObjectLockMode"] == "COMPLIANCE"
    assert head["ObjectLockRetainUntilDate"] == until

    with pytest.raises(ClientError) as refused:
        client.delete_object(Bucket=bucket, Key="locked", VersionId=version)
    assert refused.value.response["Error"]["Code"] == "AccessDenied"
    assert client.head_object(Bucket=bucket, Key="locked", VersionId=version)["ObjectLockMode"] == "COMPLIANCE"


def test_missing_swift_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    with pytest.raises(RuntimeError, match="apt-get install swift-proxy swift-account swift-container swift-object"):
        s3servers.swift_server().__enter__()


def test_missing_moto_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(RuntimeError, match=r"pip install 'moto\[server\]'"):
        s3servers.moto_server().__enter__()
