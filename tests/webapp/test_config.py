"""Configuration from CASEFILES_* variables: defaults, S3 settings and clear errors for bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage import LocalBlobStore
from storage.s3 import MiB, S3BlobStore
from webapp.config import load_settings
from webapp.exceptions import ConfigurationError
from webapp.storage_setup import build_blob_store


def test_local_storage_by_default(tmp_path: Path) -> None:
    settings = load_settings({"CASEFILES_DATA_DIR": str(tmp_path)})
    assert settings.storage == "local"
    assert isinstance(build_blob_store(settings), LocalBlobStore)


def test_s3_storage_from_the_environment(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "CASEFILES_DATA_DIR": str(tmp_path),
            "CASEFILES_STORAGE": "S3",
            "CASEFILES_S3_BUCKET": "casefiles",
            "CASEFILES_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
            "CASEFILES_S3_REGION": "ru-central1",
            "CASEFILES_S3_ADDRESSING": "path",
            "CASEFILES_S3_LOCK_MODE": "compliance",
            "CASEFILES_S3_MULTIPART_MB": "64",
            "CASEFILES_S3_PRESIGN_SECONDS": "300",
        }
    )
    store = build_blob_store(settings)  # no request is made until the store is used
    assert isinstance(store, S3BlobStore)
    assert store.bucket == "casefiles"
    assert store.settings.lock_mode == "COMPLIANCE"
    assert (store.settings.multipart_threshold, store.settings.part_size) == (64 * MiB, 16 * MiB)
    assert store.client.meta.region_name == "ru-central1"
    assert settings.s3_presign_seconds == 300


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"CASEFILES_STORAGE": "ftp"}, "CASEFILES_STORAGE"),
        ({"CASEFILES_STORAGE": "s3"}, "CASEFILES_S3_BUCKET"),
        ({"CASEFILES_S3_ADDRESSING": "sideways"}, "CASEFILES_S3_ADDRESSING"),
        ({"CASEFILES_S3_LOCK_MODE": "forever"}, "CASEFILES_S3_LOCK_MODE"),
        ({"CASEFILES_S3_PRESIGN_SECONDS": "-5"}, "CASEFILES_S3_PRESIGN_SECONDS"),
        ({"CASEFILES_S3_MULTIPART_MB": "lots"}, "CASEFILES_S3_MULTIPART_MB"),
        ({"CASEFILES_TIMEZONE": "Moscow/Siberia"}, "CASEFILES_TIMEZONE"),
        ({"CASEFILES_TIMEZONE": "../../etc/passwd"}, "CASEFILES_TIMEZONE"),
        ({"CASEFILES_INDEX_WORKERS": "many"}, "CASEFILES_INDEX_WORKERS"),
        ({"CASEFILES_INDEX_WORKERS": "0"}, "CASEFILES_INDEX_WORKERS"),
    ],
)
def test_bad_values_are_named(tmp_path: Path, changes: dict[str, str], complaint: str) -> None:
    with pytest.raises(ConfigurationError, match=complaint):
        load_settings({"CASEFILES_DATA_DIR": str(tmp_path), **changes})


def test_pages_and_documents_show_the_institutions_time(tmp_path: Path) -> None:
    """UTC in storage and the API; the institution's zone (the server's, here TZ=Europe/Moscow, unless
    CASEFILES_TIMEZONE says otherwise) on pages and in documents such as the signature sheet."""
    import datetime as dt

    from webapp import create_app
    from webapp.runtime import local_time
    from webapp.ui.filters import ru_datetime

    moment = dt.datetime(2026, 12, 31, 21, 30, tzinfo=dt.UTC)
    for zone, shown in ((None, "01.01.2027 00:30"), ("Asia/Yekaterinburg", "01.01.2027 02:30")):
        environ = {"CASEFILES_DATA_DIR": str(tmp_path / (zone or "default")), "CASEFILES_SECRET_KEY": "x" * 32}
        environ["TZ"] = "Europe/Moscow"  # the server's zone, pinned: the machine running the tests may be in UTC
        if zone:
            environ["CASEFILES_TIMEZONE"] = zone
        app = create_app({"TESTING": True}, settings=load_settings(environ))
        with app.app_context():
            assert ru_datetime(moment) == shown
            assert ru_datetime(moment.isoformat()) == shown
            assert local_time(moment).utcoffset() == dt.timedelta(hours=3 if zone is None else 5)
