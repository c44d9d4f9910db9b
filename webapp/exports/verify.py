"""Checking an exported ZIP offline, with nothing but the package: the archive's own checksums, the BagIt
manifests (payload and tag files), manifest.json against the files, and every detached signature against the
original bytes it signs and the package's ca.pem, with its RFC 3161 timestamp (the token over the signature
value must hold; its time counts when its TSA's certificate was issued by ca.pem, as the own TSA's is, or by a CA
in trusted-cas.pem). No database, no network, no application state. Signatures that arrived from outside are
checked against what they sign, and counted as trusted when they chain to a CA in trusted-cas.pem (the
administrator's trusted CAs at export time).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

import bagit
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.serialization import Encoding

from webapp.signing import archive, cms, foreign, tsa

_CHUNK = 1024 * 1024
MAX_UNPACKED_BYTES = 64 * 1024**3  # refuse archives claiming more than this (a zip bomb)
TAGMANIFEST = "tagmanifest-sha256.txt"
TRUSTED_CAS = "trusted-cas.pem"  # the CAs trusted for signatures from outside at export time
COMMENT_PREFIX = "casefiles-export tagmanifest-sha256="


@dataclass(frozen=True)
class Problem:
    path: str  # the file at fault, as named in the package
    message: str


@dataclass
class Report:
    files: int = 0
    signatures: int = 0
    timestamps: int = 0  # signatures whose timestamp holds and chains to ca.pem
    archive_timestamps: int = 0  # archive timestamps (CAdES-A) that hold, over all signatures
    external_signatures: int = 0  # signatures that arrived from outside (webapp.signing.foreign)
    external_trusted: int = 0  # of those, the ones chaining to a CA in trusted-cas.pem
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and self.files > 0


def verify_export(path: Path) -> Report:
    report = Report()
    with tempfile.TemporaryDirectory(prefix="casefiles-verify-") as work:
        root = Path(work)
        comment = _unpack(path, root, report)
        if comment is None:
            return report
        _check_tag_files(root, comment, report)
        _check_bag(root, report)
        manifest = _manifest(root, report)
        if manifest is not None:
            _check_files(root, manifest, report)
            _check_signatures(root, manifest, report)
            _check_external_signatures(root, manifest, report)
    report.problems = _first_per_file(report.problems)
    return report


def tagmanifest_comment(digest: str) -> bytes:
    """The ZIP comment that seals the bag: the SHA-256 of its tag manifest, which covers every other file."""
    return f"{COMMENT_PREFIX}{digest}".encode("ascii")


def _unpack(path: Path, root: Path, report: Report) -> bytes | None:
    """Extract the archive into `root`; its comment, or None when it cannot be read safely."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile):
        report.problems.append(Problem(path.name, "не ZIP-архив или файл повреждён"))
        return None
    with archive:
        members = archive.infolist()
        if sum(member.file_size for member in members) > MAX_UNPACKED_BYTES:
            report.problems.append(Problem(path.name, "архив распаковывается в недопустимо большой объём"))
            return None
        for member in members:
            name = PurePosixPath(member.filename)
            if member.is_dir():
                continue
            if name.is_absolute() or ".." in name.parts or "\\" in member.filename:
                report.problems.append(Problem(member.filename, "недопустимое имя файла в архиве"))
                return None
            target = root.joinpath(*name.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with archive.open(member) as source, target.open("wb") as out:
                    while chunk := source.read(_CHUNK):
                        out.write(chunk)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError):  # bad CRC, damaged compressed data
                report.problems.append(Problem(member.filename, "файл повреждён внутри архива (контрольная сумма ZIP)"))
        return None if report.problems else archive.comment


def _check_tag_files(root: Path, comment: bytes, report: Report) -> None:
    """The tag manifest against the seal in the ZIP comment (when the archive kept it), then each tag file
    against the tag manifest: so a change to any file outside data/ is named, not only its consequences."""
    tagmanifest = root / TAGMANIFEST
    if not tagmanifest.is_file():
        report.problems.append(Problem(TAGMANIFEST, "отсутствует"))
        return
    sealed = comment.decode("ascii", "replace").removeprefix(COMMENT_PREFIX) if comment.startswith(b"casefiles") else ""
    if sealed and file_sha256(tagmanifest) != sealed:
        report.problems.append(Problem(TAGMANIFEST, "SHA-256 не совпадает с записанной в комментарии архива"))
    for line in tagmanifest.read_text(encoding="utf-8", errors="replace").splitlines():
        digest, _, name = line.strip().partition(" ")
        name = name.strip()
        target = root.joinpath(*PurePosixPath(name).parts)
        if name and ".." not in PurePosixPath(name).parts and target.is_file() and file_sha256(target) != digest:
            report.problems.append(Problem(name, f"SHA-256 не совпадает с записанной в {TAGMANIFEST}: файл изменён"))


def _check_bag(root: Path, report: Report) -> None:
    try:
        bag = bagit.Bag(str(root))
        bag.validate(processes=1)
    except bagit.BagValidationError as exc:
        for detail in exc.details or []:
            report.problems.append(_bag_problem(detail))
        if not exc.details:
            report.problems.append(Problem("bagit.txt", f"пакет BagIt не проходит проверку: {exc.message}"))
    except bagit.BagError as exc:
        report.problems.append(Problem("bagit.txt", f"не пакет BagIt: {exc}"))


def _bag_problem(detail: Any) -> Problem:
    path = getattr(detail, "path", "") or ""
    if isinstance(detail, bagit.ChecksumMismatch):
        where = "tagmanifest-sha256.txt" if not path.startswith("data/") else "manifest-sha256.txt"
        return Problem(path, f"SHA-256 не совпадает с записанной в {where}: файл изменён")
    if isinstance(detail, bagit.FileMissing):
        return Problem(path, "файл указан в манифесте пакета, но отсутствует")
    if isinstance(detail, bagit.UnexpectedFile):
        return Problem(path, "лишний файл: его нет в манифесте пакета")
    return Problem(path or "bagit.txt", str(detail))


def _manifest(root: Path, report: Report) -> dict[str, Any] | None:
    path = root / "data" / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        report.problems.append(Problem("data/manifest.json", "отсутствует или не читается как JSON"))
        return None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), list):
        report.problems.append(Problem("data/manifest.json", "не похож на опись экспорта casefiles"))
        return None
    return manifest


def _check_files(root: Path, manifest: dict[str, Any], report: Report) -> None:
    data = root / "data"
    listed = set()
    for entry in manifest["files"]:
        name = str(entry.get("path", ""))
        listed.add(name)
        target = data.joinpath(*PurePosixPath(name).parts)
        if not name or ".." in PurePosixPath(name).parts or not target.is_file():
            report.problems.append(Problem(f"data/{name}", "указан в manifest.json, но отсутствует"))
            continue
        report.files += 1
        if file_sha256(target) != entry.get("sha256") or target.stat().st_size != entry.get("size"):
            report.problems.append(Problem(f"data/{name}", "SHA-256 или размер не совпадает с manifest.json"))
        elif entry.get("kind") == "original" and entry.get("recorded_sha256") not in (None, entry.get("sha256")):
            report.problems.append(Problem(f"data/{name}", "байты версии отличаются от записанных в системе"))
    for path in data.rglob("*"):
        name = path.relative_to(data).as_posix()
        if path.is_file() and name != "manifest.json" and name not in listed:
            report.problems.append(Problem(f"data/{name}", "лишний файл: его нет в manifest.json"))


def _check_signatures(root: Path, manifest: dict[str, Any], report: Report) -> None:
    data = root / "data"
    try:
        ca = x509.load_pem_x509_certificate((data / "ca.pem").read_bytes())
    except (OSError, ValueError):
        report.problems.append(Problem("data/ca.pem", "сертификат удостоверяющего центра отсутствует или повреждён"))
        return
    # A timestamp's TSA counts under ca.pem (the own TSA) or a CA trusted at export time (an external TSA's).
    outside = [x509.load_der_x509_certificate(der) for der in _trusted_authorities(data / TRUSTED_CAS)]
    time_stamping_cas = [ca, *outside]
    for entry in manifest["files"]:
        if entry.get("kind") != "signature":
            continue
        report.signatures += 1
        signature_path, original_path = f"data/{entry.get('path')}", f"data/{entry.get('signs')}"
        try:
            der = (root / signature_path).read_bytes()
            signed = cms.read_signature(der)
        except (OSError, cms.MalformedSignature, InvalidSignature):
            report.problems.append(Problem(signature_path, "подпись повреждена или не сходится с сертификатом"))
            continue
        try:
            content = file_sha256(root / original_path)
        except OSError:
            report.problems.append(Problem(original_path, "подписанный файл отсутствует"))
            continue
        if not cms.content_matches(signed, content):
            report.problems.append(Problem(original_path, f"содержимое не совпадает с подписью {signature_path}"))
            continue
        try:
            signed.certificate.verify_directly_issued_by(ca)
        except (ValueError, TypeError, InvalidSignature):
            report.problems.append(Problem(signature_path, "сертификат подписанта выдан не центром из ca.pem"))
            continue
        original = archive.Content(_opener(root / original_path))
        when = _trusted_time(signed, der, original, time_stamping_cas, report, signature_path)
        certificate = signed.certificate
        if when is not None and not certificate.not_valid_before_utc <= when <= certificate.not_valid_after_utc:
            report.problems.append(Problem(signature_path, "подписано вне срока действия сертификата"))


def _check_external_signatures(root: Path, manifest: dict[str, Any], report: Report) -> None:
    """Each signature from outside against the bytes it signs: a detached one (kind external_signature) against the
    original it names, an attached one (an original marked attached_signature) against the content inside it."""
    data = root / "data"
    trusted = _trusted_authorities(data / TRUSTED_CAS)
    for entry in manifest["files"]:
        if entry.get("kind") == "external_signature":
            path, signs = f"data/{entry.get('path')}", f"data/{entry.get('signs')}"
        elif entry.get("kind") == "original" and entry.get("attached_signature"):
            path = signs = f"data/{entry.get('path')}"
        else:
            continue
        report.external_signatures += 1
        found = _external_finding(root / path, root / signs, trusted)
        if found is None:
            report.problems.append(Problem(path, "подпись из другой системы повреждена или её файлы отсутствуют"))
        elif found.status != "valid":
            when = "так и было при получении" if entry.get("status", "valid") != "valid" else "при выгрузке была верна"
            report.problems.append(Problem(path, f"подпись из другой системы не верна: {found.detail} ({when})"))
        elif found.trusted:
            report.external_trusted += 1


def _external_finding(signature: Path, signs: Path, trusted: list[bytes]) -> foreign.Finding | None:
    try:
        info = foreign.load(signature.read_bytes())
        content = foreign.attached_content(info)
        return foreign.verify(info, signs.read_bytes() if content is None else content, trusted)
    except (OSError, foreign.MalformedSignature):
        return None


def _trusted_authorities(path: Path) -> list[bytes]:
    try:
        pem = path.read_bytes()
    except OSError:
        return []
    try:
        return [c.public_bytes(Encoding.DER) for c in x509.load_pem_x509_certificates(pem)]
    except ValueError:
        return []


def _trusted_time(
    signed: cms.SignedContent,
    der: bytes,
    content: archive.Content,
    cas: list[x509.Certificate],
    report: Report,
    path: str,
) -> dt.datetime | None:
    """The timestamp's time when it holds, its TSA was issued by one of `cas` and its certificate is in force now
    or an archive timestamp made before it expired carries it (webapp.signing.archive); else the signing time the
    CMS states (an older signature, or a TSA the package does not trust) while the signer's certificate is in
    force; None after a problem is reported (a token that does not hold, or proves no time once the certificate
    has expired)."""
    if signed.timestamp_token is None:
        return signed.signing_time
    try:
        stamped = tsa.read_token(signed.timestamp_token, signed.signature_value)
        archived = archive.archive_timestamps(der, content)
    except tsa.BadToken:
        report.problems.append(
            Problem(path, "штамп времени или архивный штамп повреждён либо относится к другой подписи")
        )
        return None
    report.archive_timestamps += len(archived)
    proven = archive.proven_time(
        [stamped, *archived], lambda tsa_cert: any(_issued_by(tsa_cert, ca) for ca in cas), _now()
    )
    if proven is None:
        if _now() > signed.certificate.not_valid_after_utc:  # as the app's `time_unproven`
            report.problems.append(Problem(path, TIME_UNPROVEN))
            return None
        return signed.signing_time
    report.timestamps += 1
    return proven


def _opener(path: Path) -> Callable[[], IO[bytes]]:
    return lambda: path.open("rb")


TIME_UNPROVEN = (
    "время подписания больше не доказано: сертификат подписанта истёк, а штамп времени не подтверждён "
    "(служба штампов не доверена или срок её сертификата вышел без архивного штампа)"
)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _issued_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        certificate.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _first_per_file(problems: list[Problem]) -> list[Problem]:
    """One problem per file: the first found says the most (a changed byte makes several checks fail)."""
    seen: set[str] = set()
    kept = []
    for problem in problems:
        if problem.path not in seen:
            seen.add(problem.path)
            kept.append(problem)
    return kept


def file_sha256(path: Path) -> str:
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()
