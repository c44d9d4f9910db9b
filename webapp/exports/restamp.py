"""Archive timestamps for sealed PDF exports (`casefiles signatures restamp`, run yearly): a PAdES-B-LTA file stays
provable only while its latest document timestamp does, that is until the TSA certificate behind it expires (or
its algorithms weaken). Before that, a new document timestamp over the whole file, with the validation data of the
previous one added to the DSS, carries the proof forward (PAdES-LTA's timestamp chain)."""

from __future__ import annotations

import contextlib
import datetime as dt
import secrets
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from pyhanko.pdf_utils.reader import PdfFileReader
from sqlalchemy import select

from storage import StorageError, StoredBlob
from webapp.blobs.integrity import copy_checked, file_ref
from webapp.blobs.models import StoredFile
from webapp.dbtypes import utcnow
from webapp.exceptions import ConfigurationError, StorageUnavailable
from webapp.exports.models import Export
from webapp.exports.seal import Seal, add_archive_timestamp
from webapp.extensions import db
from webapp.runtime import blob_store
from webapp.signing import tsa

DEFAULT_MARGIN = dt.timedelta(days=2 * 365)  # run yearly: a year's slack for a missed run


@dataclass
class RestampReport:
    checked: int = 0  # sealed PDF exports looked at
    restamped: int = 0
    not_lta: int = 0  # sealed without a TSA (PAdES-B-B): no timestamp chain to extend


def last_timestamp_expiry(path: Path) -> dt.datetime | None:
    """When the TSA certificate of the file's latest document timestamp expires; None without one."""
    with path.open("rb") as stream:
        timestamps = PdfFileReader(stream).embedded_timestamp_signatures
        if not timestamps:
            return None
        expiry: dt.datetime = timestamps[-1].signer_cert["tbs_certificate"]["validity"]["not_after"].native
    return expiry


def restamp_exports(margin: dt.timedelta = DEFAULT_MARGIN, now: dt.datetime | None = None) -> RestampReport:
    """Add an archive timestamp to every kept PDF export whose latest timestamp certificate expires within
    `margin`; each one is committed as it is done."""
    exports = db.session.scalars(
        select(Export).where(Export.deleted_at.is_(None), Export.format == "pdf", Export.file_id.is_not(None))
    ).all()
    return restamp_sealed([(export.file, partial(setattr, export, "file")) for export in exports], margin, now)


def restamp_sealed(
    files: Sequence[tuple[StoredFile | None, Callable[[StoredFile], None]]],
    margin: dt.timedelta = DEFAULT_MARGIN,
    now: dt.datetime | None = None,
) -> RestampReport:
    """Restamp each sealed PDF whose latest timestamp certificate expires within `margin`: the new file is
    stored, its owner pointed at it (`point`) and committed; then the old bytes are deleted and their record
    marked (it stays for what it says). Exports and hearing packages alike."""
    seal = _seal()
    now = now or utcnow()
    report = RestampReport()
    for file, point in files:
        if file is None or file.deleted_at is not None:
            continue
        report.checked += 1
        with tempfile.TemporaryDirectory(prefix="casefiles-restamp-") as work:
            current = Path(work) / "current.pdf"
            copy_checked(file_ref(file), current)
            expiry = last_timestamp_expiry(current)
            if expiry is None:
                report.not_lta += 1
                continue
            if expiry - now > margin:
                continue
            stored = _stamped(current, Path(work) / "restamped.pdf", seal, file)
        point(StoredFile.of(stored, file.kind, file.media_type))
        db.session.commit()
        report.restamped += 1
        with contextlib.suppress(StorageError):  # else the bytes stay, and so does their record
            blob_store().delete(file.key)
            file.deleted_at = utcnow()
            db.session.commit()
    return report


def _seal() -> Seal:
    from webapp.exports.services import export_seal  # services imports this module's neighbours

    seal = export_seal()
    if seal is None or seal.authority is None:
        raise ConfigurationError(
            "Архивные метки времени ставятся на печать выгрузок, а она выключена (CASEFILES_EXPORT_SEAL=0)"
        )
    return seal


def _stamped(current: Path, restamped: Path, seal: Seal, file: StoredFile) -> StoredBlob:
    try:
        add_archive_timestamp(current, restamped, seal)
    except tsa.TimestampUnavailable as exc:  # technical, without personal data
        raise StorageUnavailable(
            f"Служба штампов времени недоступна: архивная метка не добавлена ({exc})", code="tsa_unavailable"
        ) from None
    with restamped.open("rb") as stream:
        return blob_store().put(
            f"{file.key.rsplit('.', 1)[0]}-{secrets.token_hex(4)}.pdf", stream, media_type=file.media_type
        )
