"""Session-scoped S3 servers for the tests: import these fixtures into a conftest to use them.

``swift_endpoint``: OpenStack Swift with s3api (buckets, objects, multipart, presigned URLs; no Object Lock).
``moto_endpoint``: moto's standalone server (enforces Object Lock).

Each server starts once per test run, on first use, and is stopped when the session ends. A missing
dependency is an error, not a skip: see devtools/s3servers.py for what to install.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devtools.s3servers import S3Endpoint, moto_server, swift_server


@pytest.fixture(scope="session")
def swift_endpoint() -> Iterator[S3Endpoint]:
    with swift_server() as endpoint:
        yield endpoint


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[S3Endpoint]:
    with moto_server() as endpoint:
        yield endpoint
