"""The app's settings aimed at a bucket of one of the S3 servers of `devtools.s3servers`."""

from __future__ import annotations

import dataclasses
import secrets
from typing import Any

import pytest

from devtools.s3servers import S3Endpoint, boto3_client
from webapp.config import Settings


def on_s3(settings: Settings, endpoint: S3Endpoint, monkeypatch: pytest.MonkeyPatch, **extra: Any) -> Settings:
    """The settings aimed at a fresh bucket on the endpoint, with its credentials in the environment."""
    bucket = f"casefiles-{secrets.token_hex(4)}"
    boto3_client(endpoint).create_bucket(Bucket=bucket, **extra)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", endpoint.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", endpoint.secret_key)
    return dataclasses.replace(
        settings,
        storage="s3",
        s3_bucket=bucket,
        s3_endpoint_url=endpoint.url,
        s3_region=endpoint.region,
        s3_addressing="path",
    )


def s3_environment(endpoint: S3Endpoint) -> dict[str, str]:
    """The CASEFILES_* and AWS_* variables of a casefiles process aimed at a fresh bucket on the endpoint."""
    bucket = f"casefiles-{secrets.token_hex(4)}"
    boto3_client(endpoint).create_bucket(Bucket=bucket)
    return {
        "CASEFILES_STORAGE": "s3",
        "CASEFILES_S3_BUCKET": bucket,
        "CASEFILES_S3_ENDPOINT_URL": endpoint.url,
        "CASEFILES_S3_REGION": endpoint.region,
        "CASEFILES_S3_ADDRESSING": "path",
        "AWS_ACCESS_KEY_ID": endpoint.access_key,
        "AWS_SECRET_ACCESS_KEY": endpoint.secret_key,
    }
