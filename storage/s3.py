"""Blobs in an S3-compatible bucket (Ceph, MinIO, Swift's s3api, a cloud provider), with boto3.

The same semantics as the local folder: keys follow the nomenclature, a key is written once, uploads stream
in bounded memory with the SHA-256 computed on the way and stored with the object (metadata `sha256`),
downloads stream. Uploads larger than the multipart threshold go in parts; a failed multipart upload is
aborted so no parts linger. Object Lock (retention and legal holds) is used when the bucket has it enabled.
Errors never carry the endpoint's reply verbatim: a key and an S3 error code at most (keys hold no personal
data).

Writing once is checked with a HEAD before the upload; S3 has no portable create-if-absent, so two uploads
racing for one key could both pass it. The app never races: every version key ends in a random suffix."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO, cast

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from storage.base import (
    BlobExists,
    BlobInfo,
    BlobNotFound,
    BlobStore,
    BucketStorage,
    LegalHolds,
    PresignedDownloads,
    RetentionLocks,
    StorageError,
    StoredBlob,
)
from storage.keys import validate_key

MiB = 1024 * 1024
# Below the threshold one PUT streams the (seekable) upload from its file: fastest, and nothing is held in
# memory. Above it, parts are read one at a time (a failed part is retried alone).
DEFAULT_MULTIPART_THRESHOLD = 256 * MiB
DEFAULT_PART_SIZE = 16 * MiB  # S3's minimum part is 5 MiB; at most 10,000 parts
SPOOL_IN_MEMORY = 8 * MiB  # a non-seekable upload is spooled to disk beyond this
SHA256_METADATA = "sha256"
LOCK_MODES = ("GOVERNANCE", "COMPLIANCE")
_MISSING = {"404", "NoSuchKey", "NotFound", "NoSuchVersion"}


@dataclass(frozen=True)
class S3Settings:
    bucket: str
    endpoint_url: str | None = None  # None: AWS itself
    region: str | None = None  # None: boto's chain (AWS_REGION, AWS_DEFAULT_REGION, the config file)
    addressing_style: str = "auto"  # "path" or "virtual" for servers that need one
    multipart_threshold: int = DEFAULT_MULTIPART_THRESHOLD
    part_size: int = DEFAULT_PART_SIZE
    lock_mode: str = "GOVERNANCE"
    connect_timeout: float = 5.0
    read_timeout: float = 60.0
    max_attempts: int = 5
    # None: boto's chain. The app leaves them so; tests and tools pass them directly.
    access_key: str | None = None
    secret_key: str | None = None


def make_client(settings: S3Settings) -> Any:
    """A client with boto's standard retry mode and timeouts; credentials from boto's chain (AWS_* variables,
    the shared credentials file, an instance profile)."""
    config = Config(
        region_name=settings.region,
        s3={"addressing_style": settings.addressing_style},
        signature_version="s3v4",
        retries={"mode": "standard", "max_attempts": settings.max_attempts},
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
        # Checksums only where the API requires them: some S3-compatible servers refuse the CRC32 trailers
        # newer boto versions add by default. Integrity is ours: SHA-256 over the streamed bytes.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    session = boto3.session.Session(aws_access_key_id=settings.access_key, aws_secret_access_key=settings.secret_key)
    return session.client("s3", endpoint_url=settings.endpoint_url, config=config)


class S3BlobStore(BlobStore, PresignedDownloads, RetentionLocks, LegalHolds, BucketStorage):
    def __init__(self, settings: S3Settings, *, client: Any | None = None) -> None:
        if settings.part_size < 5 * MiB:
            raise ValueError("part_size must be at least 5 MiB (S3's smallest part)")
        if settings.lock_mode not in LOCK_MODES:
            raise ValueError(f"lock_mode must be one of {', '.join(LOCK_MODES)}")
        self.settings = settings
        self.bucket = settings.bucket
        self.client = client if client is not None else make_client(settings)

    # -- the BlobStore interface -----------------------------------------------------------------------------

    def put(self, key: str, stream: BinaryIO, *, media_type: str = "application/octet-stream") -> StoredBlob:
        validate_key(key)
        if self.exists(key):
            raise BlobExists(f"blob {key} already exists")
        with _hashed(stream) as (body, size, sha256):
            extra = {"ContentType": media_type, "Metadata": {SHA256_METADATA: sha256}}
            if size <= self.settings.multipart_threshold:
                self._call("write", key, self.client.put_object, Bucket=self.bucket, Key=key, Body=body, **extra)
            else:
                self._multipart(key, body, extra)
        return StoredBlob(key=key, size=size, sha256=sha256)

    def open(self, key: str) -> BinaryIO:
        validate_key(key)
        reply = self._call("read", key, self.client.get_object, Bucket=self.bucket, Key=key)
        return cast(BinaryIO, io.BufferedReader(_BodyReader(reply["Body"], key), buffer_size=MiB))

    def exists(self, key: str) -> bool:
        validate_key(key)
        try:
            self._call("check", key, self.client.head_object, Bucket=self.bucket, Key=key)
        except BlobNotFound:
            return False
        return True

    def delete(self, key: str) -> None:
        """Remove the blob and, in a versioned bucket (Object Lock needs versioning), every version of it: a
        destroyed document must not linger as an old version. A version still under retention or legal hold
        is refused by the server: StorageError."""
        validate_key(key)
        versions = self._versions(key)
        if not versions:
            self._call("delete", key, self.client.delete_object, Bucket=self.bucket, Key=key)
        for version_id in versions:
            self._call("delete", key, self.client.delete_object, Bucket=self.bucket, Key=key, VersionId=version_id)

    def iter_blobs(self, prefix: str = "") -> Iterator[BlobInfo]:
        paginator = self.client.get_paginator("list_objects_v2")
        blobs: list[BlobInfo] = []
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
                blobs += [
                    BlobInfo(key=item["Key"], size=int(item["Size"]), modified=item["LastModified"])
                    for item in page.get("Contents", ())
                ]
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"cannot list blobs: {_code(exc)}") from None
        return iter(sorted(blobs, key=lambda blob: blob.key))

    # -- beyond the interface ---------------------------------------------------------------------------------

    def ensure_bucket(self) -> bool:
        """Create the bucket when missing; True if it was created. StorageError says why it cannot."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
            return False
        except ClientError as exc:
            if _code(exc) not in _MISSING and _code(exc) != "NoSuchBucket":
                raise StorageError(f"cannot use bucket {self.bucket}: {_code(exc)}") from None
        except BotoCoreError as exc:
            raise StorageError(f"cannot reach the S3 endpoint: {_code(exc)}") from None
        options: dict[str, Any] = {"Bucket": self.bucket}
        region = self.client.meta.region_name
        if region and region != "us-east-1":
            options["CreateBucketConfiguration"] = {"LocationConstraint": region}
        try:
            self.client.create_bucket(**options)
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"cannot create bucket {self.bucket}: {_code(exc)}") from None
        return True

    def stored_sha256(self, key: str) -> str | None:
        """The SHA-256 kept with the object at upload; None if the object has none."""
        reply = self._call("check", key, self.client.head_object, Bucket=self.bucket, Key=key)
        return cast("str | None", reply.get("Metadata", {}).get(SHA256_METADATA))

    def download_url(self, key: str, *, seconds: int, filename: str, media_type: str) -> str:
        """A presigned GET URL valid for `seconds`, answered as an attachment named `filename`."""
        params: dict[str, Any] = {
            "Bucket": self.bucket,
            "Key": validate_key(key),
            "ResponseContentDisposition": f'attachment; filename="{filename}"',
            "ResponseContentType": media_type,
        }
        try:
            return cast(str, self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=seconds))
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"cannot sign a download of {key}: {_code(exc)}") from None

    def object_lock_enabled(self) -> bool:
        try:
            reply = self.client.get_object_lock_configuration(Bucket=self.bucket)
        except ClientError:
            return False  # not configured, or a server without Object Lock
        except BotoCoreError as exc:
            raise StorageError(f"cannot reach the S3 endpoint: {_code(exc)}") from None
        return bool(reply.get("ObjectLockConfiguration", {}).get("ObjectLockEnabled") == "Enabled")

    def retain(self, key: str, until: dt.date) -> None:
        """Lock the object against deletion and overwriting until the end of `until` (UTC)."""
        moment = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
        retention = {"Mode": self.settings.lock_mode, "RetainUntilDate": moment}
        self._call("lock", key, self.client.put_object_retention, Bucket=self.bucket, Key=key, Retention=retention)

    def retained_until(self, key: str) -> dt.datetime | None:
        """The object's retention date as the server reports it (read with HEAD, which every server answers)."""
        reply = self._call("check", key, self.client.head_object, Bucket=self.bucket, Key=key)
        return cast("dt.datetime | None", reply.get("ObjectLockRetainUntilDate"))

    def set_legal_hold(self, key: str, on: bool) -> None:
        hold = {"Status": "ON" if on else "OFF"}
        self._call("hold", key, self.client.put_object_legal_hold, Bucket=self.bucket, Key=key, LegalHold=hold)

    # -- internals -------------------------------------------------------------------------------------------

    def _multipart(self, key: str, body: BinaryIO, extra: dict[str, Any]) -> None:
        upload = self._call("write", key, self.client.create_multipart_upload, Bucket=self.bucket, Key=key, **extra)
        upload_id = upload["UploadId"]
        try:
            parts = []
            number = 1
            while chunk := body.read(self.settings.part_size):
                reply = self._call(
                    "write",
                    key,
                    self.client.upload_part,
                    Bucket=self.bucket,
                    Key=key,
                    UploadId=upload_id,
                    PartNumber=number,
                    Body=chunk,
                )
                parts.append({"ETag": reply["ETag"], "PartNumber": number})
                number += 1
                del chunk  # before the next read: one part in memory at a time, not two
            self._call(
                "write",
                key,
                self.client.complete_multipart_upload,
                Bucket=self.bucket,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
            )
        except BaseException:
            with contextlib.suppress(ClientError, BotoCoreError):
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
            raise

    def _versions(self, key: str) -> list[str]:
        """The version ids of exactly this key (delete markers too); empty in an unversioned bucket."""
        try:
            reply = self.client.list_object_versions(Bucket=self.bucket, Prefix=key)
        except ClientError:
            return []  # a server without versioning
        except BotoCoreError as exc:
            raise StorageError(f"cannot reach the S3 endpoint: {_code(exc)}") from None
        entries = list(reply.get("Versions", ())) + list(reply.get("DeleteMarkers", ()))
        return [
            entry["VersionId"]
            for entry in entries
            if entry["Key"] == key and entry.get("VersionId") not in (None, "null")
        ]

    def _call(self, action: str, key: str, method: Any, **kwargs: Any) -> Any:
        try:
            return method(**kwargs)
        except ClientError as exc:
            if _code(exc) in _MISSING:
                raise BlobNotFound(f"blob {key} not found") from None
            raise StorageError(f"cannot {action} blob {key}: {_code(exc)}") from None
        except BotoCoreError as exc:
            raise StorageError(f"cannot {action} blob {key}: {_code(exc)}") from None


class _BodyReader(io.RawIOBase):
    """botocore's streaming body as a raw stream, so it can be buffered and used as a context manager."""

    def __init__(self, body: Any, key: str) -> None:
        self._body = body
        self._key = key

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            chunk = self._body.read(len(buffer))
        except (BotoCoreError, OSError) as exc:
            raise StorageError(f"cannot read blob {self._key}: {_code(exc)}") from None
        buffer[: len(chunk)] = chunk
        return len(chunk)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._body.close()
        super().close()


@contextlib.contextmanager
def _hashed(stream: BinaryIO) -> Iterator[tuple[BinaryIO, int, str]]:
    """(a stream at the start of the same bytes, their size, their SHA-256).

    S3 takes an object's metadata when the upload starts, so the hash must be known first: a seekable stream
    (an uploaded file is spooled to disk by the web server already) is read twice; anything else is copied
    into a temporary file (in memory up to 8 MiB) while hashing."""
    digest = hashlib.sha256()
    size = 0
    if _seekable(stream):
        start = stream.tell()
        while chunk := stream.read(MiB):
            digest.update(chunk)
            size += len(chunk)
        stream.seek(start)
        yield stream, size, digest.hexdigest()
        return
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
        while chunk := stream.read(MiB):
            digest.update(chunk)
            size += len(chunk)
            spool.write(chunk)
        spool.seek(0)
        yield cast(BinaryIO, spool), size, digest.hexdigest()


def _seekable(stream: BinaryIO) -> bool:
    try:
        return bool(stream.seekable()) and stream.tell() >= 0
    except (AttributeError, OSError, ValueError):
        return False


def _code(exc: Exception) -> str:
    """The S3 error code or the kind of failure: never the message, which may echo the request."""
    if isinstance(exc, ClientError):
        response = exc.response
        return str(response.get("Error", {}).get("Code") or response.get("ResponseMetadata", {}).get("HTTPStatusCode"))
    return type(exc).__name__
